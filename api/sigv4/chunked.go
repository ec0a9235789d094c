package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
)

// aws-chunked decoding errors. S3 codes (api/s3 errors_table.go maps them): ErrMalformedChunk →
// InvalidRequest (MinIO and S3 both answer a broken chunk framing or trailer with a 400),
// ErrChunkSignature → SignatureDoesNotMatch, ErrBadDigest → BadDigest, ErrIncompleteBody →
// IncompleteBody.
var (
	ErrMalformedChunk = errors.New("api: malformed aws-chunked body")
	ErrChunkSignature = errors.New("api: aws-chunked signature does not match")
	ErrBadDigest      = errors.New("api: trailing checksum does not match the body")
	ErrIncompleteBody = errors.New("api: body ends before its declared length")
)

// Bounds of the aws-chunked parser.
const (
	// maxChunkLine bounds a chunk header line: "<hex size>;chunk-signature=<64 hex>" is 89 bytes
	// at most for any size we accept.
	maxChunkLine = 128
	// maxSignedChunk bounds a signed chunk, which is buffered until its signature is checked.
	// The SDKs send 64 KiB (Go, Java) to 8 MiB chunks.
	maxSignedChunk = 16 << 20
	// maxUnsignedChunk bounds an unsigned chunk. It is streamed, not buffered, and the AWS SDK
	// for Go v2 sends a whole object of known length as one chunk, so the bound is S3's
	// single-PUT limit (5 GiB), not maxSignedChunk.
	maxUnsignedChunk = 5 << 30
	// maxTrailerLine and maxTrailerLines bound the trailer section: one checksum and the
	// trailer signature.
	maxTrailerLine  = 256
	maxTrailerLines = 4
)

const (
	chunkSigPrefix   = "chunk-signature="
	trailerSigName   = "x-amz-trailer-signature"
	emptySHA256Hex   = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	chunkAlgorithm   = "AWS4-HMAC-SHA256-PAYLOAD"
	trailerAlgorithm = "AWS4-HMAC-SHA256-TRAILER"
)

// NewChunkedReader decodes an aws-chunked body. mode is the x-amz-content-sha256 value:
//
//   - STREAMING-AWS4-HMAC-SHA256-PAYLOAD: every chunk carries chunk-signature=, chained from
//     sig.SeedSignature; a chunk is released only once its signature is checked.
//   - STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: the same, then trailers signed with
//     x-amz-trailer-signature.
//   - STREAMING-UNSIGNED-PAYLOAD-TRAILER: plain chunks, then unsigned trailers.
//
// The wire format, every line ending in CRLF:
//
//	<hex size>[;chunk-signature=<64 hex>]\r\n <size bytes>\r\n   (repeated)
//	0[;chunk-signature=<64 hex>]\r\n
//	[x-amz-checksum-<alg>:<base64>\r\n] [x-amz-trailer-signature:<64 hex>\r\n]   (trailer modes)
//	\r\n
//
// trailerHeader is the request's x-amz-trailer header: empty or one x-amz-checksum-* name
// (crc32, crc32c, crc64nvme, sha1, sha256), whose checksum over the decoded bytes is checked
// at the end. decodedLength is x-amz-decoded-content-length, or -1 if absent. The reader returns
// io.EOF only once everything has checked out; a bad checksum is ErrBadDigest at the end, so
// the consumer must not commit what it read before seeing io.EOF. Errors are ErrMalformedChunk,
// ErrChunkSignature, ErrBadDigest, ErrIncompleteBody, or the body's own read error. The reader
// holds a copy of the signing key, zeroed at the end or on error; the caller still owns (and
// should Clear) sig.
func NewChunkedReader(body io.Reader, mode string, sig Result, trailerHeader string, decodedLength int64) (io.Reader, error) {
	c := &chunkedReader{br: bufio.NewReaderSize(body, 4096), declared: decodedLength}
	switch mode {
	case StreamingSigned:
		c.signed = true
	case StreamingSignedTrailer:
		c.signed, c.trailer = true, true
	case StreamingUnsignedTrailer:
		c.trailer = true
	default:
		return nil, chunkErr(ErrMalformedChunk, "unsupported x-amz-content-sha256 for aws-chunked")
	}
	if c.declared < 0 {
		c.declared = -1
	}
	if trailerHeader != "" && !c.trailer {
		return nil, chunkErr(ErrMalformedChunk, "x-amz-trailer without a trailer mode")
	}
	var err error
	if c.sumName, c.sum, err = parseTrailerHeader(trailerHeader); err != nil {
		return nil, err
	}
	if c.signed {
		if !sig.hasKey || sig.PayloadHash != mode || !isLowerHex(sig.SeedSignature, 64) {
			return nil, chunkErr(ErrChunkSignature, "the request was not signed for this streaming mode")
		}
		c.key = sig.signingKey
		c.mac = hmac.New(sha256.New, c.key[:])
		copy(c.prev[:], sig.SeedSignature)
		c.scope = []byte(sig.Date.UTC().Format(amzDateFormat) + "\n" + sig.Scope + "\n")
	}
	return c, nil
}

