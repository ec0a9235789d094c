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
)

// Dir stores objects as files under a root directory: <root>/<bucket>/<hex(key)>.o, the hex
// split into directories of chunkHex characters ("<chunk>.d/") so that no name passes the file
// system's 255-byte limit for S3's 1024-byte keys. Keys are hex encoded so that any S3 key
// (slashes, "..", bytes a file system rejects) maps to safe names, and hex order is key order.
//
// A write goes to a temporary file (tmpPrefix, neither ".o" nor ".d", so listings skip it) in
// the object's own directory; Commit fsyncs it, renames it over the final name and fsyncs the
// directory. A rename within one directory is the operation every POSIX and network file system
// makes atomic, so a reader on any node sees the old object or the new one, never a torn one,
// and a crash leaves at most a temporary file, which SweepTemp removes later.
type Dir struct {
	root   string
	shared bool
}

var _ Store = (*Dir)(nil)

// tmpPrefix starts the name of every temporary file. Hex names and bucket names never start
// with a dot, so no object or bucket can be mistaken for one.
const tmpPrefix = ".put-"

// legacyTmp is the directory earlier versions wrote temporary files to; SweepTemp empties it.
const legacyTmp = ".tmp"

// DirOptions configure a Dir.
type DirOptions struct {
	// Shared declares that root is on storage every node of the cluster mounts (NFS, CephFS,
	// GlusterFS...), so that the store may serve a cluster. The file system must then give what
	// doc.go lists under "Shared storage".
	Shared bool
}

// NewDir returns a store rooted at root on local storage, creating it.
func NewDir(root string) (*Dir, error) { return OpenDir(root, DirOptions{}) }

// OpenDir returns a store rooted at root, creating it.
func OpenDir(root string, opts DirOptions) (*Dir, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("objstore: %w", err)
	}
	return &Dir{root: root, shared: opts.Shared}, nil
}

// Shared reports whether the store was opened as shared storage.
func (d *Dir) Shared() bool { return d.shared }

func (d *Dir) bucketDir(bucket string) (string, error) {
	if bucket == "" || strings.ContainsAny(bucket, `/\`) || bucket == "." || bucket == ".." || strings.HasPrefix(bucket, ".") {
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

// Create implements Store.
func (d *Dir) Create(_ context.Context, bucket, key string) (PendingObject, error) {
	final, err := d.path(bucket, key)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(final)
	if err := mkdirAllSync(d.root, dir); err != nil {
		return nil, fmt.Errorf("objstore: %w", err)
	}
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("objstore: %w", err)
	}
	return &dirPending{f: f, final: final}, nil
}

// mkdirAllSync creates dir and its missing parents below root, fsyncing each parent after a
// child appeared in it, so that a committed object's path survives a crash of this node or of
// the file server.
func mkdirAllSync(root, dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != root && len(parent) > len(root) {
		if err := mkdirAllSync(root, parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

// syncDir fsyncs a directory, making the entries created, renamed or removed in it durable.
func syncDir(dir string) error {
	df, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer df.Close()
	return df.Sync()
}

type dirPending struct {
	f     *os.File
	final string
	done  bool
}

func (p *dirPending) Write(b []byte) (int, error) { return p.f.Write(b) }

func (p *dirPending) Commit(context.Context) error {
	if err := p.f.Sync(); err != nil {
		p.Abort()
		return fmt.Errorf("objstore: sync: %w", err)
	}
	if err := p.f.Close(); err != nil {
		p.Abort()
		return fmt.Errorf("objstore: close: %w", err)
	}
	// Same directory: atomic on every file system the store supports. The temporary file may
	// have been swept (a writer stalled past the sweep age) or its bucket removed; the rename
	// then fails and the write is refused, never half-applied.
	if err := os.Rename(p.f.Name(), p.final); err != nil {
		p.Abort()
		return fmt.Errorf("objstore: rename: %w", err)
	}
	p.done = true
	// The rename is durable, and so acknowledgeable, only once the directory is synced.
	if err := syncDir(filepath.Dir(p.final)); err != nil {
		return fmt.Errorf("objstore: sync directory: %w", err)
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

// Open implements Store.
func (d *Dir) Open(_ context.Context, bucket, key string) (StoredObject, error) {
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

// Delete implements Store.
func (d *Dir) Delete(_ context.Context, bucket, key string) error {
	path, err := d.path(bucket, key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	// An acknowledged delete must not come back after a crash.
	return syncDir(filepath.Dir(path))
}

// List implements Store. It walks the bucket's directories in hex order, which is
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

// RemoveBucket implements Store.
func (d *Dir) RemoveBucket(_ context.Context, bucket string) error {
	dir, err := d.bucketDir(bucket)
	if err != nil {
		return err
	}
	// Only empty chunk directories can remain in an empty bucket.
	return os.RemoveAll(dir)
}
