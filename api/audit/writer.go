package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of Writer.Handle.
var (
	ErrClosed  = errors.New("audit: writer is closed")
	ErrBacklog = errors.New("audit: too many records waiting to be written; record dropped")
	// ErrUnwritable wraps every error of a Durable Writer's Handle (a failed write, a broken
	// trail, a full backlog, Close): the record is not in the trail, so the request it describes
	// must not be answered. Best-effort errors do not wrap it: the request is answered anyway.
	ErrUnwritable = errors.New("audit: the trail cannot be written")
)

// Options tunes a Writer. Zero values mean the defaults.
type Options struct {
	FlushInterval time.Duration // how often buffered records are written and fsynced; 250ms
	MaxFileBytes  int64         // a new file starts before one would pass this; 64 MiB
	MaxBacklog    int           // bytes buffered before Handle drops records; 64 MiB
	Logger        *slog.Logger  // write failures and dropped partial lines; slog.Default()
	// Durable makes Handle return only once the record is written and fsynced (group commit:
	// every record that arrives while one fsync runs shares the next), and refuse records with
	// ErrUnwritable while the trail cannot be written. A failed write is rolled back so that the
	// trail holds exactly the records Handle accepted. Without it Handle only buffers, and a
	// failing disk loses records once MaxBacklog is full (best effort).
	Durable bool
}

// Writer is the file sink: a Handler that chains records and appends them under a directory,
// in the format doc.go describes. A background goroutine does all file I/O. In best-effort mode
// Handle only encodes and buffers, so a slow disk never holds a request; in Durable mode Handle
// waits for the fsync that covers its record (durable.go). Safe for concurrent use.
type Writer struct {
	dir  string
	opts Options

	mu      sync.Mutex
	seq     uint64
	prev    [sha256.Size]byte
	h       hash.Hash
	sum     []byte // h's output, reused: a local array would escape through the interface
	line    []byte
	queue   []segment // encoded lines not yet written, oldest first
	backlog int
	curName string // file the next line goes to, "" before the first
	curDay  string
	curSize int64
	closed  bool

	// spare is a written batch's queue, its first segment's buffer kept, handed back by the
	// flusher for the next batch: a durable batch is a few records, and growing a fresh
	// buffer for each was a sixth of the bytes a request allocated (durable.go recycle).
	spare []segment

	// Durable mode (durable.go). batch is the group the next fsync completes; dseq and dprev
	// are the last record known to be on disk, where a failed write rolls the chain back to;
	// broken is why the trail cannot be written, nil while it can.
	batch  *batch
	dseq   uint64
	dprev  [sha256.Size]byte
	broken error

	// Owned by the flusher goroutine (and by Close once it has stopped).
	f      *os.File
	fname  string
	unsync bool
	foff   int64      // bytes in f, as far as this writer knows
	undo   []undoFile // Durable: where the running batch started in each file it touched
	repair []undoFile // Durable: a rollback that failed and is retried before recovering

	records   atomic.Uint64
	errs      atomic.Uint64
	fsyncs    atomic.Uint64
	lastFlush atomic.Int64 // unix nanoseconds
	kick      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	enc       sync.Pool
}

// segment is bytes bound for one file.
type segment struct {
	name string
	buf  []byte
}

