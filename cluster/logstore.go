package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

// Raft's stable-store keys (hashicorp/raft raft.go): the current term and the last vote. They are
// all raft keeps there; compact copies them and any key this process has set.
var raftStableKeys = [][]byte{[]byte("CurrentTerm"), []byte("LastVoteTerm"), []byte("LastVoteCand")}

// compactBatch is how many log entries compact copies per transaction.
const compactBatch = 1024

// boltStore is raft's log and stable store: a raft-boltdb file that is rewritten when most of it
// is free space. A snapshot lets raft delete the log before it, but bbolt never gives pages back
// to the file system: raft.db keeps the size of the longest log it ever held (312 MB against a
// 28 MB snapshot after 189,000 CreateKeys). After a DeleteRange that leaves a file of at least
// minCompact bytes more than twice the size of the log still in it (shouldCompact), the entries still in the log and the stable-store
// keys are copied to a new file, which replaces the old one by rename: a crash leaves either the
// old file or the complete new one. Writes wait while the copy runs; it copies only the trailing
// log (TrailingLogs entries), so the pause is short and rare.
type boltStore struct {
	path       string
	bolt       *bbolt.Options
	minCompact int64
	log        *slog.Logger

	mu sync.RWMutex
	db *raftboltdb.BoltStore // nil once Close ran or a compaction could not reopen the file
	// compactions counts completed rewrites, for tests.
	compactions int

	keysMu sync.Mutex
	keys   map[string]struct{} // stable-store keys set through this store

	// stored and storedBytes count the log entries stored through this store and their data.
	stored, storedBytes atomic.Int64
}

var (
	_ raft.LogStore    = (*boltStore)(nil)
	_ raft.StableStore = (*boltStore)(nil)
)

// errStoreClosed is returned by a boltStore that is closed (or that lost its file).
var errStoreClosed = errors.New("cluster: raft store is closed")

func openBoltStore(path string, minCompact int64, log *slog.Logger) (*boltStore, error) {
	s := &boltStore{path: path, bolt: &bbolt.Options{Timeout: time.Second}, minCompact: minCompact, log: log,
		keys: map[string]struct{}{}}
	// A compaction that crashed before its rename left a partial copy: it was never in use.
	if err := os.Remove(s.tmpPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	db, err := s.open(path, false)
	if err != nil {
		return nil, err
	}
	s.db = db
	return s, nil
}

func (s *boltStore) tmpPath() string { return s.path + ".compact" }

func (s *boltStore) open(path string, noSync bool) (*raftboltdb.BoltStore, error) {
	// A bolt file is locked by one process at a time; time out instead of hanging when a
	// second keyhold is pointed at the same DataDir.
	o := *s.bolt
	return raftboltdb.New(raftboltdb.Options{Path: path, BoltOptions: &o, NoSync: noSync})
}

// with runs fn on the open store under the read lock.
func (s *boltStore) with(fn func(db *raftboltdb.BoltStore) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return errStoreClosed
	}
	return fn(s.db)
}

// FirstIndex implements raft.LogStore.
func (s *boltStore) FirstIndex() (i uint64, err error) {
	err = s.with(func(db *raftboltdb.BoltStore) error { i, err = db.FirstIndex(); return err })
	return i, err
}

// LastIndex implements raft.LogStore.
func (s *boltStore) LastIndex() (i uint64, err error) {
	err = s.with(func(db *raftboltdb.BoltStore) error { i, err = db.LastIndex(); return err })
	return i, err
}

// GetLog implements raft.LogStore.
func (s *boltStore) GetLog(index uint64, l *raft.Log) error {
	return s.with(func(db *raftboltdb.BoltStore) error { return db.GetLog(index, l) })
}

// StoreLog implements raft.LogStore.
func (s *boltStore) StoreLog(l *raft.Log) error {
	s.count(l)
	return s.with(func(db *raftboltdb.BoltStore) error { return db.StoreLog(l) })
}

// StoreLogs implements raft.LogStore.
func (s *boltStore) StoreLogs(ls []*raft.Log) error {
	s.count(ls...)
	return s.with(func(db *raftboltdb.BoltStore) error { return db.StoreLogs(ls) })
}

// DeleteRange implements raft.LogStore. Raft calls it after a snapshot (and on a follower whose
// log conflicts with the leader's); that is when the file may have become mostly free.
func (s *boltStore) DeleteRange(lo, hi uint64) error {
	if err := s.with(func(db *raftboltdb.BoltStore) error { return db.DeleteRange(lo, hi) }); err != nil {
		return err
	}
	if s.shouldCompact() {
		if err := s.compact(); err != nil {
			// The old file is still in use unless reopening failed, which compact reports as
			// errStoreClosed on every later call.
			s.log.Error("raft log compaction failed", "path", s.path, "err", err)
		}
	}
	return nil
}

// Set implements raft.StableStore.
func (s *boltStore) Set(k, v []byte) error {
	return s.with(func(db *raftboltdb.BoltStore) error { s.remember(k); return db.Set(k, v) })
}

// Get implements raft.StableStore.
func (s *boltStore) Get(k []byte) (v []byte, err error) {
	err = s.with(func(db *raftboltdb.BoltStore) error { v, err = db.Get(k); return err })
	return v, err
}

// SetUint64 implements raft.StableStore.
func (s *boltStore) SetUint64(k []byte, v uint64) error {
	return s.with(func(db *raftboltdb.BoltStore) error { s.remember(k); return db.SetUint64(k, v) })
}

// GetUint64 implements raft.StableStore.
func (s *boltStore) GetUint64(k []byte) (v uint64, err error) {
	err = s.with(func(db *raftboltdb.BoltStore) error { v, err = db.GetUint64(k); return err })
	return v, err
}

