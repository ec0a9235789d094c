package wrap

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Object format v2: an S3 object body encrypted in fixed-size authenticated segments, so that a
// ranged GET decrypts only the segments it covers. The byte diagram is in doc.go.
//
// Why segments with the index and a final flag in the nonce: this is the STREAM construction
// (Hoang, Reyhanitabar, Rogaway, Vizár 2015, the shape of age's payload and Tink's streaming
// AEAD). Every segment key is used for one object only (the per-object salt goes into HKDF), so
// a deterministic nonce is safe, and putting the segment's position and whether it is the last
// one into the nonce makes reordering, dropping, duplicating or truncating segments fail
// authentication. The header is the AAD of every segment, so it cannot be swapped either.
// Tink Go's streaming AEAD has the same shape but no random access, which ranged GETs need.
//
// Why a binding: the caller names what the object is (keyhold's S3 layer: bucket, key, upload
// and part), and the name goes into the derivation of every layer key without being stored. A
// stored object copied under another name then fails authentication in its first segment, even
// when both names share a data key (one SSE-C customer key for many objects). It costs nothing
// per segment, which putting it into each segment's AAD would. Version 1 had no binding and is
// refused.
//
// Why up to two layers: DSSE-KMS (aws:kms:dsse) is two independent encryptions under two
// independent data keys. Each segment is sealed under layer 1 and the result sealed again under
// layer 2 with its own derived key, which keeps random access and costs one extra tag per
// segment.

// objectInfo starts the HKDF info of an object layer's key; the version is in it so that a
// future format derives different keys from the same data key.
const objectInfo = "keyhold object v2"

// ObjectHeader is the header of a format-v2 object.
type ObjectHeader struct {
	// Layers is 1, or 2 for DSSE (two independent data keys).
	Layers int
	// SegmentSize is the number of plaintext bytes per segment (every segment but the last is
	// full), between MinObjectSegment and MaxObjectSegment.
	SegmentSize int
	// Salt is random per object; it makes the derived keys unique to the object.
	Salt [ObjectSaltSize]byte
}

// NewObjectHeader returns a header with a fresh random salt.
func NewObjectHeader(layers, segmentSize int) (ObjectHeader, error) {
	h := ObjectHeader{Layers: layers, SegmentSize: segmentSize}
	if err := h.check(); err != nil {
		return ObjectHeader{}, err
	}
	if _, err := rand.Read(h.Salt[:]); err != nil {
		return ObjectHeader{}, err
	}
	return h, nil
}

func (h ObjectHeader) check() error {
	if h.Layers < 1 || h.Layers > MaxObjectLayers {
		return fmt.Errorf("%w: object layers must be 1 or 2", ErrInvalidArgument)
	}
	if h.SegmentSize < MinObjectSegment || h.SegmentSize > MaxObjectSegment {
		return fmt.Errorf("%w: object segment size out of range", ErrInvalidArgument)
	}
	return nil
}

// ParseObjectHeader parses the first ObjectHeaderSize bytes of b. It is strict: a version other
// than 2 (version 1 included), a layer count other than 1 or 2, or a segment size out of bounds is
// ErrInvalidCiphertext. Marshal of the result gives b[:ObjectHeaderSize] back.
func ParseObjectHeader(b []byte) (ObjectHeader, error) {
	if len(b) < ObjectHeaderSize || b[0] != objectVersion {
		return ObjectHeader{}, ErrInvalidCiphertext
	}
	h := ObjectHeader{Layers: int(b[1]), SegmentSize: int(binary.BigEndian.Uint32(b[2:6]))}
	copy(h.Salt[:], b[6:ObjectHeaderSize])
	if h.check() != nil {
		return ObjectHeader{}, ErrInvalidCiphertext
	}
	return h, nil
}

// Marshal encodes the header (ObjectHeaderSize bytes).
func (h ObjectHeader) Marshal() []byte {
	b := make([]byte, ObjectHeaderSize)
	b[0] = objectVersion
	b[1] = byte(h.Layers)
	binary.BigEndian.PutUint32(b[2:6], uint32(h.SegmentSize))
	copy(b[6:], h.Salt[:])
	return b
}

// overhead is the bytes a segment gains from sealing: one tag per layer.
func (h ObjectHeader) overhead() int { return TagSize * h.Layers }

// SealedSize is the stored size of an object of plain plaintext bytes, header included.
func (h ObjectHeader) SealedSize(plain int64) int64 {
	return int64(ObjectHeaderSize) + plain + h.segments(plain)*int64(h.overhead())
}

// segments is the number of segments of an object of plain bytes: an empty object still has
// one (empty, final) segment, so that truncation to the header alone is detected.
func (h ObjectHeader) segments(plain int64) int64 {
	if plain <= 0 {
		return 1
	}
	return (plain + int64(h.SegmentSize) - 1) / int64(h.SegmentSize)
}

