// Package clustertest starts real keyhold clusters for tests in any package, as hashicorp/raft's
// testing.go does for raft: ProcCluster runs the keyhold binary as processes (`keyhold dev
// --nodes N`, then `keyhold serve` per node), built with `go build` of cmd/keyhold; the
// helpers beside it (Eventually, ErrCode, ReadCredentials, AWSCLI...) are what every
// end-to-end test of keyhold needs. In-process nodes are cluster/node/nodetest's.
//
// It imports neither cluster/node nor cmd, so that the node's own tests can use it.
package clustertest
