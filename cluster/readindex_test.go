package cluster

import (
	"errors"
	"testing"
)

// TestReadIndexAppendsNoEntries: read indexes cost a heartbeat round, not a log entry. Every
// node asks for one several times a second to bound its staleness; a barrier per read index grew
// an idle cluster's log by ten entries a second, each with an fsync. Only the first read index
// of a term commits a barrier.
func TestReadIndexAppendsNoEntries(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	leader := c.leader()
	c.set(leader, "a", "1")
	if _, err := leader.node.ReadIndex(c.ctx()); err != nil { // the term's barrier, if not yet
		t.Fatal(err)
	}
	before := leader.node.Status().LastLogIndex
	var idx uint64
	for range 50 {
		i, err := leader.node.ReadIndex(c.ctx())
		if err != nil {
			t.Fatal(err)
		}
		idx = i
	}
	if after := leader.node.Status().LastLogIndex; after != before {
		t.Fatalf("50 read indexes appended %d log entries, want 0", after-before)
	}
	// The index covers the acknowledged write: a follower that applied it reads "1".
	c.set(leader, "a", "2")
	i, err := leader.node.ReadIndex(c.ctx())
	if err != nil || i <= idx {
		t.Fatalf("read index after a write: got %d, %v; want > %d", i, err, idx)
	}
	for _, f := range c.followers(leader) {
		if err := f.node.WaitForApplied(c.ctx(), i); err != nil {
			t.Fatal(err)
		}
		if got := f.sm.get("a"); got != "2" {
			t.Fatalf("%s after WaitForApplied(read index): a=%q, want 2", f.cfg.NodeID, got)
		}
		var nl *NotLeaderError
		if _, err := f.node.ReadIndex(c.ctx()); !errors.As(err, &nl) {
			t.Fatalf("ReadIndex on follower %s: got %v, want NotLeaderError", f.cfg.NodeID, err)
		}
	}
}
