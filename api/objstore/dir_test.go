package objstore

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	if tmp := tempFiles(t, root); len(tmp) != 0 {
		t.Fatalf("temp files: got %q, want none", tmp)
	}
}

// tempFiles lists the temporary files under root.
func tempFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && (strings.HasPrefix(e.Name(), tmpPrefix) || filepath.Base(filepath.Dir(path)) == legacyTmp) {
			out = append(out, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDirWriteRenamesWithinItsDirectory: an uncommitted write is a temporary file beside the
// object's final name (a rename within one directory is what shared file systems make atomic),
// invisible to Open and List.
func TestDirWriteRenamesWithinItsDirectory(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := OpenDir(root, DirOptions{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("k", 300) // two chunk directories deep
	for _, key := range []string{"k", long} {
		p, err := d.Create(ctx, "bkt", key)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(p, "pending")
		final, _ := d.path("bkt", key)
		tmp := tempFiles(t, root)
		if len(tmp) != 1 || filepath.Dir(tmp[0]) != filepath.Dir(final) {
			t.Fatalf("temp files: got %q, want one in %s", tmp, filepath.Dir(final))
		}
		if _, err := d.Open(ctx, "bkt", key); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Open before Commit: got %v, want ErrNotExist", err)
		}
		if keys, _, _ := d.List(ctx, "bkt", key, "", 10); len(keys) != 0 {
			t.Fatalf("List before Commit: got %q, want none", keys)
		}
		if err := p.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if tmp := tempFiles(t, root); len(tmp) != 0 {
			t.Fatalf("temp files after Commit: got %q, want none", tmp)
		}
	}
}

// TestDirSweepTemp: SweepTemp removes temporary files last modified before the cutoff (and the
// leftovers of earlier versions' .tmp directory), keeps younger ones, which may be another
// node's write in progress, and never touches an object. A write whose file was swept fails
// its Commit instead of publishing anything.
func TestDirSweepTemp(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := OpenDir(root, DirOptions{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	put(t, d, "bkt", "kept", "object")
	old := time.Now().Add(-2 * time.Hour)
	stale, _ := d.Create(ctx, "bkt", strings.Repeat("s", 300))
	_, _ = io.WriteString(stale, "interrupted")
	staleName := stale.(*dirPending).f.Name()
	if err := os.Chtimes(staleName, old, old); err != nil {
		t.Fatal(err)
	}
	fresh, _ := d.Create(ctx, "bkt", "in-progress")
	_, _ = io.WriteString(fresh, "another node is writing this")
	legacy := filepath.Join(root, legacyTmp, "put-123")
	if err := os.MkdirAll(filepath.Dir(legacy), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(legacy, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(legacy, old, old)
	if err := os.Chtimes(filepath.Join(root, "bkt", hexName("kept")), old, old); err != nil {
		t.Fatal(err)
	}

	removed, err := d.SweepTemp(ctx, time.Now().Add(-time.Hour))
	if err != nil || removed != 2 {
		t.Fatalf("SweepTemp: got %d, %v, want 2 removed", removed, err)
	}
	if tmp := tempFiles(t, root); len(tmp) != 1 || tmp[0] != fresh.(*dirPending).f.Name() {
		t.Fatalf("temp files left: got %q, want only the fresh one", tmp)
	}
	if err := stale.Commit(ctx); err == nil {
		t.Fatal("Commit of a swept write: got nil, want an error")
	}
	if err := fresh.Commit(ctx); err != nil {
		t.Fatalf("Commit of the fresh write: %v", err)
	}
	keys, _, _ := d.List(ctx, "bkt", "", "", 10)
	if strings.Join(keys, ",") != "in-progress,kept" {
		t.Fatalf("objects: got %q, want in-progress,kept", keys)
	}
}

func hexName(key string) string { return hex.EncodeToString([]byte(key)) + ".o" }
