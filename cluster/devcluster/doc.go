// Package devcluster is what a local keyhold cluster on one machine needs besides the nodes
// themselves: the dev CA and node certificates (mutual TLS on loopback), the dev operator's
// unencrypted signing key, the credential files `keyhold dev` writes, and the node processes
// (Run: `keyhold serve` per node, the nodes.json index of them, the waits for readiness). `keyhold dev` uses it to run its
// cluster, and the tests use it to build clusters of their own. It never imports the node
// (cluster/node), so that the node's own tests can use it; the node-side bootstrapping (domain
// init, admission) is cluster/node's DevInit and DevInitCluster.
//
// DEV ONLY: keys written here lie unencrypted on disk, mode 0600.
package devcluster
