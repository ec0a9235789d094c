package wrap

import (
	"errors"
	"io"
)

// ObjectWriter encrypts a stream into format v2: it writes the header, then one sealed segment
// each time a full segment and at least one more byte have arrived; Close seals the last
// segment with the final flag. It is not safe for concurrent use.
type ObjectWriter struct {
	c       *ObjectCipher
	w       io.Writer
	buf     []byte // the pending segment's plaintext, capacity segment + tags
	index   int64
	written int64 // plaintext bytes accepted
	started bool
	err     error
}

// NewObjectWriter returns a writer that seals into w with c.
func NewObjectWriter(w io.Writer, c *ObjectCipher) *ObjectWriter {
	return &ObjectWriter{c: c, w: w, buf: make([]byte, 0, c.hdr.SegmentSize+c.hdr.overhead())}
}

// Write buffers p and seals every segment known not to be the last.
func (ow *ObjectWriter) Write(p []byte) (int, error) {
	if ow.err != nil {
		return 0, ow.err
	}
	if err := ow.start(); err != nil {
		return 0, err
	}
	n := 0
	seg := ow.c.hdr.SegmentSize
	for len(p) > 0 {
		if len(ow.buf) == seg {
			// A full segment and more data behind it: it is not the last.
			if err := ow.flush(false); err != nil {
				return n, err
			}
		}
		k := min(seg-len(ow.buf), len(p))
		ow.buf = append(ow.buf, p[:k]...)
		p, n = p[k:], n+k
	}
	ow.written += int64(n)
	return n, nil
}

func (ow *ObjectWriter) start() error {
	if ow.started {
		return nil
	}
	ow.started = true
	if _, err := ow.w.Write(ow.c.raw); err != nil {
		ow.err = err
		return err
	}
	return nil
}

func (ow *ObjectWriter) flush(final bool) error {
	out := ow.c.sealSegment(ow.buf, ow.index, final)
	_, err := ow.w.Write(out)
	clear(out)
	ow.buf = ow.buf[:0]
	ow.index++
	if err != nil {
		ow.err = err
	}
	return err
}

// Close seals the last segment. It does not close the underlying writer. The writer is
// unusable afterwards.
func (ow *ObjectWriter) Close() error {
	if ow.err != nil {
		return ow.err
	}
	if err := ow.start(); err != nil {
		return err
	}
	err := ow.flush(true)
	if err == nil {
		ow.err = errors.New("wrap: object writer closed")
	}
	return err
}

// Written is the number of plaintext bytes written so far.
func (ow *ObjectWriter) Written() int64 { return ow.written }

// objectReadBatch is how many sealed segments one read of the stored bytes asks for: a few
// segments per read cuts the read calls of a large GET fourfold while a request holds at most
// about 256 KiB.
const objectReadBatch = 4

// objectRangeReader decrypts the segments of a Span and returns the requested plaintext range.
type objectRangeReader struct {
	c         *ObjectCipher
	src       io.Reader
	plain     int64 // object plaintext size
	pos, end  int64 // next plaintext offset to return, and the end of the range
	index     int64 // next segment to open
	lastIndex int64 // the object's last segment
	stop      int64 // one past the last segment the range needs
	buf       []byte
	batch     []byte // sealed segments read but not opened yet
	pending   []byte // opened plaintext not returned yet
	err       error
}

// NewObjectRangeReader returns a reader of plaintext [start, end) of an object of plain bytes
// whose cipher is c. src must yield exactly the stored bytes of c.Header().Span(plain, start,
// end). Every segment is authenticated before any of its bytes are returned; a tampered,
// reordered, truncated or extended object fails with ErrInvalidCiphertext. The caller must
// check 0 <= start <= end <= plain. The reader is also an io.WriterTo, which hands each opened
// segment to the writer without copying it first.
func NewObjectRangeReader(c *ObjectCipher, src io.Reader, plain, start, end int64) io.Reader {
	sp := c.hdr.Span(plain, start, end)
	last := c.hdr.segments(plain) - 1
	stop := last + 1
	if end > start {
		stop = min(last, (end-1)/int64(c.hdr.SegmentSize)) + 1
	}
	full := int64(c.hdr.SegmentSize + c.hdr.overhead())
	size := min(int64(objectReadBatch), max(stop-sp.FirstSegment, 1)) * full
	return &objectRangeReader{
		c: c, src: src, plain: plain, pos: start, end: end,
		index: sp.FirstSegment, lastIndex: last, stop: stop,
		buf: make([]byte, size),
	}
}

func (r *objectRangeReader) Read(p []byte) (int, error) {
	if err := r.advance(); err != nil {
		return 0, err
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// WriteTo writes the rest of the range to w, one opened segment at a time.
func (r *objectRangeReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if err := r.advance(); err == io.EOF {
			return total, nil
		} else if err != nil {
			return total, err
		}
		n, err := w.Write(r.pending)
		total += int64(n)
		r.pending = r.pending[n:]
		if err != nil {
			return total, err
		}
	}
}

// advance makes pending non-empty, or returns why it cannot (io.EOF at the end of the range).
func (r *objectRangeReader) advance() error {
	for len(r.pending) == 0 {
		if r.err != nil {
			return r.err
		}
		if r.pos >= r.end {
			// Even an empty range authenticates its segment, so an empty read of a forged
			// object still fails.
			if r.index <= r.lastIndex && r.end == r.pos && r.pos == 0 && r.plain == 0 {
				if err := r.next(); err != nil {
					return err
				}
				continue
			}
			r.err = io.EOF
			return io.EOF
		}
		if err := r.next(); err != nil {
			return err
		}
	}
	return nil
}

// sealedLen is the stored size of segment i.
func (r *objectRangeReader) sealedLen(i int64) int64 {
	seg := int64(r.c.hdr.SegmentSize)
	return max(min(seg, r.plain-i*seg), 0) + int64(r.c.hdr.overhead())
}

// fill reads the next batch of sealed segments, never past the last one the range needs.
func (r *objectRangeReader) fill() error {
	count := min(int64(objectReadBatch), r.stop-r.index)
	if count <= 0 {
		return ErrInvalidCiphertext
	}
	var size int64
	for i := range count {
		size += r.sealedLen(r.index + i)
	}
	b := r.buf[:size]
	if _, err := io.ReadFull(r.src, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = ErrInvalidCiphertext
		}
		return err
	}
	r.batch = b
	return nil
}

// next authenticates and decrypts one segment, reading a batch first when none is left.
func (r *objectRangeReader) next() error {
	if len(r.batch) == 0 {
		if err := r.fill(); err != nil {
			r.err = err
			return err
		}
	}
	seg := int64(r.c.hdr.SegmentSize)
	segStart := r.index * seg
	plainLen := max(min(seg, r.plain-segStart), 0)
	n := r.sealedLen(r.index)
	sealed := r.batch[:n]
	r.batch = r.batch[n:]
	pt, err := r.c.openSegment(sealed, r.index, r.index == r.lastIndex)
	if err != nil {
		r.err = err
		return err
	}
	r.index++
	lo := max(r.pos-segStart, 0)
	hi := min(r.end-segStart, plainLen)
	if hi < lo {
		hi = lo
	}
	r.pending = pt[lo:hi]
	r.pos = segStart + hi
	if r.index > r.lastIndex && r.pos < r.end {
		r.err = ErrInvalidCiphertext
	}
	return nil
}
