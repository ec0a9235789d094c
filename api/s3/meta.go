package s3

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"time"

	"github.com/keyhold/keyhold/api/objstore"
	"github.com/keyhold/keyhold/wrap"
)

// A stored object is one blob in the objstore.Store:
//
//	sealed part 1 || … || sealed part n || metadata JSON || uint32 len(metadata JSON) || "KHO2"
//
// Each sealed part is a wrap object (format v2, its own header and salt) whose keys are bound to
// the object's name and the part's number (integrity.go); a single PUT is one part. The
// metadata names the encryption (sealed KMS data keys, never a plaintext key), the sizes and
// the S3 attributes, and carries a MAC over the object's name and the metadata, so a changed
// size, part list, ETag or user metadata, or the whole object moved under another name, fails
// like a changed ciphertext. The metadata goes last because the ETag and sizes are known only
// once the body is read, and writing it after the body needs no second pass over the data.
// "KHO1" objects were not bound to their names; they are refused (integrityLegacy).

const (
	metaMagic       = "KHO2"
	legacyMetaMagic = "KHO1"
	metaTrailer     = 4 + len(metaMagic)
	maxMetaSize     = 64 << 10
)

// objectMeta is an object's metadata.
type objectMeta struct {
	Size         int64             `json:"size"`
	ETag         string            `json:"etag"` // quoted, as S3 sends it
	LastModified time.Time         `json:"mtime"`
	ContentType  string            `json:"type,omitempty"`
	Headers      map[string]string `json:"headers,omitempty"`  // Cache-Control, Content-Disposition, ...
	UserMeta     map[string]string `json:"user,omitempty"`     // x-amz-meta-* by lower-case suffix
	Checksum     *objectChecksum   `json:"checksum,omitempty"` // FULL_OBJECT, single-PUT objects
	SSE          sseMeta           `json:"sse"`
	Parts        []partMeta        `json:"parts"`
	// UploadID is the multipart upload whose parts the object is made of ("" for a single
	// PUT); it is part of the name the parts are bound to.
	UploadID string `json:"upload,omitempty"`
	// Name is the name a plaintext object (S3PlaintextObjects) was written for: with no key
	// to MAC with, a recorded name is all it can be checked against.
	Name *objectBinding `json:"name,omitempty"`
	MAC  []byte         `json:"mac,omitempty"`
}

// partMeta is one sealed part: its number (0 for a single PUT), plaintext and sealed sizes.
type partMeta struct {
	Number int    `json:"n"`
	Size   int64  `json:"size"`
	Sealed int64  `json:"sealed"`
	ETag   string `json:"etag,omitempty"`
	// Checksum is the part's checksum (base64) when its upload named an algorithm.
	Checksum string `json:"checksum,omitempty"`
	// Header is the part's wrap object header, salt included. Under the metadata MAC it ties
	// the metadata to this very body: another body sealed under the same keys and name (an
	// older version of the object under one SSE-C key) has another salt.
	Header []byte `json:"hdr,omitempty"`
}

// mac computes the metadata MAC over the name and the metadata (with the MAC field empty), under
// a key derived from key.
func (m *objectMeta) mac(key []byte, bind objectBinding) ([]byte, error) {
	c := *m
	c.MAC = nil
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, err
	}
	k, err := hkdf.Key(sha256.New, key, nil, metaMACInfo, 32)
	if err != nil {
		return nil, err
	}
	defer clear(k)
	h := hmac.New(sha256.New, k)
	h.Write(bind.bytes(0))
	h.Write(b)
	return h.Sum(nil), nil
}

// sealMeta fills in m's MAC for the name bind (a plaintext object records the name instead).
func (s *Server) sealMeta(ctx context.Context, m *objectMeta, keys objectKeys, bind objectBinding) error {
	if m.SSE.Algorithm == ssePlain {
		m.MAC, m.Name = nil, &bind
		return nil
	}
	k, err := s.metaKey(ctx, m, keys, bind)
	if err != nil {
		return err
	}
	defer clear(k)
	m.MAC, err = m.mac(k, bind)
	return err
}

