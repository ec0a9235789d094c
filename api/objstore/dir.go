package objstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/keyhold/keyhold/api"
)

// Dir stores objects as files under a root directory: <root>/<bucket>/<hex(key)>.o, the hex
// split into directories of chunkHex characters ("<chunk>.d/") so that no name passes the file
// system's 255-byte limit for S3's 1024-byte keys. Keys are hex encoded so that any S3 key
// (slashes, "..", bytes a file system rejects) maps to safe names, and hex order is key order. Writes go to a temporary file in
// <root>/.tmp, are fsynced, and are renamed into place, so a crash never leaves a torn object
// visible.
type Dir struct {
	root string
}

var _ api.ObjectStore = (*Dir)(nil)

// NewDir returns a store rooted at root, creating it.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(filepath.Join(root, ".tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("objstore: %w", err)
	}
	return &Dir{root: root}, nil
}

func (d *Dir) bucketDir(bucket string) (string, error) {
	if bucket == "" || strings.ContainsAny(bucket, `/\`) || bucket == "." || bucket == ".." || bucket == ".tmp" {
		return "", fmt.Errorf("objstore: invalid bucket name")
	}
	return filepath.Join(d.root, bucket), nil
}

func (d *Dir) path(bucket, key string) (string, error) {
	dir, err := d.bucketDir(bucket)
	if err != nil {
		return "", err
	}
	h := hex.EncodeToString([]byte(key))
	parts := []string{dir}
	for len(h) > chunkHex {
		parts = append(parts, h[:chunkHex]+".d")
		h = h[chunkHex:]
	}
	return filepath.Join(append(parts, h+".o")...), nil
}

// chunkHex is the hex characters per path component (120 key bytes).
const chunkHex = 240

// Create implements api.ObjectStore.
func (d *Dir) Create(_ context.Context, bucket, key string) (api.PendingObject, error) {
	final, err := d.path(bucket, key)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Join(d.root, ".tmp"), "put-*")
	if err != nil {
		return nil, fmt.Errorf("objstore: %w", err)
	}
	return &dirPending{f: f, final: final}, nil
}

type dirPending struct {
	f     *os.File
	final string
	done  bool
}

func (p *dirPending) Write(b []byte) (int, error) { return p.f.Write(b) }

func (p *dirPending) Commit(context.Context) error {
	if err := p.f.Sync(); err != nil {
		return fmt.Errorf("objstore: sync: %w", err)
	}
	if err := p.f.Close(); err != nil {
		return fmt.Errorf("objstore: close: %w", err)
	}
	dir := filepath.Dir(p.final)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("objstore: %w", err)
	}
	if err := os.Rename(p.f.Name(), p.final); err != nil {
		return fmt.Errorf("objstore: rename: %w", err)
	}
	p.done = true
	// The rename is durable once the directory is synced.
	if df, err := os.Open(dir); err == nil {
		_ = df.Sync()
		df.Close()
	}
	return nil
}

func (p *dirPending) Abort() {
	if p.done {
		return
	}
	p.done = true
	p.f.Close()
	os.Remove(p.f.Name())
}

// Open implements api.ObjectStore.
func (d *Dir) Open(_ context.Context, bucket, key string) (api.StoredObject, error) {
	path, err := d.path(bucket, key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err // os errors match fs.ErrNotExist
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &dirObject{f: f, size: st.Size()}, nil
}

type dirObject struct {
	f    *os.File
	size int64
}

func (o *dirObject) Size() int64 { return o.size }

func (o *dirObject) ReadRange(_ context.Context, off, n int64) (io.ReadCloser, error) {
	if off < 0 || n < 0 || off+n > o.size {
		return nil, fmt.Errorf("objstore: range outside the object")
	}
	return io.NopCloser(io.NewSectionReader(o.f, off, n)), nil
}

func (o *dirObject) Close() error { return o.f.Close() }

// Delete implements api.ObjectStore.
func (d *Dir) Delete(_ context.Context, bucket, key string) error {
	path, err := d.path(bucket, key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// List implements api.ObjectStore. It walks the bucket's directories in hex order, which is
// key order.
func (d *Dir) List(_ context.Context, bucket, prefix, after string, limit int) ([]string, bool, error) {
	dir, err := d.bucketDir(bucket)
	if err != nil {
		return nil, false, err
	}
	w := &lister{hp: hex.EncodeToString([]byte(prefix)), ha: hex.EncodeToString([]byte(after)), after: after != "", limit: limit}
	err = w.walk(dir, "")
	if err == errEnough {
		return w.out, true, nil
	}
	return w.out, false, err
}

var errEnough = errors.New("objstore: enough keys")

type lister struct {
	hp, ha string
	after  bool
	limit  int
	out    []string
}

func (w *lister) walk(dir, acc string) error {
	names, err := readNames(dir)
	if err != nil {
		return err
	}
	for _, n := range names {
		stem, leaf := strings.CutSuffix(n, ".o")
		if !leaf {
			var ok bool
			if stem, ok = strings.CutSuffix(n, ".d"); !ok {
				continue
			}
		}
		full := acc + stem
		if !strings.HasPrefix(full, w.hp) && !(!leaf && strings.HasPrefix(w.hp, full)) {
			continue
		}
		if !leaf {
			if err := w.walk(filepath.Join(dir, n), full); err != nil {
				return err
			}
			continue
		}
		if w.after && full <= w.ha {
			continue
		}
		if len(w.out) == w.limit {
			return errEnough
		}
		k, err := hex.DecodeString(full)
		if err != nil {
			continue
		}
		w.out = append(w.out, string(k))
	}
	return nil
}

// readNames lists a directory sorted so that a key comes before the longer keys it prefixes
// ("x.o" before "x.d").
func readNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	key := func(n string) string {
		if s, ok := strings.CutSuffix(n, ".o"); ok {
			return s + "\x00"
		}
		return strings.TrimSuffix(n, ".d") + "\x01"
	}
	sort.Slice(names, func(i, j int) bool { return key(names[i]) < key(names[j]) })
	return names, nil
}

// RemoveBucket implements api.ObjectStore.
func (d *Dir) RemoveBucket(_ context.Context, bucket string) error {
	dir, err := d.bucketDir(bucket)
	if err != nil {
		return err
	}
	// Only empty chunk directories can remain in an empty bucket.
	return os.RemoveAll(dir)
}