// Open recovers the chain head from the files in dir (creating dir, mode 0700, if needed) and
// starts the flusher. The first record after Open starts a new file. A partial last line left by
// a crash is cut off and logged; a complete last line that does not parse is an error, since
// appending to a trail that is already broken would hide where it broke.
func Open(dir string, o Options) (*Writer, error) {
	if o.FlushInterval <= 0 {
		o.FlushInterval = 250 * time.Millisecond
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = 64 << 20
	}
	if o.MaxBacklog <= 0 {
		o.MaxBacklog = 64 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	w := &Writer{dir: dir, opts: o, h: sha256.New(), kick: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	w.enc.New = func() any { b := make([]byte, 0, 512); return &b }
	head, err := recoverHead(dir, o.Logger)
	if err != nil {
		return nil, err
	}
	w.seq, w.prev = head.Seq, head.Hash
	w.dseq, w.dprev = head.Seq, head.Hash
	w.lastFlush.Store(time.Now().UnixNano())
	go w.flusher()
	return w, nil
}

// Handle chains r and buffers its line. It returns ErrBacklog, without advancing the chain, when
// the disk has fallen too far behind, and ErrClosed after Close. In Durable mode it returns nil
// only once r is written and fsynced, and an error wrapping ErrUnwritable when it could not be
// (r is then not in the trail); ctx bounds the wait.
func (w *Writer) Handle(ctx context.Context, r Record) error {
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	bp := w.enc.Get().(*[]byte)
	fields := appendFields((*bp)[:0], &r)
	defer func() { *bp = fields[:0]; w.enc.Put(bp) }()
	day := r.Time.UTC().Format("20060102")

	w.mu.Lock()
	b, err := w.chain(fields, day)
	w.mu.Unlock()
	if err != nil || b == nil {
		return err
	}
	return b.wait(ctx, w.kick)
}

// chain links one encoded record into the chain and queues its line; w.mu is held. In Durable
// mode it returns the batch whose fsync the caller must wait for.
func (w *Writer) chain(fields []byte, day string) (*batch, error) {
	var err error
	switch {
	case w.closed:
		err = ErrClosed
	case w.opts.Durable && w.broken != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnwritable, w.broken)
	case w.backlog+len(fields)+256 > w.opts.MaxBacklog:
		err = ErrBacklog
	}
	if err != nil {
		w.errs.Add(1)
		if w.opts.Durable {
			// Not stored, so (fail closed) not to be answered either.
			err = fmt.Errorf("%w: %w", ErrUnwritable, err)
		}
		return nil, err
	}
	b := append(w.line[:0], seqPrefix...)
	b = strconv.AppendUint(b, w.seq+1, 10)
	b = append(b, prevPrefix...)
	b = hex.AppendEncode(b, w.prev[:])
	b = append(b, '"')
	b = append(b, fields...)
	w.h.Reset()
	w.h.Write(w.prev[:])
	w.h.Write(b)
	w.sum = w.h.Sum(w.sum[:0])
	b = append(b, hashPrefix...)
	b = hex.AppendEncode(b, w.sum)
	b = append(b, "\"}\n"...)
	w.line = b

	if w.curName == "" || day != w.curDay || w.curSize+int64(len(b)) > w.opts.MaxFileBytes {
		w.curName = fmt.Sprintf("audit-%020d-%s.jsonl", w.seq+1, day)
		w.curDay, w.curSize = day, 0
	}
	if len(w.queue) == 0 || w.queue[len(w.queue)-1].name != w.curName {
		// The flusher took everything queued so far; later lines go to the same file.
		if len(w.queue) == 0 && w.spare != nil {
			w.queue, w.spare = w.spare, nil
			w.queue[0].name = w.curName
		} else {
			w.queue = append(w.queue, segment{name: w.curName})
		}
	}
	last := &w.queue[len(w.queue)-1]
	last.buf = append(last.buf, b...)
	w.curSize += int64(len(b))
	w.backlog += len(b)
	w.seq++
	w.prev = [sha256.Size]byte(w.sum)
	if w.opts.Durable {
		if w.batch == nil {
			w.batch = &batch{done: make(chan struct{})}
		}
		w.batch.n++
		return w.batch, nil
	}
	w.records.Add(1)
	if w.backlog > 1<<20 {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	return nil, nil
}

// Head returns the chain head: the last record's sequence number (0 before any) and hash (hex).
// In best-effort mode a record is in the head once Handle returned, whether or not it has
// reached the disk yet; in Durable mode the head may include records whose fsync is running.
func (w *Writer) Head() (seq uint64, hash string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq, hex.EncodeToString(w.prev[:])
}

// Stats is what the Writer reports for metrics; nothing in it is secret.
type Stats struct {
	Records     uint64    // records accepted since Open
	WriteErrors uint64    // records dropped, and failed writes or fsyncs
	LastFlush   time.Time // last time everything buffered was written and fsynced
	HeadSeq     uint64
	Fsyncs      uint64 // fsyncs of trail files: in Durable mode, Records/Fsyncs is the group size
}

// Stats returns the counters.
func (w *Writer) Stats() Stats {
	seq, _ := w.Head()
	return Stats{Records: w.records.Load(), WriteErrors: w.errs.Load(),
		LastFlush: time.Unix(0, w.lastFlush.Load()), HeadSeq: seq, Fsyncs: w.fsyncs.Load()}
}

// Close stops accepting records, writes and fsyncs everything buffered, and closes the file.
// It returns the first error of that last flush.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done
	err := w.flushNow()
	if w.f != nil {
		if cerr := w.f.Close(); err == nil {
			err = cerr
		}
		w.f = nil
	}
	return err
}