// verifyMeta checks that m was written for the name bind; every failure is an integrity error.
func (s *Server) verifyMeta(ctx context.Context, m *objectMeta, keys objectKeys, bind objectBinding) error {
	if m.SSE.Algorithm == ssePlain {
		// Not a defence against whoever can write the store (they can write the name too),
		// but a plaintext object moved or restored under the wrong name is still refused.
		if m.Name == nil || *m.Name != bind {
			return corrupt(integrityName)
		}
		return nil
	}
	if len(m.MAC) == 0 {
		return corrupt(integrityMAC)
	}
	k, err := s.metaKey(ctx, m, keys, bind)
	if err != nil {
		return err
	}
	defer clear(k)
	mac, err := m.mac(k, bind)
	if err != nil || !hmac.Equal(mac, m.MAC) {
		return corrupt(integrityMAC)
	}
	return nil
}

// metaKey returns (a copy of) the key the metadata MAC is derived from: the upload's integrity
// key when it has one (SSE-C multipart, whose Complete may come without the customer key),
// the object's first data key otherwise.
func (s *Server) metaKey(ctx context.Context, m *objectMeta, keys objectKeys, bind objectBinding) ([]byte, error) {
	if m.SSE.IntegrityKey != nil {
		return s.openIntegrityKey(ctx, &m.SSE, bind)
	}
	if len(keys) == 0 {
		return nil, corrupt(integrityMAC)
	}
	return append([]byte(nil), keys[0]...), nil
}

// errCorruptObject is a stored object that fails authentication or parsing (integrityError
// says why). The client gets an internal error: the bytes at rest are not what keyhold wrote.
var errCorruptObject = errors.New("api: s3: stored object failed authentication")

// writeMeta appends the metadata trailer to a pending object.
func writeMeta(w io.Writer, m *objectMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var tail [metaTrailer]byte
	binary.BigEndian.PutUint32(tail[:4], uint32(len(b)))
	copy(tail[4:], metaMagic)
	if _, err := w.Write(b); err != nil {
		return err
	}
	_, err = w.Write(tail[:])
	return err
}

// openObject opens a stored object and reads its metadata (not yet verified: that needs the
// keys). A missing object is errNoSuchKey.
func (s *Server) openObject(ctx context.Context, bucket, key string) (objstore.StoredObject, *objectMeta, error) {
	obj, err := s.store.Open(ctx, bucket, key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, s3Err(errNoSuchKey, "The specified key does not exist.")
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := readMeta(ctx, obj)
	if err != nil {
		obj.Close()
		return nil, nil, err
	}
	return obj, m, nil
}

func readMeta(ctx context.Context, obj objstore.StoredObject) (*objectMeta, error) {
	size := obj.Size()
	if size < int64(metaTrailer) {
		return nil, corrupt(integrityFormat)
	}
	tail, err := readAll(ctx, obj, size-int64(metaTrailer), int64(metaTrailer))
	if err != nil {
		return nil, err
	}
	n := int64(binary.BigEndian.Uint32(tail[:4]))
	if string(tail[4:]) == legacyMetaMagic {
		return nil, corrupt(integrityLegacy)
	}
	if string(tail[4:]) != metaMagic || n > maxMetaSize || n > size-int64(metaTrailer) {
		return nil, corrupt(integrityFormat)
	}
	raw, err := readAll(ctx, obj, size-int64(metaTrailer)-n, n)
	if err != nil {
		return nil, err
	}
	var m objectMeta
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, corrupt(integrityFormat)
	}
	// The parts must tile the data exactly.
	var sealed, plain int64
	for _, p := range m.Parts {
		if m.SSE.Algorithm == ssePlain && p.Sealed != p.Size {
			return nil, corrupt(integrityFormat)
		}
		if m.SSE.Algorithm != ssePlain && (p.Sealed < int64(wrap.ObjectHeaderSize) || len(p.Header) != wrap.ObjectHeaderSize) || p.Size < 0 {
			return nil, corrupt(integrityFormat)
		}
		sealed += p.Sealed
		plain += p.Size
	}
	if len(m.Parts) == 0 || sealed != size-int64(metaTrailer)-n || plain != m.Size {
		return nil, corrupt(integrityFormat)
	}
	return &m, nil
}

func readAll(ctx context.Context, obj objstore.StoredObject, off, n int64) ([]byte, error) {
	rc, err := obj.ReadRange(ctx, off, n)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b := make([]byte, n)
	if _, err := io.ReadFull(rc, b); err != nil {
		return nil, corrupt(integrityFormat)
	}
	return b, nil
}
