// Package node is one keyhold node: it opens the HSM token, the replicated state and raft, the
// key service, the audit trail and the object store, serves the API and ops listeners, and runs
// the background loops (scheduled key work, ceremonies, freshness, joining). Start takes one
// Config (DefaultConfig, Validate); cmd/keyhold fills it from the file, the environment and
// flags, and does nothing else.
//
// # Files
//
//   - node.go: Start, Close, readiness; config.go: Config; status.go: /v1/cluster/status.
//   - fsm.go: the raft state machine over domain.State; raftmembers.go: raft voters from the
//     domain's members.
//   - keyring*.go: the HSM keyring (domain keys, probes); ceremony*.go: the leader's and
//     members' HSM work for ceremonies; trustanchors.go, rootcreds.go: bootstrap.
//   - audit.go, peeraudit.go: audit wiring; listenlimits.go, apitls.go, tlsconfig.go: listeners.
//   - objstore.go: the S3 object store.
//   - devinit.go: dev mode's domain init and admission (keyhold dev and the tests).
//
// # The peer protocol
//
// forward.go (write forwarding to the leader), readindex.go and freshness.go (read index,
// bounded staleness, catch-up), join.go (joining with HSM proof), peerapi.go and peerwire.go
// (the peer API's server and wire format) and peerauth.go (who may use the raft port) are the
// server half of the node-to-node protocol; its transport (the multiplexed raft port, the
// client) is package cluster's peer.go and mux.go. They stay in this package, as hraftd and
// rqlite keep leader forwarding in their store: every handler needs the node's key service,
// raft and HSM, and the node needs the handlers to open raft, so a separate package would
// need an interface for each direction and gain no seam a reader can use. Their seam is the
// file prefix: peer*.go, forward.go, readindex.go, freshness.go, join.go.
package node
