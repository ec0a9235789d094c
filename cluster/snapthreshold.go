package cluster

import "io"

// maxSnapshotThreshold caps the adaptive snapshot threshold, so that a huge state still
// snapshots (and truncates its log) at least every million entries.
const maxSnapshotThreshold = 1 << 20

// adaptSnapshotThreshold runs after a snapshot of size bytes was written. It sets raft's snapshot
// threshold to the number of log entries that take as much room as that snapshot, and never
// fewer than Config.SnapshotThreshold. Snapshotting costs O(state) whatever changed, so a fixed
// threshold of a few thousand entries would re-encode a million-key state every few seconds
// under load; tied to the snapshot's size, the work and the disk a snapshot costs are at most
// those of the log it replaces, and raft.db holds at most about one snapshot's worth of log
// (plus TrailingLogs): both O(state), never O(history).
func (n *Node) adaptSnapshotThreshold(size int64) {
	r := n.raftRef.Load()
	if r == nil {
		return
	}
	per := n.store.meanEntrySize() + entryOverhead
	thr := min(max(uint64(size/per), n.cfg.SnapshotThreshold), max(maxSnapshotThreshold, n.cfg.SnapshotThreshold))
	rc := r.ReloadableConfig()
	if rc.SnapshotThreshold == thr {
		return
	}
	rc.SnapshotThreshold = thr
	if err := r.ReloadConfig(rc); err != nil {
		n.cfg.Logger.Warn("raft: adapting the snapshot threshold", "threshold", thr, "err", err)
	}
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
