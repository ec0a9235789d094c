package wrap

import (
	"crypto/rand"
	"crypto/subtle"
)

// incomparable makes a struct that embeds it invalid as a == operand and as a map key, so a
// secret can only be compared through its constant-time Equal (tailscale's types/structs).
type incomparable [0]func()

// BackingKey is a CMK version's 256-bit secret. It lives in memory only while a request or the
// [Cache] holds it; Destroy zeroes it. The zero BackingKey is unusable: Seal and Open refuse
// it, as they refuse a destroyed key, rather than encrypt under 32 zero bytes.
//
// A BackingKey must not be copied after first use (copying would duplicate the secret where
// Destroy cannot reach it); pass *BackingKey.
type BackingKey struct {
	_    incomparable
	live bool
	b    [BackingKeySize]byte
}

// NewBackingKey returns a fresh key from crypto/rand (the kernel CSPRNG; the HSM's generator
// would add a round trip for no gain in strength).
func NewBackingKey() (*BackingKey, error) {
	k := &BackingKey{live: true}
	if _, err := rand.Read(k.b[:]); err != nil {
		return nil, err
	}
	return k, nil
}

// BackingKeyFromBytes returns a key holding a copy of b, which must be BackingKeySize bytes.
// The caller still owns b and should clear it.
func BackingKeyFromBytes(b []byte) (*BackingKey, error) {
	if len(b) != BackingKeySize {
		return nil, ErrInvalidArgument
	}
	k := &BackingKey{live: true}
	copy(k.b[:], b)
	return k, nil
}

// Equal reports in constant time whether k and o hold the same secret. A nil or unusable key
// equals nothing, not even itself.
func (k *BackingKey) Equal(o *BackingKey) bool {
	if !k.usable() || !o.usable() {
		return false
	}
	return subtle.ConstantTimeCompare(k.b[:], o.b[:]) == 1
}

// Destroy zeroes the key and makes it unusable. It is idempotent and safe on nil; it must not
// run while another goroutine uses the key (the Cache's reference count ensures that).
func (k *BackingKey) Destroy() {
	if k == nil {
		return
	}
	clear(k.b[:])
	k.live = false
}

// SecretBytes returns a copy of the raw key, for sealing it into a key token. The name is
// deliberately loud: the caller owns the copy and must clear() it.
func (k *BackingKey) SecretBytes() []byte {
	if !k.usable() {
		return nil
	}
	return append([]byte(nil), k.b[:]...)
}

// usable reports whether k is non-nil, initialised and not destroyed.
func (k *BackingKey) usable() bool { return k != nil && k.live }
