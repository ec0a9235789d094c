package cluster

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// writeMany applies n commands of size bytes each through tn, from 16 goroutines so that group
// commit batches them as it does under load.
func writeMany(c *testCluster, tn *testNode, round, n, size int) {
	c.t.Helper()
	val := strings.Repeat("v", size)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += 16 {
				if _, err := tn.node.Apply(c.ctx(), setCmd(fmt.Sprintf("r%d-k%d", round, i), val)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		c.t.Fatal(err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestRaftLogFileStaysBounded: raft.db holds the log since the last snapshot (plus the trailing
// entries), not the whole history. Each round writes about 8 MiB of log and snapshots; after
// every snapshot the file is back under 2 MiB, where bbolt alone would keep the 8 MiB (shown by
// the same rounds with compaction off). The rewritten file keeps raft's term and vote and the
// trailing log: the node restarts from it with its state intact and takes writes.
func TestRaftLogFileStaysBounded(t *testing.T) {
	const (
		rounds  = 3
		entries = 2000
		size    = 4 << 10
	)
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("compact=%v", compact), func(t *testing.T) {
			c := newTestCluster(t, 1, func(_ int, cfg *Config) {
				cfg.TrailingLogs = 100
				cfg.SnapshotThreshold = 1 << 30 // only the snapshots the test takes
				cfg.LogCompactMinBytes = 1 << 20
				if !compact {
					cfg.LogCompactMinBytes = -1
				}
			})
			n := c.nodes[0]
			path := filepath.Join(n.cfg.DataDir, "raft.db")
			var peak, last int64
			for r := range rounds {
				writeMany(c, n, r, entries, size)
				peak = max(peak, fileSize(t, path))
				if err := n.node.Snapshot(); err != nil {
					t.Fatalf("Snapshot: %v", err)
				}
				last = fileSize(t, path)
				t.Logf("round %d: raft.db %.1f MiB before the snapshot, %.1f MiB after", r, float64(peak)/(1<<20), float64(last)/(1<<20))
			}
			if written := int64(entries * size); peak < written {
				t.Fatalf("raft.db peaked at %d bytes, less than the %d written: the test wrote too little", peak, written)
			}
			if !compact {
				if last < 4<<20 {
					t.Fatalf("without compaction raft.db shrank to %d bytes: the test cannot tell compaction works", last)
				}
				return
			}
			if last > 2<<20 {
				t.Fatalf("raft.db is %d bytes after the snapshot, want under 2 MiB", last)
			}
			if got := n.node.store.compactions; got < rounds {
				t.Fatalf("%d compactions, want one per round (%d)", got, rounds)
			}
			if _, err := os.Stat(path + ".compact"); !os.IsNotExist(err) {
				t.Fatalf("the compaction's temporary file is left behind: %v", err)
			}
			want := n.sm.state()
			lastIdx := n.node.Status().AppliedIndex
			c.kill(0)
			c.start(0)
			if err := n.node.WaitForApplied(c.ctx(), lastIdx); err != nil {
				t.Fatalf("WaitForApplied(%d) after restart: %v", lastIdx, err)
			}
			if got := n.sm.state(); !maps.Equal(got, want) {
				t.Fatalf("state after restart differs: %d keys, want %d", len(got), len(want))
			}
			c.leader()
			c.set(n, "after-restart", "ok")
		})
	}
}

// TestSnapshotThresholdFollowsSnapshotSize: after a snapshot, raft snapshots again only once
// the log since holds about as many bytes as the snapshot did, never sooner than the configured
// threshold, so a large state is not re-encoded every few thousand writes.
func TestSnapshotThresholdFollowsSnapshotSize(t *testing.T) {
	const entries, size = 400, 4 << 10
	c := newTestCluster(t, 1, func(_ int, cfg *Config) { cfg.SnapshotThreshold = 16 })
	n := c.nodes[0]
	writeMany(c, n, 0, entries, size)
	if got := n.node.raft.ReloadableConfig().SnapshotThreshold; got != 16 {
		t.Fatalf("threshold before any snapshot: %d, want the configured 16", got)
	}
	if err := n.node.Snapshot(); err != nil {
		t.Fatal(err)
	}
	// The kv state holds every value once, so the snapshot is about as large as the log.
	got := n.node.raft.ReloadableConfig().SnapshotThreshold
	if got < entries/2 || got > entries*2 {
		t.Fatalf("threshold after a snapshot of %d entries of %d bytes: %d, want about %d", entries, size, got, entries)
	}
}
