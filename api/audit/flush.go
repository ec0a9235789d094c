package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// flusher writes and fsyncs the queue every FlushInterval, or sooner when Handle kicks it.
func (w *Writer) flusher() {
	defer close(w.done)
	t := time.NewTicker(w.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		case <-w.kick:
		}
		if err := w.flushNow(); err != nil && !w.opts.Durable {
			w.opts.Logger.Error("audit trail write failed; records stay buffered and will be retried", "dir", w.dir, "err", err)
		}
	}
}

// flushNow is one flush in the Writer's mode.
func (w *Writer) flushNow() error {
	if w.opts.Durable {
		return w.flushDurable()
	}
	return w.flush()
}

// flush writes the queued segments in order, then fsyncs. On a failure the unwritten bytes go
// back to the front of the queue, so the file never gets a gap; only the flusher (or Close,
// after it stopped) calls it. It is the best-effort mode; durable.go has the other.
func (w *Writer) flush() error {
	w.mu.Lock()
	q := w.queue
	w.queue = nil
	w.mu.Unlock()
	var first []byte
	if len(q) > 0 {
		first = q[0].buf[:0] // writeOut advances the segments' buffers
	}
	if i, err := w.writeOut(q); err != nil {
		return w.requeue(q[i:], err)
	}
	// Written: the bytes are the kernel's now, and the buffer can take the next lines.
	w.mu.Lock()
	w.recycle(q, first)
	w.mu.Unlock()
	if err := w.sync(); err != nil {
		w.errs.Add(1)
		return err
	}
	w.lastFlush.Store(time.Now().UnixNano())
	return nil
}

// writeOut writes q's segments in order, opening files as they change. On a failure it returns
// the index of the segment that failed, whose buf has been advanced past what was written.
func (w *Writer) writeOut(q []segment) (int, error) {
	for i := range q {
		s := &q[i]
		if s.name != w.fname {
			if err := w.switchFile(s.name); err != nil {
				return i, err
			}
		}
		n, err := w.f.Write(s.buf)
		s.buf = s.buf[n:]
		w.foff += int64(n)
		w.mu.Lock()
		w.backlog -= n
		w.mu.Unlock()
		if n > 0 {
			w.unsync = true
		}
		if err != nil {
			return i, fmt.Errorf("audit: write %s: %w", w.fname, err)
		}
	}
	return len(q), nil
}

// sync fsyncs the current file if anything was written to it since the last fsync.
func (w *Writer) sync() error {
	if !w.unsync {
		return nil
	}
	w.fsyncs.Add(1)
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("audit: fsync %s: %w", w.fname, err)
	}
	w.unsync = false
	return nil
}

// requeue puts unwritten segments back in front of what Handle queued meanwhile.
func (w *Writer) requeue(rest []segment, err error) error {
	w.errs.Add(1)
	w.mu.Lock()
	w.queue = append(rest, w.queue...)
	w.mu.Unlock()
	return err
}

// switchFile fsyncs and closes the current file and opens name for appending.
func (w *Writer) switchFile(name string) error {
	if w.f != nil {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("audit: fsync %s: %w", w.fname, err)
		}
		w.unsync = false
		if err := w.f.Close(); err != nil {
			return fmt.Errorf("audit: close %s: %w", w.fname, err)
		}
		w.f, w.fname = nil, ""
	}
	path := filepath.Join(w.dir, name)
	_, serr := os.Lstat(path)
	created := errors.Is(serr, fs.ErrNotExist)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("audit: %w", err)
	}
	w.foff = st.Size()
	if w.opts.Durable {
		w.undo = append(w.undo, undoFile{name: name, off: w.foff, created: created})
	}
	// The new directory entry must survive a crash too.
	if d, err := os.Open(w.dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	w.f, w.fname = f, name
	return nil
}

// recoverHead finds the last complete record in dir, cutting off a partial line a crash left at
// the end of the last file. An empty trail has head zero.
func recoverHead(dir string, log *slog.Logger) (Link, error) {
	files, err := trailFiles(dir)
	if err != nil {
		return Link{}, err
	}
	for i := len(files) - 1; i >= 0; i-- {
		line, err := lastLine(files[i], i == len(files)-1, log)
		if err != nil {
			return Link{}, err
		}
		if line == nil {
			continue // an empty file: the one before holds the head
		}
		l, err := ParseLine(line)
		if err != nil {
			return Link{}, fmt.Errorf("audit: the last record of %s is damaged; run `keyholdctl audit verify %s`: %w", files[i], dir, err)
		}
		return l, nil
	}
	return Link{}, nil
}

// lastLine returns the last complete line of path without its LF, or nil if it has none. When
// cut is set, bytes after the last LF (a write a crash interrupted) are truncated away.
func lastLine(path string, cut bool, log *slog.Logger) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	size := st.Size()
	n := min(size, 2*MaxLineBytes+2)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return nil, fmt.Errorf("audit: %w", err)
	}
	end := bytes.LastIndexByte(buf, '\n')
	if partial := len(buf) - (end + 1); partial > 0 {
		if !cut || partial > MaxLineBytes {
			return nil, fmt.Errorf("audit: %s does not end with a complete record; run `keyholdctl audit verify`", path)
		}
		if err := f.Truncate(size - int64(partial)); err != nil {
			return nil, fmt.Errorf("audit: cutting a partial record: %w", err)
		}
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		log.Warn("audit trail: dropped a partial record a crash left at the end of the last file", "file", path, "bytes", partial)
	}
	if end < 0 {
		if int64(len(buf)) < size {
			return nil, fmt.Errorf("audit: %s: last line longer than %d bytes", path, MaxLineBytes)
		}
		return nil, nil
	}
	start := bytes.LastIndexByte(buf[:end], '\n') + 1
	if start == 0 && int64(len(buf)) < size {
		return nil, fmt.Errorf("audit: %s: last line longer than %d bytes", path, MaxLineBytes)
	}
	return buf[start:end], nil
}
