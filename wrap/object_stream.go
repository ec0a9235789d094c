package wrap

import (
	"errors"
	"io"
)

// ObjectWriter encrypts a stream into format v1: it writes the header, then one sealed segment
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

// objectRangeReader decrypts the segments of a Span and returns the requested plaintext range.
type objectRangeReader struct {
	c         *ObjectCipher
	src       io.Reader
	plain     int64 // object plaintext size
	pos, end  int64 // next plaintext offset to return, and the end of the range
	index     int64 // next segment to read
	lastIndex int64
	buf       []byte
	pending   []byte
	err       error
}

// NewObjectRangeReader returns a reader of plaintext [start, end) of an object of plain bytes
// whose cipher is c. src must yield exactly the stored bytes of c.Header().Span(plain, start,
// end). Every segment is authenticated before any of its bytes are returned; a tampered,
// reordered, truncated or extended object fails with ErrInvalidCiphertext. The caller must
// check 0 <= start <= end <= plain.
func NewObjectRangeReader(c *ObjectCipher, src io.Reader, plain, start, end int64) io.Reader {
	sp := c.hdr.Span(plain, start, end)
	return &objectRangeReader{
		c: c, src: src, plain: plain, pos: start, end: end,
		index: sp.FirstSegment, lastIndex: c.hdr.segments(plain) - 1,
		buf: make([]byte, c.hdr.SegmentSize+c.hdr.overhead()),
	}
}

func (r *objectRangeReader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.pos >= r.end {
			// Even an empty range authenticates its segment, so an empty read of a forged
			// object still fails.
			if r.index <= r.lastIndex && r.end == r.pos && r.pos == 0 && r.plain == 0 {
				if err := r.next(); err != nil {
					return 0, err
				}
				continue
			}
			r.err = io.EOF
			return 0, io.EOF
		}
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// next reads, authenticates and decrypts one segment.
func (r *objectRangeReader) next() error {
	seg := int64(r.c.hdr.SegmentSize)
	segStart := r.index * seg
	plainLen := min(seg, r.plain-segStart)
	if plainLen < 0 {
		plainLen = 0
	}
	buf := r.buf[:plainLen+int64(r.c.hdr.overhead())]
	if _, err := io.ReadFull(r.src, buf); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = ErrInvalidCiphertext
		}
		r.err = err
		return err
	}
	pt, err := r.c.openSegment(buf, r.index, r.index == r.lastIndex)
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