// PlainSize is the plaintext size of a stored object of sealed bytes, header included, or
// ErrInvalidCiphertext if no plaintext size seals to exactly that many bytes.
func (h ObjectHeader) PlainSize(sealed int64) (int64, error) {
	body := sealed - int64(ObjectHeaderSize)
	full := int64(h.SegmentSize + h.overhead())
	if body < int64(h.overhead()) {
		return 0, ErrInvalidCiphertext
	}
	n := (body + full - 1) / full
	plain := body - n*int64(h.overhead())
	if h.SealedSize(plain) != sealed {
		return 0, ErrInvalidCiphertext
	}
	return plain, nil
}

// Span is the part of a stored object that holds the plaintext range [start, end): the
// stored bytes [Off, Off+Len) and the index of the first segment they begin with.
type Span struct {
	Off, Len     int64
	FirstSegment int64
}

// Span returns the stored bytes covering plaintext [start, end) of an object of plain bytes.
// It requires 0 <= start <= end <= plain; an empty range of an empty object covers its one
// segment.
func (h ObjectHeader) Span(plain, start, end int64) Span {
	seg, full := int64(h.SegmentSize), int64(h.SegmentSize+h.overhead())
	first := start / seg
	last := h.segments(plain) - 1
	if end > start {
		last = (end - 1) / seg
	}
	if first > last {
		first = last
	}
	off := int64(ObjectHeaderSize) + first*full
	stop := h.SealedSize(plain)
	if last < h.segments(plain)-1 {
		stop = int64(ObjectHeaderSize) + (last+1)*full
	}
	return Span{Off: off, Len: stop - off, FirstSegment: first}
}

// ObjectCipher holds the derived per-layer keys of one object. It is safe for concurrent use.
type ObjectCipher struct {
	hdr    ObjectHeader
	raw    []byte // the marshalled header: every segment's AAD
	layers []cipher.AEAD
}

// NewObjectCipher derives the object's layer keys from its data keys (one per layer, each
// ObjectDataKeySize bytes) and its binding: key_i = HKDF-SHA256(ikm = dataKeys[i], salt =
// header salt, info = "keyhold object v2" || header[0:6] || byte(i+1) || binding). The binding
// (at most MaxObjectBinding bytes, possibly empty) is not stored: the reader must present the
// same bytes, or every segment fails authentication. The caller must encode it unambiguously.
// The caller keeps ownership of dataKeys; the derived bytes are cleared once the AES key
// schedule is built.
func NewObjectCipher(h ObjectHeader, binding []byte, dataKeys ...[]byte) (*ObjectCipher, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	if len(binding) > MaxObjectBinding {
		return nil, fmt.Errorf("%w: object binding longer than %d bytes", ErrInvalidArgument, MaxObjectBinding)
	}
	if len(dataKeys) != h.Layers {
		return nil, fmt.Errorf("%w: %d data keys for %d layers", ErrInvalidArgument, len(dataKeys), h.Layers)
	}
	c := &ObjectCipher{hdr: h, raw: h.Marshal()}
	for i, dk := range dataKeys {
		if len(dk) != ObjectDataKeySize {
			return nil, fmt.Errorf("%w: object data key must be %d bytes", ErrInvalidArgument, ObjectDataKeySize)
		}
		info := append([]byte(objectInfo), c.raw[:6]...)
		info = append(info, byte(i+1))
		info = append(info, binding...)
		k, err := hkdf.Key(sha256.New, dk, h.Salt[:], string(info), 32)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(k)
		clear(k)
		if err != nil {
			return nil, err
		}
		g, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		c.layers = append(c.layers, g)
	}
	return c, nil
}

// Header returns the object's header.
func (c *ObjectCipher) Header() ObjectHeader { return c.hdr }

// nonce is uint64(index) || final || 0x000000.
func segmentNonce(index int64, final bool) [NonceSize]byte {
	var n [NonceSize]byte
	binary.BigEndian.PutUint64(n[:8], uint64(index))
	if final {
		n[8] = 1
	}
	return n
}

// sealSegment seals buf (plaintext, with capacity for the tags) in place.
func (c *ObjectCipher) sealSegment(buf []byte, index int64, final bool) []byte {
	n := segmentNonce(index, final)
	for _, l := range c.layers {
		buf = l.Seal(buf[:0], n[:], buf, c.raw)
	}
	return buf
}

// openSegment opens a sealed segment in place, outer layer first.
func (c *ObjectCipher) openSegment(buf []byte, index int64, final bool) ([]byte, error) {
	n := segmentNonce(index, final)
	for i := len(c.layers) - 1; i >= 0; i-- {
		var err error
		if buf, err = c.layers[i].Open(buf[:0], n[:], buf, c.raw); err != nil {
			return nil, ErrInvalidCiphertext
		}
	}
	return buf, nil
}
