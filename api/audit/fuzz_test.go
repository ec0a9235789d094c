package audit

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"
)

// FuzzParseLine: the line parser never panics, and whatever it accepts has a hash that matches
// its bytes and a canonical part that is a JSON object.
func FuzzParseLine(f *testing.F) {
	dir := f.TempDir()
	w, err := Open(dir, Options{})
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		w.Handle(context.Background(), testRecord(i, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)))
	}
	w.Close()
	files, _ := trailFiles(dir)
	b, _ := os.ReadFile(files[0])
	for _, l := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		f.Add(l)
	}
	f.Add([]byte(`{"seq":1,"prev":"` + string(bytes.Repeat([]byte("0"), 64)) + `","hash":"` + string(bytes.Repeat([]byte("0"), 64)) + `"}`))
	f.Add([]byte(`{"seq":01}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, line []byte) {
		l, err := ParseLine(line)
		if err != nil {
			return
		}
		canonical := line[:len(line)-hashSuffix]
		if chainHash(l.Prev, canonical) != l.Hash || l.Seq == 0 {
			t.Fatalf("accepted a line whose hash or seq is wrong: %q", line)
		}
	})
}

// BenchmarkWriterHandle is the audit cost on the request path: encode, chain, buffer (the
// flusher writes and fsyncs in the background, as in production).
func BenchmarkWriterHandle(b *testing.B) {
	// A backlog bound the benchmark cannot hit: it measures Handle, not the disk.
	w, err := Open(b.TempDir(), Options{MaxBacklog: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := testRecord(1, time.Time{})
		for pb.Next() {
			r.Time = time.Now()
			if err := w.Handle(context.Background(), r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
