package node

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// BenchmarkCreateKey drives CreateKey through the AWS SDK against a live single node (SoftHSM2,
// raft with fsync, group commit) from 32 callers, as keyhold-load -create-keys does: the write
// path's cost per key (ns/op over the wall clock, so ops/s = 1e9 / ns/op).
func BenchmarkCreateKey(b *testing.B) {
	tn := newTestNode(b)
	if _, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{}); err != nil { // warm up
		b.Fatal(err)
	}
	b.SetParallelism(16) // 32 callers on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
