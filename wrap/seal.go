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

// blobInfo starts the HKDF info of a blob's key. The format version is in it, so a future
// format derives different keys from the same backing key.
const blobInfo = "keyhold blob v1"

// Why a key per blob: AES-GCM with random 96-bit nonces must stop at about 2³² messages per
// key (NIST SP 800-38D keeps the nonce-collision chance under 2⁻³²), and a hot CMK served by
// every node of a cluster, with no shared counter, could pass that. Each blob instead gets its
// own AES-256 key, derived from the backing key and a fresh random 128-bit salt, so every GCM
// key encrypts one message and no nonce budget is shared across requests; the backing key's
// budget becomes the salt space (a repeated salt among n blobs has probability about n²/2¹²⁹).
// The key id and version are in the HKDF info as well as in the AAD, so a blob's header
// cannot be moved to another key even if two keys' secrets were equal.
//
// Why the standard library and not Tink's subtle.ComputeHKDF and aead/subtle.AESGCM: Tink's
// AES-GCM draws its own nonce and hides it in its output, while this format fixes the nonce's
// place in the header (and so in the AAD), and the test vectors need a chosen nonce; Tink's
// per-key setup (parameters, key object, secret data wrapper) would run for a key used once,
// on every request; and importing Tink's subtle packages pulls golang.org/x/crypto and
// protobuf, which this module's go.sum does not carry. crypto/hkdf, crypto/aes and
// crypto/cipher are Go's FIPS 140-3 module with assembly AES-GCM: HKDF plus GCM of 32 bytes
// costs about 1.5 µs.

// Seal encrypts plaintext (at most MaxPlaintext bytes) under backing key k of CMK version
// (id, version), binding ec, and returns the format-v1 blob. Salt and nonce are fresh from
// crypto/rand. Errors are ErrKeyUnusable or ErrInvalidArgument (a caller's bug), never a
// property of the data.
func Seal(k *BackingKey, id KeyID, version uint32, plaintext []byte, ec EncryptionContext) ([]byte, error) {
	var r [SaltSize + NonceSize]byte
	if _, err := rand.Read(r[:]); err != nil {
		return nil, err
	}
	// A random nonce under a key used once is belt and braces: it keeps (key, nonce) unique
	// even if the salt source ever repeated.
	return seal(k, id, version, [SaltSize]byte(r[:SaltSize]), [NonceSize]byte(r[SaltSize:]), plaintext, ec)
}

// seal is Seal with a chosen salt and nonce, for the test vectors. Production calls pass
// only fresh random values.
func seal(k *BackingKey, id KeyID, version uint32, salt [SaltSize]byte, nonce [NonceSize]byte, plaintext []byte, ec EncryptionContext) ([]byte, error) {
	if !k.usable() {
		return nil, ErrKeyUnusable
	}
	if len(plaintext) > MaxPlaintext {
		return nil, fmt.Errorf("%w: plaintext longer than %d bytes", ErrInvalidArgument, MaxPlaintext)
	}
	ecLen, ok := ec.checkedLen()
	if !ok {
		return nil, fmt.Errorf("%w: encryption context too large", ErrInvalidArgument)
	}
	b := Blob{KeyID: id, KeyVersion: version, Salt: salt, Nonce: nonce}
	gcm, err := blobAEAD(k, &b)
	if err != nil {
		return nil, err
	}
	out := b.appendHeader(make([]byte, 0, BlobHeaderSize+len(plaintext)+TagSize))
	aad := ec.appendCanonical(append(make([]byte, 0, BlobHeaderSize+ecLen), out...))
	return gcm.Seal(out, b.Nonce[:], plaintext, aad), nil
}

// Open authenticates and decrypts b with backing key k under encryption context ec. Every
// failure (wrong key, a flipped bit anywhere, a different context, bad lengths) is
// ErrInvalidCiphertext with no detail; only an unusable k (a caller's bug) also wraps
// ErrKeyUnusable. The caller owns the returned plaintext.
func Open(k *BackingKey, b Blob, ec EncryptionContext) ([]byte, error) {
	if !k.usable() {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCiphertext, ErrKeyUnusable)
	}
	if len(b.Ciphertext) < TagSize || BlobHeaderSize+len(b.Ciphertext) > MaxBlobSize {
		return nil, ErrInvalidCiphertext
	}
	ecLen, ok := ec.checkedLen()
	if !ok {
		return nil, ErrInvalidCiphertext
	}
	gcm, err := blobAEAD(k, &b)
	if err != nil {
		return nil, ErrInvalidCiphertext
	}
	aad := ec.appendCanonical(b.appendHeader(make([]byte, 0, BlobHeaderSize+ecLen)))
	pt, err := gcm.Open(nil, b.Nonce[:], b.Ciphertext, aad)
	if err != nil {
		return nil, ErrInvalidCiphertext
	}
	return pt, nil
}

// blobAEAD derives b's per-blob key from k and returns AES-256-GCM under it (12-byte nonce,
// 16-byte tag). The derived key is cleared at once; the AES key schedule inside the cipher
// cannot be (the standard library offers no way), but it is a one-blob key from which the
// backing key cannot be recovered, and it becomes garbage when the call returns.
func blobAEAD(k *BackingKey, b *Blob) (cipher.AEAD, error) {
	dk, err := blobKey(k, b)
	if err != nil {
		return nil, err
	}
	defer clear(dk)
	c, err := aes.NewCipher(dk)
	if err != nil {
		return nil, fmt.Errorf("wrap: blob cipher: %w", err)
	}
	return cipher.NewGCM(c)
}

// blobKey is HKDF-SHA256(ikm = k, salt = b.Salt, info = blobInfo || key id || key version),
// 32 bytes. The caller owns and clears it.
func blobKey(k *BackingKey, b *Blob) ([]byte, error) {
	var info [len(blobInfo) + KeyIDSize + 4]byte
	n := copy(info[:], blobInfo)
	n += copy(info[n:], b.KeyID[:])
	binary.BigEndian.PutUint32(info[n:], b.KeyVersion)
	dk, err := hkdf.Key(sha256.New, k.b[:], b.Salt[:], string(info[:]), BackingKeySize)
	if err != nil {
		return nil, fmt.Errorf("wrap: deriving the blob key: %w", err)
	}
	return dk, nil
}
