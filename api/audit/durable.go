package audit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Durable mode: fail closed, as Vault's audit devices do. A request is answered only once its
// record is on disk, so no answered call is missing from the trail; when the trail cannot be
// written, the Writer refuses records (and the API refuses requests) until it can again.
//
// Group commit keeps that cheap: Handle chains its record, queues the line and waits on the
// open batch; the flusher takes the whole queue, writes it, fsyncs once and releases every
// waiter of the batch. Records arriving during that fsync form the next batch.
//
// A failed write or fsync is rolled back: each file the batch touched is truncated to where
// the batch started (a file it created is removed), and the chain head goes back to the last
// record known to be on disk. Every record of the failed batch, and of any batch queued behind
// it (they are chained on it), is refused. So the trail holds exactly the records whose Handle
// returned nil, and it never has a gap or a torn line. A rollback that fails itself is retried
// before the Writer recovers.

// probeBytes is what the recovery probe writes and fsyncs before the Writer accepts records
// again: a few records' worth, so that a disk with room for a probe but not for a record is
// rare.
const probeBytes = 16 << 10

// probeName is the recovery probe's file in the trail directory; it is not a trail file name.
const probeName = ".audit-probe"

// batch is the records one fsync makes durable.
type batch struct {
	done chan struct{}
	err  error
	n    uint64
}

// wait kicks the flusher and waits until the batch is on disk or has failed.
func (b *batch) wait(ctx context.Context, kick chan<- struct{}) error {
	select {
	case kick <- struct{}{}:
	default: // a flush is already due; it will take this record or the next one will
	}
	select {
	case <-b.done:
		return b.err
	case <-ctx.Done():
		return fmt.Errorf("%w: waiting for the fsync: %w", ErrUnwritable, ctx.Err())
	}
}

func (b *batch) finish(err error) {
	if b == nil {
		return
	}
	b.err = err
	close(b.done)
}

// undoFile is where a batch started in one file: the size to truncate it back to, or, when the
// batch created it, that it is to be removed.
type undoFile struct {
	name    string
	off     int64
	created bool
}

// flushDurable writes and fsyncs the open batch, or rolls it back; while the trail is broken it
// tries to recover instead. Only the flusher (or Close, after it stopped) calls it.
func (w *Writer) flushDurable() error {
	w.mu.Lock()
	q, b := w.queue, w.batch
	w.queue, w.batch = nil, nil
	seq, prev, broken := w.seq, w.prev, w.broken
	w.mu.Unlock()
	if broken != nil {
		// Nothing is queued: chain refuses records while the trail is broken.
		return w.recover()
	}
	if b == nil {
		w.lastFlush.Store(time.Now().UnixNano())
		return nil
	}
	w.undo = w.undo[:0]
	if w.f != nil {
		w.undo = append(w.undo, undoFile{name: w.fname, off: w.foff})
	}
	var first []byte
	if len(q) > 0 {
		first = q[0].buf[:0] // writeOut advances the segments' buffers
	}
	_, err := w.writeOut(q)
	if err == nil {
		err = w.sync()
	}
	if err == nil {
		w.mu.Lock()
		w.dseq, w.dprev = seq, prev
		w.recycle(q, first)
		w.mu.Unlock()
		w.records.Add(b.n)
		w.lastFlush.Store(time.Now().UnixNano())
		b.finish(nil)
		return nil
	}

	w.mu.Lock()
	late := w.batch
	w.queue, w.batch = nil, nil
	w.seq, w.prev = w.dseq, w.dprev
	// The next record starts a new file, named after the sequence number it really gets.
	w.curName, w.curDay, w.curSize, w.backlog = "", "", 0, 0
	w.broken = err
	var dropped uint64
	if late != nil {
		dropped = late.n
	}
	w.mu.Unlock()
	w.errs.Add(b.n + dropped)
	w.opts.Logger.Error("audit trail cannot be written: refusing requests until it can", "dir", w.dir, "err", err)
	if rerr := w.rollback(slices.Clone(w.undo)); rerr != nil {
		w.opts.Logger.Error("audit trail: rolling back a failed write failed; it will be retried", "dir", w.dir, "err", rerr)
	}
	refused := fmt.Errorf("%w: %w", ErrUnwritable, err)
	b.finish(refused)
	late.finish(refused)
	return refused
}

// maxSpare bounds the buffer recycle keeps, so that one large batch does not pin its memory.
const maxSpare = 4 << 20

// recycle keeps the queue of a batch that is on disk, with its first segment's buffer, for
// the next batch to fill (chain takes it when it starts a queue); w.mu is held. The lines in
// it are written and fsynced, and nothing else refers to them.
func (w *Writer) recycle(q []segment, first []byte) {
	if w.spare != nil || len(q) == 0 || cap(first) > maxSpare {
		return
	}
	clear(q)
	w.spare = append(q[:0], segment{buf: first})
}

// rollback closes the current file and undoes what the failed batch wrote. What it could not
// undo is kept in w.repair for recover to retry.
func (w *Writer) rollback(undo []undoFile) error {
	if w.f != nil {
		_ = w.f.Close()
		w.f, w.fname, w.unsync, w.foff = nil, "", false, 0
	}
	w.repair = w.repair[:0]
	var errs []error
	for _, u := range undo {
		path := filepath.Join(w.dir, u.name)
		var err error
		if u.created {
			if err = os.Remove(path); errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		} else if err = truncateSync(path, u.off); errors.Is(err, fs.ErrNotExist) {
			err = nil // the operator moved the file away: nothing of the batch is left
		}
		if err != nil {
			w.repair = append(w.repair, u)
			errs = append(errs, err)
		}
	}
	syncDir(w.dir)
	if len(errs) > 0 {
		return fmt.Errorf("audit: %w", errors.Join(errs...))
	}
	return nil
}

// recover finishes a failed rollback, then probes the directory; when both succeed the Writer
// accepts records again.
func (w *Writer) recover() error {
	err := w.rollback(slices.Clone(w.repair))
	if err == nil {
		err = probe(w.dir)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.broken = err
		return err
	}
	w.broken = nil
	w.opts.Logger.Warn("audit trail writable again: accepting requests", "dir", w.dir, "head_seq", w.seq)
	return nil
}

// probe writes, fsyncs and removes probeBytes in dir.
func probe(dir string) error {
	path := filepath.Join(dir, probeName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("audit: probe: %w", err)
	}
	defer os.Remove(path)
	_, err = f.Write(make([]byte, probeBytes))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("audit: probe: %w", err)
	}
	return nil
}

func truncateSync(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Healthy returns nil while the Writer accepts records, and why not otherwise: an error
// wrapping ErrUnwritable while a Durable trail cannot be written, ErrClosed after Close. A
// best-effort Writer is always healthy: it buffers through write failures and drops records
// past MaxBacklog, which its metrics count.
func (w *Writer) Healthy() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.closed:
		return ErrClosed
	case w.opts.Durable && w.broken != nil:
		return fmt.Errorf("%w: %w", ErrUnwritable, w.broken)
	}
	return nil
}

// Healthy reports whether h accepts records: the first error of any Handler in it that has a
// Healthy method (a Writer, a Fanout of one), nil otherwise.
func Healthy(h Handler) error {
	switch h := h.(type) {
	case interface{ Healthy() error }:
		return h.Healthy()
	case fanout:
		for _, m := range h {
			if err := Healthy(m); err != nil {
				return err
			}
		}
	}
	return nil
}
