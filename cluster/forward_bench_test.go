package cluster

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkWritesThroughFollowers measures writes on three nodes whose callers are spread over
// every node, as keyhold's callers are: a write made on a follower is proposed to the leader
// (as keyhold forwards it) and answered only once the follower has applied it, so the caller
// reads it there. The follower learns the commit index from the leader's next AppendEntries,
// which raft sends at once only while new entries flow and otherwise after one to two
// CommitTimeouts; this compares raft's 50 ms with DefaultCommitTimeout. 32 callers per CPU.
func BenchmarkWritesThroughFollowers(b *testing.B) {
	for _, ct := range []time.Duration{50 * time.Millisecond, DefaultCommitTimeout} {
		b.Run(fmt.Sprintf("commit_timeout=%v", ct), func(b *testing.B) {
			c := newTestCluster(b, 3, func(_ int, cfg *Config) { cfg.CommitTimeout = ct })
			leader := c.leader()
			ctx := context.Background()
			var seq, rr atomic.Uint64
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(16)
			cpu0 := cpuTime()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var local []time.Duration
				for pb.Next() {
					at := c.nodes[rr.Add(1)%3]
					t0 := time.Now()
					_, idx, err := leader.node.ApplyIndex(ctx, setCmd(fmt.Sprintf("k%d", seq.Add(1)), "v"))
					if err == nil && at != leader {
						err = at.node.WaitForApplied(ctx, idx)
					}
					if err != nil {
						b.Error(err)
						return
					}
					local = append(local, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, local...)
				mu.Unlock()
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
}
