package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func testRecord(i int, at time.Time) Record {
	return Record{
		Time: at, RequestID: "req-" + strings.Repeat("x", i%3), API: KMS, Operation: "Encrypt",
		Principal: "arn:aws:iam::111122223333:root", AccessKeyID: "AKIAEXAMPLE", SourceIP: "127.0.0.1",
		Key:               "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		EncryptionContext: map[string]string{"b": "2", "a": "1 \"quoted\" \\ \x01 \xff é"},
		Outcome:           "OK", Duration: time.Duration(i) * time.Microsecond,
	}
}

// writeTrail writes n records into a fresh trail and closes it.
func writeTrail(t testing.TB, dir string, n int, o Options) {
	t.Helper()
	w, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 23, 59, 59, 0, time.UTC)
	for i := 0; i < n; i++ {
		if err := w.Handle(context.Background(), testRecord(i, at.Add(time.Duration(i)*time.Millisecond*100))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWriterChainsAndVerifies(t *testing.T) {
	dir := t.TempDir()
	// 30 records starting 1s before midnight: the day changes at record 11, and small files force
	// size rotation as well.
	writeTrail(t, dir, 30, Options{MaxFileBytes: 2048})
	files, _ := trailFiles(dir)
	if len(files) < 3 {
		t.Fatalf("got %d files, want at least 3 (day and size rotation)", len(files))
	}
	sum, err := Verify(dir, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Records != 30 || sum.FirstSeq != 1 || sum.HeadSeq != 30 {
		t.Fatalf("got %+v, want 30 records, seq 1..30", sum)
	}
	// Reopening continues the chain, in a new file.
	w, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if seq, hash := w.Head(); seq != 30 || hash != sum.HeadHash {
		t.Fatalf("reopened head: got %d %s, want 30 %s", seq, hash, sum.HeadHash)
	}
	if err := w.Handle(context.Background(), testRecord(1, time.Time{})); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Handle(context.Background(), testRecord(1, time.Time{})); !errors.Is(err, ErrClosed) {
		t.Fatalf("Handle after Close: got %v, want ErrClosed", err)
	}
	if sum, err = Verify(dir, VerifyOptions{}); err != nil || sum.HeadSeq != 31 {
		t.Fatalf("after reopen: got %+v, %v; want head seq 31", sum, err)
	}
	for _, f := range files {
		if st, _ := os.Stat(f); st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, st.Mode().Perm())
		}
	}
}

// TestLineIsJSON: each line is one JSON object whose fields read back as written, odd strings
// included.
func TestLineIsJSON(t *testing.T) {
	dir := t.TempDir()
	writeTrail(t, dir, 1, Options{})
	files, _ := trailFiles(dir)
	b, _ := os.ReadFile(files[0])
	var got struct {
		Seq      uint64            `json:"seq"`
		Prev     string            `json:"prev"`
		Op       string            `json:"op"`
		Ctx      map[string]string `json:"encryption_context"`
		Duration int64             `json:"duration_us"`
	}
	if err := json.Unmarshal(bytes.TrimSuffix(b, []byte("\n")), &got); err != nil {
		t.Fatalf("line is not JSON: %v\n%s", err, b)
	}
	want := testRecord(0, time.Time{})
	if got.Seq != 1 || got.Op != want.Operation || got.Ctx["b"] != "2" || got.Ctx["a"] != "1 \"quoted\" \\ \x01 \ufffd é" {
		t.Fatalf("got %+v, want seq 1 and the record's fields", got)
	}
}

// TestOpenDropsPartialTail: a crash mid-write leaves a partial line; Open cuts it and the chain
// continues.
func TestOpenDropsPartialTail(t *testing.T) {
	dir := t.TempDir()
	writeTrail(t, dir, 5, Options{})
	files, _ := trailFiles(dir)
	f, err := os.OpenFile(files[len(files)-1], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"seq":6,"prev":"00`)
	f.Close()
	if _, err := Verify(dir, VerifyOptions{}); !errors.Is(err, ErrTruncated) {
		t.Fatalf("before reopen: got %v, want ErrTruncated", err)
	}
	writeTrail(t, dir, 2, Options{})
	if sum, err := Verify(dir, VerifyOptions{}); err != nil || sum.HeadSeq != 7 {
		t.Fatalf("got %+v, %v; want a good trail up to seq 7", sum, err)
	}
}

func TestOpenRefusesDamagedTail(t *testing.T) {
	dir := t.TempDir()
	writeTrail(t, dir, 3, Options{})
	files, _ := trailFiles(dir)
	b, _ := os.ReadFile(files[0])
	b[len(b)-10] ^= 1
	os.WriteFile(files[0], b, 0o600)
	if _, err := Open(dir, Options{}); err == nil {
		t.Fatal("Open accepted a trail whose last record is damaged")
	}
}

func TestFlusherWritesWithoutClose(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, Options{FlushInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Handle(context.Background(), testRecord(0, time.Time{})); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if sum, err := Verify(dir, VerifyOptions{}); err == nil && sum.Records == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the record never reached the file without Close")
		}
		<-tick.C
	}
	if st := w.Stats(); st.Records != 1 || st.WriteErrors != 0 || st.HeadSeq != 1 {
		t.Fatalf("got %+v, want 1 record, no errors", st)
	}
}

func TestFanoutAndSlog(t *testing.T) {
	var buf bytes.Buffer
	h := Fanout(nil, SlogHandler(slogTo(&buf)))
	if err := h.Handle(context.Background(), testRecord(0, time.Time{})); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "op=Encrypt") || !strings.Contains(out, "encryption_context_keys") || strings.Contains(out, "quoted") {
		t.Fatalf("slog line: got %q, want the op and context keys but no context values", out)
	}
}