// remember notes a stable-store key so that compact copies it. It runs under the read lock, so
// keys has its own.
func (s *boltStore) remember(k []byte) {
	s.keysMu.Lock()
	s.keys[string(k)] = struct{}{}
	s.keysMu.Unlock()
}

// Close closes the file. Later calls return errStoreClosed.
func (s *boltStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// entryOverhead approximates what bbolt stores per log entry besides its data: the 8-byte key,
// raft's msgpack fields (index, term, type, timestamps) and the leaf element.
const entryOverhead = 64

// shouldCompact reports whether the file is at least minCompact bytes and more than twice what
// the log left in it needs. bbolt's free-page statistics cannot tell: the file also has an
// unallocated tail (it grows in steps of up to 16 MiB) that they do not count. So the log's size
// is estimated from its entry count and the mean size of the entries this process stored
// (or, before it stored any, of the last few in the file).
func (s *boltStore) shouldCompact() bool {
	fi, err := os.Stat(s.path)
	if err != nil || fi.Size() < s.minCompact {
		return false
	}
	var first, last uint64
	var mean int64
	err = s.with(func(db *raftboltdb.BoltStore) error {
		if first, err = db.FirstIndex(); err != nil {
			return err
		}
		if last, err = db.LastIndex(); err != nil {
			return err
		}
		mean = s.meanEntry(db, first, last)
		return nil
	})
	if err != nil {
		return false
	}
	entries := int64(0)
	if first != 0 && last >= first {
		entries = int64(last - first + 1)
	}
	need := entries*(mean+entryOverhead) + 1<<20 // the stable keys, bbolt's meta and freelist
	return fi.Size() > 2*need
}

// meanEntry returns the mean data size of the log entries this process stored, or of up to 64
// of the newest in the file if it stored none.
func (s *boltStore) meanEntry(db *raftboltdb.BoltStore, first, last uint64) int64 {
	if n := s.stored.Load(); n > 0 {
		return s.storedBytes.Load() / n
	}
	var sum, n int64
	for i := last; first != 0 && i >= first && n < 64; i-- {
		var l raft.Log
		if db.GetLog(i, &l) == nil {
			sum += int64(len(l.Data) + len(l.Extensions))
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// meanEntrySize returns the mean data size of a log entry (meanEntry), 0 if unknown.
func (s *boltStore) meanEntrySize() int64 {
	var mean int64
	_ = s.with(func(db *raftboltdb.BoltStore) error {
		first, err := db.FirstIndex()
		if err != nil {
			return err
		}
		last, err := db.LastIndex()
		if err != nil {
			return err
		}
		mean = s.meanEntry(db, first, last)
		return nil
	})
	return mean
}

// count adds entries to the running mean that shouldCompact uses.
func (s *boltStore) count(ls ...*raft.Log) {
	var b int64
	for _, l := range ls {
		b += int64(len(l.Data) + len(l.Extensions))
	}
	s.storedBytes.Add(b)
	s.stored.Add(int64(len(ls)))
}

// compact copies the log and the stable-store keys to a new file and renames it over the old
// one. On any error before the rename the old file stays in use.
func (s *boltStore) compact() error {
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return errStoreClosed
	}
	before, _ := os.Stat(s.path)
	tmp := s.tmpPath()
	if err := s.copyTo(tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := s.db.Close(); err != nil {
		s.db = nil
		return fmt.Errorf("close %s: %w", s.path, err)
	}
	s.db = nil
	renameErr := os.Rename(tmp, s.path)
	if renameErr == nil {
		renameErr = syncDir(filepath.Dir(s.path))
	}
	db, err := s.open(s.path, false)
	if err != nil {
		return fmt.Errorf("reopen %s after compaction: %w", s.path, errors.Join(renameErr, err))
	}
	s.db = db
	if renameErr != nil {
		return fmt.Errorf("replace %s: %w", s.path, renameErr)
	}
	s.compactions++
	if after, err := os.Stat(s.path); err == nil && before != nil {
		s.log.Info("raft log compacted", "path", s.path, "before_bytes", before.Size(), "after_bytes", after.Size(),
			"took", time.Since(start))
	}
	return nil
}

// copyTo writes the current log and stable-store keys to a new bolt file at path, synced.
func (s *boltStore) copyTo(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	// Unsynced while copying; one sync at the end makes the whole copy durable before the rename.
	dst, err := s.open(path, true)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			_ = dst.Close()
		}
	}()
	first, err := s.db.FirstIndex()
	if err != nil {
		return err
	}
	last, err := s.db.LastIndex()
	if err != nil {
		return err
	}
	batch := make([]*raft.Log, 0, compactBatch)
	for i := first; first != 0 && i <= last; i++ {
		l := new(raft.Log)
		if err := s.db.GetLog(i, l); err != nil {
			return fmt.Errorf("copy log entry %d: %w", i, err)
		}
		if batch = append(batch, l); len(batch) == compactBatch || i == last {
			if err := dst.StoreLogs(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	keys := map[string]struct{}{}
	for _, k := range raftStableKeys {
		keys[string(k)] = struct{}{}
	}
	s.keysMu.Lock()
	for k := range s.keys {
		keys[k] = struct{}{}
	}
	s.keysMu.Unlock()
	for k := range keys {
		v, err := s.db.Get([]byte(k))
		if errors.Is(err, raftboltdb.ErrKeyNotFound) {
			continue // never set: raft reads a missing key as zero
		}
		if err != nil {
			return fmt.Errorf("copy stable key %s: %w", k, err)
		}
		if err := dst.Set([]byte(k), v); err != nil {
			return err
		}
	}
	if err := dst.Sync(); err != nil {
		return err
	}
	closed = true
	return dst.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
