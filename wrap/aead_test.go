package wrap

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
)

// softAEAD is a software domain key for this package's tests: AES-256-GCM with a random
// nonce prepended, the shape of an HSM's CKM_AES_GCM output. The HSM-backed AEAD is tested
// in package hsm.
type softAEAD struct{ gcm cipher.AEAD }

func newSoftAEAD(t testing.TB) *softAEAD {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	c, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	g, err := cipher.NewGCM(c)
	if err != nil {
		t.Fatal(err)
	}
	return &softAEAD{g}
}

func (a *softAEAD) Encrypt(pt, ad []byte) ([]byte, error) {
	nonce := make([]byte, a.gcm.NonceSize(), a.gcm.NonceSize()+len(pt)+a.gcm.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return a.gcm.Seal(nonce, nonce, pt, ad), nil
}

func (a *softAEAD) Decrypt(ct, ad []byte) ([]byte, error) {
	if len(ct) < a.gcm.NonceSize() {
		return nil, errSoftAEAD
	}
	pt, err := a.gcm.Open(nil, ct[:a.gcm.NonceSize()], ct[a.gcm.NonceSize():], ad)
	if err != nil {
		return nil, errSoftAEAD
	}
	return pt, nil
}

var errSoftAEAD = errors.New("softaead: message authentication failed")

// recordingAEAD wraps an AEAD and records the associated data it is given.
type recordingAEAD struct {
	AEAD
	mu  sync.Mutex
	ads [][]byte
}

func (r *recordingAEAD) Encrypt(pt, ad []byte) ([]byte, error) {
	r.mu.Lock()
	r.ads = append(r.ads, append([]byte(nil), ad...))
	r.mu.Unlock()
	return r.AEAD.Encrypt(pt, ad)
}

// failingAEAD is an HSM that is down.
type failingAEAD struct{ err error }

func (f failingAEAD) Encrypt([]byte, []byte) ([]byte, error) { return nil, f.err }
func (f failingAEAD) Decrypt([]byte, []byte) ([]byte, error) { return nil, f.err }

// rawAEAD returns a fixed output, to feed OpenKeyToken "authenticated" secrets of any shape.
type rawAEAD struct{ out []byte }

func (r rawAEAD) Encrypt(pt, _ []byte) ([]byte, error) { return r.out, nil }
func (r rawAEAD) Decrypt(_, _ []byte) ([]byte, error) {
	return append([]byte(nil), r.out...), nil
}

// ring maps domain key versions to AEADs, as an HSM keyring does.
type ring map[uint32]AEAD

var errUnknownDK = errors.New("test: unknown domain key version")

func (r ring) lookup(v uint32) (AEAD, error) {
	if a, ok := r[v]; ok {
		return a, nil
	}
	return nil, errUnknownDK
}

func mustKey(t testing.TB) *BackingKey {
	t.Helper()
	k, err := NewBackingKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustID(t testing.TB) KeyID {
	t.Helper()
	id, err := NewKeyID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}
