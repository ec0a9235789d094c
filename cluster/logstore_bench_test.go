package cluster

import (
	"log/slog"
	"math"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// BenchmarkStoreLogsAfterTruncation measures one group commit (32 CreateKey-sized entries, one
// fsync) on a raft.db whose log was truncated behind a snapshot, the state the file is in between
// snapshots: ns/op is the commit's latency, cpu-ns/op its CPU (bbolt's page writes and fsync,
// raft-boltdb's msgpack framing). bbolt's free-list settings (NoFreelistSync, the hashmap
// free list) made no difference here beyond the noise, so raft.db keeps bbolt's defaults.
func BenchmarkStoreLogsAfterTruncation(b *testing.B) {
	const (
		entry = 640 // bytes of a CreateKey command (606 for a symmetric key without tags) and its type
		held  = 20000
		batch = 32
	)
	s, err := openBoltStore(filepath.Join(b.TempDir(), "raft.db"), math.MaxInt64, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, entry)
	logs := func(first uint64, n int) []*raft.Log {
		out := make([]*raft.Log, n)
		for i := range out {
			out[i] = &raft.Log{Index: first + uint64(i), Term: 1, Type: raft.LogCommand, Data: data}
		}
		return out
	}
	next := uint64(1)
	for next <= held {
		if err := s.StoreLogs(logs(next, 1024)); err != nil {
			b.Fatal(err)
		}
		next += 1024
	}
	// A snapshot's truncation leaves the trailing log and frees the rest.
	if err := s.DeleteRange(1, next-1-DefaultTrailingLogs/4); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(batch * entry)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.StoreLogs(logs(next, batch)); err != nil {
			b.Fatal(err)
		}
		next += batch
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
