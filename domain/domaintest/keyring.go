package domaintest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"

	"github.com/keyhold/keyhold/wrap"
)

// Keyring is a software domain.Keyring: one AES-256-GCM key per domain key version, held in Go
// memory. Test only (see the package doc).
type Keyring struct {
	mu   sync.Mutex
	keys map[uint32]*softKey
}

// NewKeyring returns a Keyring holding a fresh random key for version 1.
func NewKeyring() *Keyring {
	r := &Keyring{keys: map[uint32]*softKey{}}
	r.Add(1)
	return r
}

// Add creates a fresh random key for version v, replacing any it held.
func (r *Keyring) Add(v uint32) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b, err := aes.NewCipher(k)
	clear(k)
	if err != nil {
		panic(err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	r.mu.Lock()
	r.keys[v] = &softKey{aead: g}
	r.mu.Unlock()
}

// DomainKey implements domain.Keyring.
func (r *Keyring) DomainKey(_ context.Context, v uint32) (wrap.AEAD, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k, ok := r.keys[v]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("domaintest: no domain key version %d", v)
}

// softKey is one domain key version: AES-256-GCM with a random nonce prepended to each
// ciphertext, the shape wrap.AEAD callers expect of the HSM's.
type softKey struct{ aead cipher.AEAD }

// Encrypt implements wrap.AEAD.
func (k *softKey) Encrypt(pt, ad []byte) ([]byte, error) {
	n := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(pt)+k.aead.Overhead())
	if _, err := rand.Read(n); err != nil {
		return nil, err
	}
	return k.aead.Seal(n, n, pt, ad), nil
}

// Decrypt implements wrap.AEAD.
func (k *softKey) Decrypt(ct, ad []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	if len(ct) < ns+k.aead.Overhead() {
		return nil, errors.New("domaintest: ciphertext too short")
	}
	return k.aead.Open(nil, ct[:ns], ct[ns:], ad)
}
