package objstore

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SweepTemp removes the temporary files of writes that were interrupted (a crash, a SIGKILL, a
// lost file server) and last modified before cutoff, and returns how many it removed. Objects
// are never touched: only names starting with tmpPrefix, and whatever is left in the ".tmp"
// directory of earlier versions.
//
// Choosing cutoff is the caller's safety argument. On local storage only this process writes,
// so every temporary file older than the moment the store was opened is an orphan. On shared
// storage another node may be writing one right now; a live write touches its file at least
// every time a request body chunk arrives, so only files idle for much longer than any request
// may take (and than the clock skew between the nodes and the file server) are orphans. A
// writer that stalls past the cutoff after all loses its file, and its Commit fails: the PUT is
// refused, never half-applied.
func (d *Dir) SweepTemp(ctx context.Context, cutoff time.Time) (int, error) {
	removed := 0
	err := filepath.WalkDir(d.root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed under the walk: a bucket deleted, a write committed
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if e.IsDir() {
			return nil
		}
		legacy := filepath.Base(filepath.Dir(path)) == legacyTmp && filepath.Dir(filepath.Dir(path)) == d.root
		if !legacy && !strings.HasPrefix(e.Name(), tmpPrefix) {
			return nil
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			return nil
		}
		if err := os.Remove(path); err == nil {
			removed++
		}
		return nil
	})
	return removed, err
}
