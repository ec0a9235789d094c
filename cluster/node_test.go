package cluster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestSingleNodeApply(t *testing.T) {
	var mu sync.Mutex
	ops := map[string]int{}
	c := newTestCluster(t, 1, func(_ int, cfg *Config) {
		cfg.Observer = func(op string, _ time.Duration, _ error) {
			mu.Lock()
			ops[op]++
			mu.Unlock()
		}
	})
	n := c.nodes[0]
	for i, tc := range []struct{ k, v, wantPrev string }{
		{"a", "1", ""},
		{"a", "2", "1"},
		{"b", "x", ""},
	} {
		if got := c.set(n, tc.k, tc.v); got != tc.wantPrev {
			t.Errorf("step %d: Apply(%s=%s) result: got %q, want %q", i, tc.k, tc.v, got, tc.wantPrev)
		}
	}
	if got := n.sm.get("a"); got != "2" {
		t.Errorf("state a: got %q, want %q", got, "2")
	}
	if err := n.node.Barrier(c.ctx()); err != nil {
		t.Errorf("Barrier: %v", err)
	}
	st := n.node.Status()
	if st.State != "Leader" || st.LeaderID != "n0" || st.LeaderAddr != n.node.Addr() {
		t.Errorf("Status: got state %q leader %q at %q, want Leader n0 at %s", st.State, st.LeaderID, st.LeaderAddr, n.node.Addr())
	}
	if want := []Server{{ID: "n0", Addr: n.node.Addr()}}; !slices.Equal(st.Voters, want) {
		t.Errorf("Voters: got %v, want %v", st.Voters, want)
	}
	// Raft publishes its applied index a moment after answering the barrier, so poll.
	c.waitFor("AppliedIndex to reach CommitIndex", func() bool {
		st := n.node.Status()
		return st.AppliedIndex == st.CommitIndex && st.AppliedIndex > 0
	})
	mu.Lock()
	defer mu.Unlock()
	for _, op := range []string{OpApply, OpApplyBatch, OpBarrier} {
		if ops[op] == 0 {
			t.Errorf("Observer never saw %q (saw %v)", op, ops)
		}
	}
}

func TestRestartRestoresSnapshotThenReplaysLog(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.nodes[0]
	for i := range 10 {
		c.set(n, fmt.Sprintf("k%d", i), "before")
	}
	if err := n.node.Snapshot(); err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	snapIdx := n.node.Status().LastSnapshotIndex
	if snapIdx == 0 {
		t.Fatal("LastSnapshotIndex: got 0 after Snapshot")
	}
	for i := range 5 {
		c.set(n, fmt.Sprintf("k%d", 10+i), "after")
	}
	want := n.sm.state()
	lastIdx := n.node.Status().AppliedIndex

	c.kill(0)
	c.start(0)
	if err := n.node.WaitForApplied(c.ctx(), lastIdx); err != nil {
		t.Fatalf("WaitForApplied(%d) after restart: %v", lastIdx, err)
	}
	if got := n.sm.state(); !maps.Equal(got, want) {
		t.Errorf("state after restart: got %v, want %v", got, want)
	}
	applied, restores := n.sm.stats()
	if restores != 1 {
		t.Errorf("Restore calls: got %d, want 1", restores)
	}
	if len(applied) != 5 {
		t.Errorf("commands replayed: got %d (%v), want the 5 after the snapshot", len(applied), applied)
	}
	for _, idx := range applied {
		if idx <= snapIdx {
			t.Errorf("replayed index %d, which the snapshot at %d already covers", idx, snapIdx)
		}
	}
}

func TestFollowerRejectsLeaderOnlyOps(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	leader := c.leader()
	f := c.followers(leader)[0]
	ctx := c.ctx()
	for _, tc := range []struct {
		name string
		op   func() error
	}{
		{"Apply", func() error { _, err := f.node.Apply(ctx, setCmd("a", "1")); return err }},
		{"Barrier", func() error { return f.node.Barrier(ctx) }},
		{"AddVoter", func() error { return f.node.AddVoter(ctx, "n9", "127.0.0.1:1") }},
		{"AddNonvoter", func() error { return f.node.AddNonvoter(ctx, "n9", "127.0.0.1:1") }},
		{"RemoveServer", func() error { return f.node.RemoveServer(ctx, leader.cfg.NodeID) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op()
			if !errors.Is(err, ErrNotLeader) {
				t.Fatalf("got %v, want ErrNotLeader", err)
			}
			var nle *NotLeaderError
			if !errors.As(err, &nle) {
				t.Fatalf("got %T, want *NotLeaderError", err)
			}
			if nle.LeaderID != leader.cfg.NodeID || nle.LeaderAddr != leader.node.Addr() {
				t.Errorf("leader: got %s at %s, want %s at %s", nle.LeaderID, nle.LeaderAddr, leader.cfg.NodeID, leader.node.Addr())
			}
		})
	}
	if got := f.sm.get("a"); got != "" {
		t.Errorf("rejected Apply changed state: a = %q", got)
	}
}