// chunkedReader is the aws-chunked decoder. It is not safe for concurrent use.
type chunkedReader struct {
	br              *bufio.Reader
	signed, trailer bool
	declared, total int64 // x-amz-decoded-content-length (-1: none) and bytes decoded so far

	key   [32]byte
	mac   hash.Hash
	scope []byte   // "<amz date>\n<credential scope>\n", common to every string to sign
	prev  [64]byte // hex signature of the previous chunk (the seed at first)

	sumName string    // declared checksum trailer, if any
	sum     hash.Hash // its running checksum over the decoded bytes
	sumOK   string    // the trailer's value, once it matched

	buf      []byte // signed: the current chunk, verified
	pending  []byte // the part of buf not yet returned
	left     int64  // unsigned: bytes of the current chunk not yet read
	needCRLF bool   // unsigned: the current chunk's data is read, its CRLF is not
	err      error  // sticky: io.EOF once done, else the failure
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	for c.err == nil {
		if len(c.pending) > 0 {
			n := copy(p, c.pending)
			c.pending = c.pending[n:]
			return n, nil
		}
		if len(p) == 0 {
			return 0, nil
		}
		if c.left > 0 {
			if int64(len(p)) > c.left {
				p = p[:c.left]
			}
			n, err := c.br.Read(p)
			c.left -= int64(n)
			if c.sum != nil {
				c.sum.Write(p[:n])
			}
			if c.left == 0 {
				c.needCRLF = true
			}
			if n > 0 {
				return n, nil
			}
			c.fail(readErr(err))
			break
		}
		if c.needCRLF {
			c.needCRLF = false
			if err := c.expectCRLF(); err != nil {
				c.fail(err)
				break
			}
		}
		if err := c.next(); err != nil {
			c.fail(err)
		}
	}
	return 0, c.err
}

// fail ends decoding with err (io.EOF on success) and wipes the key and buffered data.
func (c *chunkedReader) fail(err error) {
	if c.err == nil {
		c.err = err
	}
	clear(c.key[:])
	if c.mac != nil {
		c.mac.Reset()
		c.mac = nil
	}
	clear(c.buf)
	c.buf, c.pending = nil, nil
}

// next reads a chunk header and then the chunk (signed) or prepares to stream it (unsigned).
func (c *chunkedReader) next() error {
	line, err := c.readLine(maxChunkLine)
	if err != nil {
		return err
	}
	sizeField, ext, hasExt := bytes.Cut(line, []byte{';'})
	limit := int64(maxUnsignedChunk)
	if c.signed {
		limit = maxSignedChunk
	}
	size, ok := parseChunkSize(sizeField, limit)
	if !ok {
		return chunkErr(ErrMalformedChunk, "invalid or oversized chunk size")
	}
	var sig [64]byte
	if c.signed {
		v, found := bytes.CutPrefix(ext, []byte(chunkSigPrefix))
		if !hasExt || !found || !isLowerHex(string(v), 64) {
			return chunkErr(ErrMalformedChunk, "chunk lacks chunk-signature=<64 hex>")
		}
		copy(sig[:], v)
	} else if hasExt {
		return chunkErr(ErrMalformedChunk, "unexpected chunk extension")
	}
	if c.declared >= 0 && size > c.declared-c.total {
		return chunkErr(ErrMalformedChunk, "body longer than x-amz-decoded-content-length")
	}
	c.total += size
	if size == 0 {
		return c.finish(&sig)
	}
	if !c.signed {
		c.left = size
		return nil
	}
	if err := c.readChunk(int(size)); err != nil {
		return err
	}
	if err := c.expectCRLF(); err != nil {
		return err
	}
	if err := c.verifyChunk(&sig, c.buf); err != nil {
		return err
	}
	if c.sum != nil {
		c.sum.Write(c.buf)
	}
	c.pending = c.buf
	return nil
}

