package node

import (
	"strings"
	"testing"
	"time"
)

// TestFreshnessConfirm: a confirmation makes the replica fresh until its round's start plus
// max_staleness; an older confirmation never moves that back; a node not ready is not servable
// however fresh.
func TestFreshnessConfirm(t *testing.T) {
	f := newFreshness(200 * time.Millisecond)
	if f.fresh() {
		t.Fatal("fresh before any confirmation")
	}
	start := time.Now()
	f.confirm(start)
	if !f.fresh() {
		t.Fatal("not fresh right after a confirmation")
	}
	until := f.until.Load()
	f.confirm(start.Add(-time.Second))
	if f.until.Load() != until {
		t.Fatal("an older confirmation moved the bound back")
	}
	if _, ok := f.servable(); ok {
		t.Fatal("servable while the last readiness check failed")
	}
	f.notReady.Store(nil)
	u, ok := f.servable()
	if !ok || !u.Equal(start.Add(200*time.Millisecond)) {
		t.Fatalf("servable: got %v %v, want true until %v", u, ok, start.Add(200*time.Millisecond))
	}
	f2 := newFreshness(200 * time.Millisecond)
	f2.confirm(time.Now().Add(-time.Second))
	if f2.fresh() {
		t.Fatal("fresh on a confirmation older than max_staleness")
	}
}

// TestConsistencyConfig: the settings are validated with messages that name the field.
func TestConsistencyConfig(t *testing.T) {
	c := DefaultConfig()
	if c.MaxStaleness != time.Second || c.ReadConsistency != "linearizable" {
		t.Fatalf("defaults: max_staleness %s, read_consistency %q", c.MaxStaleness, c.ReadConsistency)
	}
	if errs := c.validateConsistency(); len(errs) != 0 {
		t.Fatalf("defaults: %v", errs)
	}
	c.MaxStaleness, c.ReadConsistency, c.RaftSnapshotThreshold = time.Millisecond, "eventual", -1
	errs := c.validateConsistency()
	if len(errs) != 3 {
		t.Fatalf("got %v, want three errors", errs)
	}
	for i, field := range []string{"max_staleness", "read_consistency", "raft_snapshot_threshold"} {
		if got := errs[i].Error(); !strings.Contains(got, field) {
			t.Errorf("error %q does not name %s", got, field)
		}
	}
}

// BenchmarkServeGate is the data-plane cost of bounded staleness on a fresh node: the API gate.
func BenchmarkServeGate(b *testing.B) {
	n := &Node{fresh: newFreshness(time.Hour)}
	n.fresh.confirm(time.Now())
	n.fresh.notReady.Store(nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := n.serveGate(ctx()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
