package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDurableHandleReturnsOnceOnDisk: in Durable mode a record is in the file, fsynced, when
// Handle returns, with no periodic flush to wait for; concurrent records share fsyncs.
func TestDurableHandleReturnsOnceOnDisk(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, Options{Durable: true, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Handle(context.Background(), testRecord(0, time.Time{})); err != nil {
		t.Fatal(err)
	}
	if sum, err := Verify(dir, VerifyOptions{}); err != nil || sum.Records != 1 {
		t.Fatalf("after Handle returned: got %+v, %v; want the record on disk", sum, err)
	}
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- w.Handle(context.Background(), testRecord(i, time.Time{}))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sum, err := Verify(dir, VerifyOptions{})
	if err != nil || sum.Records != n+1 {
		t.Fatalf("got %+v, %v; want %d records", sum, err, n+1)
	}
	st := w.Stats()
	if st.Records != n+1 || st.WriteErrors != 0 {
		t.Fatalf("stats %+v: want %d records, no errors", st, n+1)
	}
	if st.Fsyncs >= n {
		t.Errorf("%d fsyncs for %d concurrent records: no group commit", st.Fsyncs, n)
	}
	t.Logf("%d records, %d fsyncs", st.Records, st.Fsyncs)
}

// TestDurableRefusesOnENOSPCAndRecovers: the trail file is /dev/full, which fails every write
// with ENOSPC. Records are refused (not chained, not counted as accepted), Healthy says why,
// and once the operator removes the bad file the Writer recovers by itself and the trail holds
// exactly the accepted records.
func TestDurableRefusesOnENOSPCAndRecovers(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	bad := filepath.Join(dir, fmt.Sprintf("audit-%020d-%s.jsonl", 1, at.Format("20060102")))
	if err := os.Symlink("/dev/full", bad); err != nil {
		t.Fatal(err)
	}
	w, err := Open(dir, Options{Durable: true, FlushInterval: 5 * time.Millisecond, Logger: slogTo(io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Handle(context.Background(), testRecord(0, at)); !errors.Is(err, ErrUnwritable) {
		t.Fatalf("Handle on a full disk: got %v, want ErrUnwritable", err)
	}
	if err := w.Healthy(); !errors.Is(err, ErrUnwritable) {
		t.Fatalf("Healthy: got %v, want ErrUnwritable", err)
	}
	for i := 0; i < 5; i++ {
		if err := w.Handle(context.Background(), testRecord(i, at)); !errors.Is(err, ErrUnwritable) {
			t.Fatalf("Handle while broken: got %v, want ErrUnwritable", err)
		}
	}
	if seq, _ := w.Head(); seq != 0 {
		t.Fatalf("head after refused records: %d, want 0", seq)
	}
	if err := os.Remove(bad); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.Healthy() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("never recovered: %v", w.Healthy())
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := 0; i < 3; i++ {
		if err := w.Handle(context.Background(), testRecord(i, at)); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := Verify(dir, VerifyOptions{})
	if err != nil || sum.Records != 3 || sum.FirstSeq != 1 || sum.HeadSeq != 3 {
		t.Fatalf("got %+v, %v; want exactly the 3 accepted records, seq 1..3", sum, err)
	}
	if st := w.Stats(); st.Records != 3 {
		t.Fatalf("stats %+v: want 3 records accepted", st)
	}
}

// TestBestEffortBuffersThroughENOSPC: best-effort mode keeps answering: Handle succeeds while
// the file cannot be written, and Healthy stays nil.
func TestBestEffortBuffersThroughENOSPC(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	bad := filepath.Join(dir, fmt.Sprintf("audit-%020d-%s.jsonl", 1, at.Format("20060102")))
	if err := os.Symlink("/dev/full", bad); err != nil {
		t.Fatal(err)
	}
	w, err := Open(dir, Options{FlushInterval: 5 * time.Millisecond, Logger: slogTo(io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Handle(context.Background(), testRecord(0, at)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the flusher fail a few times
	if err := w.Healthy(); err != nil {
		t.Fatalf("best-effort Healthy: %v", err)
	}
	if st := w.Stats(); st.WriteErrors == 0 {
		t.Fatalf("stats %+v: want the failed writes counted", st)
	}
	_ = w.Close()
}

// BenchmarkWriter measures Handle with 64 concurrent callers per CPU: best effort (buffer
// only) against Durable (wait for the group fsync). It reports records per fsync, and for best
// effort the share of records dropped: callers that outrun the disk get ErrBacklog there, by
// design, rather than waiting.
func BenchmarkWriter(b *testing.B) {
	for _, durable := range []bool{false, true} {
		name := "best_effort"
		if durable {
			name = "durable"
		}
		b.Run(name, func(b *testing.B) {
			w, err := Open(b.TempDir(), Options{Durable: durable})
			if err != nil {
				b.Fatal(err)
			}
			r := testRecord(1, time.Time{})
			var dropped atomic.Int64
			b.SetParallelism(64)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					err := w.Handle(context.Background(), r)
					if !durable && errors.Is(err, ErrBacklog) {
						dropped.Add(1)
						continue
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			st := w.Stats()
			if st.Fsyncs > 0 {
				b.ReportMetric(float64(st.Records)/float64(st.Fsyncs), "records/fsync")
			}
			if !durable {
				b.ReportMetric(float64(dropped.Load())/float64(b.N), "dropped/op")
			}
		})
	}
}

// TestDurableSequentialBatchesReuseBuffer: one record per batch, so every batch but the first
// is written from the buffer the previous one recycled; the trail must still verify record
// for record (a stale byte left in the reused buffer would break a line's hash or the chain).
func TestDurableSequentialBatchesReuseBuffer(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, Options{Durable: true, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	for i := range n {
		if err := w.Handle(context.Background(), testRecord(i, time.Time{})); err != nil {
			t.Fatal(err)
		}
		if sum, err := Verify(dir, VerifyOptions{}); err != nil || sum.Records != uint64(i+1) {
			t.Fatalf("after record %d: got %+v, %v", i+1, sum, err)
		}
		w.mu.Lock()
		recycled := w.spare != nil
		w.mu.Unlock()
		if !recycled {
			t.Fatalf("after record %d: the written batch's buffer was not kept for the next", i+1)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.Fsyncs < n {
		t.Fatalf("%d fsyncs for %d sequential records: batches were merged, the reuse is not exercised", st.Fsyncs, n)
	}
}
