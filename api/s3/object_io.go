package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"

	"github.com/keyhold/keyhold/api/objstore"
	"github.com/keyhold/keyhold/wrap"
)

// sealPart encrypts body as one wrap object under part n's keys, bound to the object's name
// bind and the part number, into w, and returns its sizes and the MD5 of its plaintext. It
// reads body to EOF, so the body's own checks (payload
// hash, chunk signatures, trailing checksum) have all passed when it returns nil. With plain
// (ssePlain objects) it copies the body unencrypted.
func sealPart(w io.Writer, keys objectKeys, bind objectBinding, plain bool, n int, body io.Reader) (partMeta, []byte, error) {
	if plain {
		sum := md5.New()
		size, err := io.CopyBuffer(io.MultiWriter(w, sum), body, make([]byte, 256<<10))
		if err != nil {
			return partMeta{}, nil, err
		}
		return partMeta{Number: n, Size: size, Sealed: size}, sum.Sum(nil), nil
	}
	pk, err := partKeys(keys, n)
	if err != nil {
		return partMeta{}, nil, err
	}
	if n != 0 {
		defer pk.clear()
	}
	h, err := wrap.NewObjectHeader(len(pk), wrap.DefaultObjectSegment)
	if err != nil {
		return partMeta{}, nil, err
	}
	c, err := wrap.NewObjectCipher(h, bind.bytes(n), pk...)
	if err != nil {
		return partMeta{}, nil, err
	}
	ow := wrap.NewObjectWriter(w, c)
	sum := md5.New()
	buf := make([]byte, 256<<10)
	if _, err := io.CopyBuffer(io.MultiWriter(ow, sum), body, buf); err != nil {
		return partMeta{}, nil, err
	}
	if err := ow.Close(); err != nil {
		return partMeta{}, nil, err
	}
	size := ow.Written()
	return partMeta{Number: n, Size: size, Sealed: h.SealedSize(size), Header: h.Marshal()}, sum.Sum(nil), nil
}

func quotedHex(b []byte) string { return `"` + hex.EncodeToString(b) + `"` }

// plainRange returns a reader of plaintext [start, end) of the stored object bind names,
// decrypting only the segments of the parts the range covers.
func plainRange(ctx context.Context, obj objstore.StoredObject, m *objectMeta, keys objectKeys, bind objectBinding, start, end int64) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(copyPlainRange(ctx, pw, obj, m, keys, bind, start, end))
	}()
	return pr
}

// copyPlainRange writes plaintext [start, end) of the stored object bind names to w. A part that
// does not open under bind is an integrity failure.
func copyPlainRange(ctx context.Context, w io.Writer, obj objstore.StoredObject, m *objectMeta, keys objectKeys, bind objectBinding, start, end int64) error {
	var plainOff, sealedOff int64
	for _, p := range m.Parts {
		pStart, pEnd := plainOff, plainOff+p.Size
		overlaps := start < pEnd && end > pStart || p.Size == 0 && start == pStart && end == start && m.Size == 0
		if overlaps {
			copyRange := copyPartRange
			if m.SSE.Algorithm == ssePlain {
				copyRange = copyPlainPart
			}
			if err := copyRange(ctx, w, obj, p, sealedOff, keys, bind, max(start, pStart)-pStart, min(end, pEnd)-pStart); err != nil {
				return err
			}
		}
		plainOff, sealedOff = pEnd, sealedOff+p.Sealed
	}
	return nil
}

// copyPlainPart copies [start, end) of an unencrypted part.
func copyPlainPart(ctx context.Context, w io.Writer, obj objstore.StoredObject, _ partMeta, base int64, _ objectKeys, _ objectBinding, start, end int64) error {
	rc, err := obj.ReadRange(ctx, base+start, end-start)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.CopyBuffer(w, rc, make([]byte, 256<<10))
	return err
}

func copyPartRange(ctx context.Context, w io.Writer, obj objstore.StoredObject, p partMeta, base int64, keys objectKeys, bind objectBinding, start, end int64) error {
	raw, err := readAll(ctx, obj, base, int64(wrap.ObjectHeaderSize))
	if err != nil {
		return err
	}
	h, err := wrap.ParseObjectHeader(raw)
	if err != nil || h.SealedSize(p.Size) != p.Sealed || h.Layers != len(keys) {
		return corrupt(integrityFormat)
	}
	if !bytes.Equal(raw, p.Header) {
		// Another body than the one the (authenticated) metadata describes.
		return corrupt(integrityCiphertext)
	}
	pk, err := partKeys(keys, p.Number)
	if err != nil {
		return err
	}
	if p.Number != 0 {
		defer pk.clear()
	}
	c, err := wrap.NewObjectCipher(h, bind.bytes(p.Number), pk...)
	if err != nil {
		return corrupt(integrityFormat)
	}
	sp := h.Span(p.Size, start, end)
	rc, err := obj.ReadRange(ctx, base+sp.Off, sp.Len)
	if err != nil {
		return err
	}
	defer rc.Close()
	// The range reader is an io.WriterTo: each opened segment goes to w without another copy.
	_, err = io.Copy(w, wrap.NewObjectRangeReader(c, rc, p.Size, start, end))
	if err == wrap.ErrInvalidCiphertext {
		return corrupt(integrityCiphertext)
	}
	return err
}
