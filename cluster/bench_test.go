package cluster

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkApplyParallel measures group-committed write throughput: many goroutines propose
// small commands to the leader at once, as concurrent CreateKey calls do.
func BenchmarkApplyParallel(b *testing.B) {
	for _, nodes := range []int{1, 3} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			c := newTestCluster(b, nodes, nil)
			leader := c.leader()
			ctx := context.Background()
			var seq atomic.Uint64
			// 32 proposers per CPU: enough waiting writers to fill each group commit.
			b.SetParallelism(32)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := fmt.Sprintf("k%d", seq.Add(1))
					if _, err := leader.node.Apply(ctx, setCmd(k, "v")); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
		})
	}
}
