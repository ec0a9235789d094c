// Package cluster is keyhold's raft glue: it replicates an opaque, deterministic StateMachine
// across nodes with hashicorp/raft, and knows nothing of what the state is.
//
// A Node owns one raft instance, its stores and its transport. Writes go through Apply on the
// leader; other nodes answer with a *NotLeaderError naming the leader, so the caller can
// forward. Reads are served by the caller from its local StateMachine; WaitForApplied lets a
// follower catch up to an index first, and Barrier gives the leader read-your-writes.
//
// # Storage layout
//
//	DataDir/
//	  raft.db                  bbolt (raft-boltdb/v2): log entries and raft's stable store
//	                           (current term, vote); fsynced on every group commit
//	  snapshots/<term>-<index>-<ms>/
//	    meta.json              raft's snapshot metadata (index, term, configuration, size)
//	    state.bin              snapshot header (below), then the StateMachine's Persist output
//
// Two snapshots are retained. On Open raft restores the newest snapshot that restores cleanly
// and then replays only the log entries after it.
//
// The disk holds O(state), not O(history): raft snapshots once the log since the last snapshot
// holds about as many bytes as that snapshot (adaptSnapshotThreshold; never sooner than
// SnapshotThreshold entries), truncates the log behind it to TrailingLogs entries, and raft.db,
// which bbolt never shrinks by itself, is then rewritten if it is mostly free (logstore.go).
//
// # Snapshot header
//
// Every snapshot starts with a 9-byte header written by this package, so that a restored
// StateMachine knows exactly which log index its state reflects:
//
//	offset  size  field
//	0       1     version = 0x01 (any other value is rejected)
//	1       8     applied index, big-endian uint64: the last log entry the state includes
//	9       ...   StateMachine payload, to the end of the file
//
// # Group commit
//
// Raft's BatchApplyCh is on: the leader drains up to MaxAppendEntries concurrently queued
// proposals, writes them to raft.db with one fsync, replicates them in one AppendEntries RPC,
// and this package applies them in one ApplyBatch call (LogCommand entries go to
// StateMachine.Apply in order; configuration changes, no-ops and barriers do not).
//
// # Outcome of a failed Apply
//
// When leadership is lost, the context expires or the node closes after a command was
// appended, the command may still commit: Apply returns ErrLeadershipLost, ErrTimeout or
// ErrClosed and the outcome is unknown. Commands must be idempotent, carrying every id,
// timestamp and random value they need, so that a retry is safe. ErrNotLeader, by contrast,
// means nothing was proposed.
//
// # Transport and logging
//
// Raft traffic is plain TCP when Config.TLS is nil (dev mode) and mutual TLS 1.3 otherwise:
// each side presents a certificate and verifies the other's against the cluster CA. The raft port
// also carries the peer API (Config.Peer, PeerClient): a connection whose first byte is 0xE7
// is plain HTTP/1.1 inside the same TLS, for node-to-node requests such as forwarded writes.
// Config.VerifyPeer, when set, decides after the handshake whether the certificate is that of a
// current member; a refused peer reaches neither raft nor the peer API. Raft's
// hclog output goes to Config.Logger (slog); raft's go-metrics go to the process-wide sink,
// which discards them unless someone installs one; metrics come from Status and Observer.
package cluster
