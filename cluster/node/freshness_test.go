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

// TestStillServableAfterASlowOperation: an answer computed past its admission's bound stands
// when the node stayed current all the while (RSA-4096 key generation outlasting one bound), and
// is refused when the bound lapsed in between, even if the node is current again by then (a
// paused node that read its state before the pause).
func TestStillServableAfterASlowOperation(t *testing.T) {
	// The bound is long next to the steps, so that a loaded machine cannot open a break by
	// accident; the admission's own bound is passed by confirming rounds that start later.
	const bound = 500 * time.Millisecond
	f := newFreshness(bound)
	f.confirm(time.Now())
	f.notReady.Store(nil)
	admitted := time.Now()
	for range 12 { // the background rounds keep confirming while the operation runs, past its bound
		time.Sleep(bound / 8)
		f.confirm(time.Now())
	}
	if err := f.stillServable(admitted); err != nil {
		t.Fatalf("stayed current for %v: %v", time.Since(admitted), err)
	}
	admitted = time.Now()
	time.Sleep(bound + bound/2) // the bound lapses: no round confirmed (a pause)
	if err := f.stillServable(admitted); err == nil {
		t.Fatal("servable with the bound lapsed")
	}
	f.confirm(time.Now()) // current again
	if err := f.stillServable(admitted); err == nil {
		t.Fatal("a request admitted before the break is answered after it")
	}
	if err := f.stillServable(time.Now()); err != nil {
		t.Fatalf("a request admitted after the break: %v", err)
	}
}
