package wrap

import "encoding/binary"

// Blob is a parsed format-v1 ciphertext blob (see the package doc for the byte layout). A
// Blob from ParseBlob owns its Ciphertext; it does not alias the parsed bytes.
type Blob struct {
	// KeyID and KeyVersion name the CMK version whose backing key sealed the blob.
	KeyID      KeyID
	KeyVersion uint32
	// Salt is the HKDF salt of the per-blob key.
	Salt [SaltSize]byte
	// Nonce is the AES-GCM nonce.
	Nonce [NonceSize]byte
	// Ciphertext is the GCM ciphertext including its trailing 16-byte tag.
	Ciphertext []byte
}

// ParseBlob parses a blob strictly: version byte 0x01, at least MinBlobSize and at most
// MaxBlobSize bytes. It authenticates nothing (that is Open's job), but it never panics and
// every failure is ErrInvalidCiphertext. For every b it accepts, b.Marshal() gives back the
// input byte for byte, so a blob has exactly one encoding.
func ParseBlob(b []byte) (Blob, error) {
	if !blobShapeOK(b) {
		return Blob{}, ErrInvalidCiphertext
	}
	var out Blob
	copy(out.KeyID[:], b[1:17])
	out.KeyVersion = binary.BigEndian.Uint32(b[17:21])
	copy(out.Salt[:], b[21:37])
	copy(out.Nonce[:], b[37:BlobHeaderSize])
	out.Ciphertext = append([]byte(nil), b[BlobHeaderSize:]...)
	return out, nil
}

// blobShapeOK checks what ParseBlob and PeekKey check: the version byte and the bounds.
func blobShapeOK(b []byte) bool {
	return len(b) >= MinBlobSize && len(b) <= MaxBlobSize && b[0] == blobVersion
}

// PeekKey returns the key id and version a blob names, without copying or decrypting it: it
// routes a Decrypt request that names no KeyId. The answer is unauthenticated until Open
// succeeds. Failures are ErrInvalidCiphertext.
func PeekKey(blob []byte) (KeyID, uint32, error) {
	if !blobShapeOK(blob) {
		return KeyID{}, 0, ErrInvalidCiphertext
	}
	return KeyID(blob[1:17]), binary.BigEndian.Uint32(blob[17:21]), nil
}

// Marshal returns the blob's bytes: the header followed by Ciphertext.
func (b Blob) Marshal() []byte {
	out := make([]byte, 0, BlobHeaderSize+len(b.Ciphertext))
	out = b.appendHeader(out)
	return append(out, b.Ciphertext...)
}

// appendHeader appends the 49 header bytes, which are also the first part of the AAD.
func (b *Blob) appendHeader(dst []byte) []byte {
	dst = append(dst, blobVersion)
	dst = append(dst, b.KeyID[:]...)
	dst = binary.BigEndian.AppendUint32(dst, b.KeyVersion)
	dst = append(dst, b.Salt[:]...)
	return append(dst, b.Nonce[:]...)
}
