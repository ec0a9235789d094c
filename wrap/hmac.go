package wrap

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
)

// MaxHMACKeySize is the largest HMAC CMK key: AWS's HMAC_512 has a 512-bit key.
const MaxHMACKeySize = 64

// HMACKey is an HMAC CMK version's secret (AWS's HMAC_224/256/384/512 keys are as long as the
// hash output). It lives in memory only while a request or the [Cache] holds it; Destroy
// zeroes it. The zero HMACKey is unusable. Like BackingKey it must not be copied; pass
// *HMACKey.
//
// Why crypto/hmac over SHA-2: AWS's MAC algorithms are exactly HMAC-SHA-224/256/384/512
// (RFC 2104); Go's implementation is its FIPS 140-3 module. Tink's PRF/MAC keysets add a
// 5-byte output prefix that AWS's MACs do not have.
type HMACKey struct {
	_    incomparable
	live bool
	n    int
	b    [MaxHMACKeySize]byte
}

// NewHMACKey returns a fresh n-byte key (1 to MaxHMACKeySize) from crypto/rand.
func NewHMACKey(n int) (*HMACKey, error) {
	if n < 1 || n > MaxHMACKeySize {
		return nil, fmt.Errorf("%w: HMAC key of %d bytes", ErrInvalidArgument, n)
	}
	k := &HMACKey{live: true, n: n}
	if _, err := rand.Read(k.b[:n]); err != nil {
		return nil, err
	}
	return k, nil
}

// HMACKeyFromBytes returns a key holding a copy of b (1 to MaxHMACKeySize bytes). The caller
// still owns b and should clear it.
func HMACKeyFromBytes(b []byte) (*HMACKey, error) {
	if len(b) < 1 || len(b) > MaxHMACKeySize {
		return nil, ErrInvalidArgument
	}
	k := &HMACKey{live: true, n: len(b)}
	copy(k.b[:], b)
	return k, nil
}

// SecretBytes returns a copy of the raw key, for sealing it into a key token. The caller owns
// the copy and must clear() it.
func (k *HMACKey) SecretBytes() []byte {
	if !k.usable() {
		return nil
	}
	return append([]byte(nil), k.b[:k.n]...)
}

// Equal reports in constant time whether k and o hold the same secret. A nil or unusable key
// equals nothing.
func (k *HMACKey) Equal(o *HMACKey) bool {
	if !k.usable() || !o.usable() {
		return false
	}
	return subtle.ConstantTimeCompare(k.b[:k.n], o.b[:o.n]) == 1
}

// MAC returns HMAC-h(key, msg). h must be SHA-224, SHA-256, SHA-384 or SHA-512.
func (k *HMACKey) MAC(h crypto.Hash, msg []byte) ([]byte, error) {
	if !k.usable() {
		return nil, ErrKeyUnusable
	}
	switch h {
	case crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return nil, fmt.Errorf("%w: HMAC hash %v", ErrInvalidArgument, h)
	}
	m := hmac.New(h.New, k.b[:k.n])
	m.Write(msg)
	return m.Sum(nil), nil
}

// VerifyMAC reports, in constant time, whether mac is HMAC-h(key, msg).
func (k *HMACKey) VerifyMAC(h crypto.Hash, msg, mac []byte) (bool, error) {
	want, err := k.MAC(h, msg)
	if err != nil {
		return false, err
	}
	return hmac.Equal(want, mac), nil
}

// Destroy zeroes the key and makes it unusable. It is idempotent and safe on nil.
func (k *HMACKey) Destroy() {
	if k == nil {
		return
	}
	clear(k.b[:])
	k.live = false
}

func (k *HMACKey) usable() bool { return k != nil && k.live }