func TestLeaderFailover(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	old := c.leader()
	c.set(old, "k", "1")
	c.waitConverged()

	oldIdx := slices.Index(c.nodes, old)
	c.kill(oldIdx)
	leader := c.leader()
	if leader == old {
		t.Fatal("killed leader is still leader")
	}
	// Before any write the new leader's commit index points at its no-op entry, which the FSM
	// never sees; followers must still count as caught up (this is what readyz waits on).
	idx := leader.node.Status().CommitIndex
	for _, f := range c.followers(leader) {
		if err := f.node.WaitForApplied(c.ctx(), idx); err != nil {
			t.Fatalf("%s WaitForApplied(%d) with no writes since election: %v", f.cfg.NodeID, idx, err)
		}
	}
	if got := c.set(leader, "k", "2"); got != "1" {
		t.Errorf("first write after failover: previous value got %q, want %q", got, "1")
	}
	for i := range 20 {
		c.set(leader, fmt.Sprintf("after%d", i), "x")
	}

	c.start(oldIdx)
	c.waitConverged()
	want := leader.sm.state()
	for _, tn := range c.nodes {
		if got := tn.sm.state(); !maps.Equal(got, want) {
			t.Errorf("%s state: got %v, want %v", tn.cfg.NodeID, got, want)
		}
	}
	if st := old.node.Status(); st.State != "Follower" || st.LeaderID != leader.cfg.NodeID {
		t.Errorf("rejoined node: got %s following %q, want Follower following %s", st.State, st.LeaderID, leader.cfg.NodeID)
	}
}

func TestConcurrentApply(t *testing.T) {
	const writers, perWriter = 64, 20
	c := newTestCluster(t, 3, nil)
	leader := c.leader()
	ctx := c.ctx()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			key := fmt.Sprintf("w%d", w)
			for i := range perWriter {
				res, err := leader.node.Apply(ctx, setCmd(key, fmt.Sprint(i)))
				if err != nil {
					errs <- fmt.Errorf("writer %d op %d: %w", w, i, err)
					return
				}
				// Each writer's commands commit in the order it issued them.
				want := ""
				if i > 0 {
					want = fmt.Sprint(i - 1)
				}
				if res != want {
					errs <- fmt.Errorf("writer %d op %d: previous value got %q, want %q", w, i, res, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c.waitConverged()
	want := map[string]string{}
	for w := range writers {
		want[fmt.Sprintf("w%d", w)] = fmt.Sprint(perWriter - 1)
	}
	for _, tn := range c.nodes {
		if got := tn.sm.state(); !maps.Equal(got, want) {
			t.Errorf("%s state: got %v, want %v", tn.cfg.NodeID, got, want)
		}
		if applied, _ := tn.sm.stats(); !slices.IsSorted(applied) || len(applied) != writers*perWriter {
			t.Errorf("%s applied %d commands (sorted %v), want %d in index order", tn.cfg.NodeID, len(applied), slices.IsSorted(applied), writers*perWriter)
		}
	}
}

func TestCloseTwiceAndAfterClose(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.nodes[0].node
	lch := n.LeaderCh()
	if v := <-lch; !v {
		t.Errorf("LeaderCh first value on the leader: got false, want true")
	}
	c.kill(0)
	if err := n.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
	// The channel may carry the step-down (false) first, then must be closed.
	last := true
	for v := range lch {
		last = v
	}
	if last {
		t.Error("LeaderCh: last value before close was true, want false")
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"Apply", func() error { _, err := n.Apply(ctx, setCmd("a", "1")); return err }()},
		{"Barrier", n.Barrier(ctx)},
		{"WaitForLeader", n.WaitForLeader(ctx)},
		{"WaitForApplied", n.WaitForApplied(ctx, 1)},
		{"AddVoter", n.AddVoter(ctx, "x", "127.0.0.1:1")},
		{"AddNonvoter", n.AddNonvoter(ctx, "x", "127.0.0.1:1")},
		{"RemoveServer", n.RemoveServer(ctx, "x")},
		{"Snapshot", n.Snapshot()},
	} {
		if !errors.Is(tc.err, ErrClosed) {
			t.Errorf("%s after Close: got %v, want ErrClosed", tc.name, tc.err)
		}
	}
	if st := n.Status(); st.State != "Shutdown" {
		t.Errorf("Status after Close: got %q, want Shutdown", st.State)
	}
	if n.IsLeader() {
		t.Error("IsLeader after Close: got true")
	}
}

func TestApplyHonoursContext(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	n := c.nodes[0].node
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := n.Apply(ctx, setCmd("a", "1")); !errors.Is(err, context.Canceled) {
		t.Errorf("Apply with cancelled ctx: got %v, want context.Canceled", err)
	}
	past, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if _, err := n.Apply(past, setCmd("a", "1")); !errors.Is(err, ErrTimeout) {
		t.Errorf("Apply past deadline: got %v, want ErrTimeout", err)
	}
	// A follower-less wait for an index far ahead ends with the context.
	short, cancel3 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel3()
	if err := n.WaitForApplied(short, 1<<40); !errors.Is(err, ErrTimeout) {
		t.Errorf("WaitForApplied(far future): got %v, want ErrTimeout", err)
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	base := func() Config {
		return Config{NodeID: "n", DataDir: t.TempDir(), BindAddr: "127.0.0.1:0"}
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"no NodeID", func(c *Config) { c.NodeID = "" }},
		{"no DataDir", func(c *Config) { c.DataDir = "" }},
		{"no BindAddr", func(c *Config) { c.BindAddr = "" }},
		{"MaxAppendEntries too large", func(c *Config) { c.MaxAppendEntries = 5000 }},
		{"unspecified advertise", func(c *Config) { c.BindAddr = "0.0.0.0:0" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base()
			tc.edit(&cfg)
			n, err := Open(cfg, newKV())
			if err == nil {
				n.Close()
				t.Fatal("Open: got nil error, want ErrInvalidConfig")
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("Open: got %v, want ErrInvalidConfig", err)
			}
		})
	}
}
