package objstore

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func put(t *testing.T, d *Dir, bucket, key, body string) {
	t.Helper()
	p, err := d.Create(context.Background(), bucket, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(p, body); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestDirRoundTripAndList(t *testing.T) {
	ctx := context.Background()
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("k", 1024)
	keys := []string{"a", "a/b", "a/c", "b", "../etc/passwd", long, long[:130], long[:130] + "x"}
	for _, k := range keys {
		put(t, d, "bkt", k, "v:"+k)
	}
	for _, k := range keys {
		o, err := d.Open(ctx, "bkt", k)
		if err != nil {
			t.Fatal(err)
		}
		rc, _ := o.ReadRange(ctx, 2, o.Size()-2)
		b, _ := io.ReadAll(rc)
		o.Close()
		if string(b) != k {
			t.Fatalf("got %q, want %q", b, k)
		}
	}
	got, more, err := d.List(ctx, "bkt", "", "", 100)
	want := []string{"../etc/passwd", "a", "a/b", "a/c", "b", long[:130], long, long[:130] + "x"}
	if err != nil || more || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("list: got %q %v %v, want %q", got, more, err, want)
	}
	got, more, _ = d.List(ctx, "bkt", "a", "a", 1)
	if len(got) != 1 || got[0] != "a/b" || !more {
		t.Fatalf("paged list: got %q %v", got, more)
	}
	if err := d.Delete(ctx, "bkt", "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, "bkt", "a"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open deleted: got %v, want ErrNotExist", err)
	}
}

func TestDirAbortLeavesNothing(t *testing.T) {
	root := t.TempDir()
	d, _ := NewDir(root)
	put(t, d, "bkt", "k", "old")
	p, _ := d.Create(context.Background(), "bkt", "k")
	_, _ = io.WriteString(p, "new but aborted")
	p.Abort()
	o, err := d.Open(context.Background(), "bkt", "k")
	if err != nil || o.Size() != 3 {
		t.Fatalf("got %v, size %d, want the old object", err, o.Size())
	}
	o.Close()
	tmp, _ := os.ReadDir(filepath.Join(root, ".tmp"))
	if len(tmp) != 0 {
		t.Fatalf("got %d temp files, want 0", len(tmp))
	}
}