// readChunk reads size bytes into c.buf, growing it as data arrives rather than trusting the
// size line with a large allocation up front.
func (c *chunkedReader) readChunk(size int) error {
	c.buf = c.buf[:0]
	for len(c.buf) < size {
		if len(c.buf) == cap(c.buf) {
			nb := make([]byte, len(c.buf), min(size, max(2*cap(c.buf), 64<<10)))
			copy(nb, c.buf)
			c.buf = nb
		}
		n, err := c.br.Read(c.buf[len(c.buf):min(cap(c.buf), size)])
		c.buf = c.buf[:len(c.buf)+n]
		if err != nil && len(c.buf) < size {
			return readErr(err)
		}
	}
	return nil
}

// verifyChunk checks a chunk's signature against the chain and advances it:
//
//	AWS4-HMAC-SHA256-PAYLOAD \n date \n scope \n previous signature \n sha256("") \n sha256(data)
func (c *chunkedReader) verifyChunk(sig *[64]byte, data []byte) error {
	sum := sha256.Sum256(data)
	c.mac.Reset()
	c.mac.Write([]byte(chunkAlgorithm + "\n"))
	c.mac.Write(c.scope)
	c.mac.Write(c.prev[:])
	c.mac.Write([]byte("\n" + emptySHA256Hex + "\n"))
	var h [64]byte
	hex.Encode(h[:], sum[:])
	c.mac.Write(h[:])
	return c.checkMAC(sig)
}

// checkMAC compares the MAC just computed with sig (hex) and makes sig the previous signature.
func (c *chunkedReader) checkMAC(sig *[64]byte) error {
	var got [32]byte
	var want [32]byte
	c.mac.Sum(want[:0])
	if _, err := hex.Decode(got[:], sig[:]); err != nil || !hmac.Equal(got[:], want[:]) {
		return ErrChunkSignature
	}
	c.prev = *sig
	return nil
}

// finish handles the final zero-size chunk, the trailers and the end of the body.
func (c *chunkedReader) finish(sig *[64]byte) error {
	if c.signed {
		if err := c.verifyChunk(sig, nil); err != nil {
			return err
		}
	}
	if c.declared >= 0 && c.total != c.declared {
		return ErrIncompleteBody
	}
	if c.trailer {
		if err := c.trailers(); err != nil {
			return err
		}
	} else if err := c.expectCRLF(); err != nil {
		return err
	}
	if _, err := c.br.ReadByte(); err == nil {
		return chunkErr(ErrMalformedChunk, "data after the final chunk")
	} else if err != io.EOF {
		return err
	}
	return io.EOF
}

// readLine returns the next line without its CRLF; the slice is valid until the next read.
func (c *chunkedReader) readLine(maxLen int) ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, chunkErr(ErrMalformedChunk, "line too long")
	case err != nil:
		return nil, readErr(err)
	case len(line) < 2 || line[len(line)-2] != '\r':
		return nil, chunkErr(ErrMalformedChunk, "line not ended by CRLF")
	case len(line)-2 > maxLen:
		return nil, chunkErr(ErrMalformedChunk, "line too long")
	}
	return line[:len(line)-2], nil
}

func (c *chunkedReader) expectCRLF() error {
	var b [2]byte
	if _, err := io.ReadFull(c.br, b[:]); err != nil {
		return readErr(err)
	}
	if b != [2]byte{'\r', '\n'} {
		return chunkErr(ErrMalformedChunk, "chunk data not followed by CRLF")
	}
	return nil
}

// parseChunkSize parses 1-16 hex digits no larger than limit.
func parseChunkSize(b []byte, limit int64) (int64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var n int64
	for _, ch := range b {
		var d byte
		switch {
		case ch >= '0' && ch <= '9':
			d = ch - '0'
		case ch >= 'a' && ch <= 'f':
			d = ch - 'a' + 10
		case ch >= 'A' && ch <= 'F':
			d = ch - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(d)
		if n > limit {
			return 0, false
		}
	}
	return n, true
}

// readErr turns an early end of the body into ErrIncompleteBody; other read errors (a
// MaxBytesError, a network failure) are the caller's to map and pass through.
func readErr(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrIncompleteBody
	}
	return err
}

// chunkErr wraps a sentinel with what was wrong.
func chunkErr(kind error, why string) error {
	return &chunkError{kind, why}
}

type chunkError struct {
	kind error
	why  string
}

func (e *chunkError) Error() string { return e.kind.Error() + ": " + e.why }
func (e *chunkError) Unwrap() error { return e.kind }

// Checksum reports the checksum trailer and its value once the body has been read to the end
// and the checksum matched (checksummedBody).
func (c *chunkedReader) Checksum() (name, value string) {
	if c.sumOK == "" || c.err != io.EOF {
		return "", ""
	}
	return c.sumName, c.sumOK
}
