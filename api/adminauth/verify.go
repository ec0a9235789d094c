package adminauth

import (
	"crypto/ed25519"
	"net/http"
	"sync"
	"time"
)

// MaxSkew is how far a request's time may be from the server's clock, either way.
const MaxSkew = 5 * time.Minute

// MaxNonces bounds the replay cache: at most this many accepted requests per 2*MaxSkew. Admin
// calls are human-paced; a full cache refuses requests (fail closed) instead of forgetting.
const MaxNonces = 100000

// Verifier checks signed admin requests. It is safe for concurrent use; one Verifier per
// listener, so that its replay cache sees every request the listener accepted.
type Verifier struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu   sync.Mutex
	seen map[nonceKey]time.Time // accepted (key, nonce) -> when it may be forgotten
}

type nonceKey struct {
	key   [ed25519.PublicKeySize]byte
	nonce [16]byte
}

// Verify authenticates r, whose body the caller has read into body: a well-formed header, a
// time within MaxSkew, a valid signature over the request, a signer that allowed accepts, and a
// nonce not seen before. It returns the signer's public key, or an error wrapping one of the
// package's sentinels.
func (v *Verifier) Verify(r *http.Request, body []byte, allowed func(ed25519.PublicKey) bool) (ed25519.PublicKey, error) {
	hs := r.Header.Values("Authorization")
	if len(hs) == 0 {
		return nil, ErrMissing
	}
	if len(hs) != 1 {
		return nil, ErrMalformed
	}
	a, err := ParseHeader(hs[0])
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	t := time.Unix(a.Time, 0)
	if t.Before(now.Add(-MaxSkew)) || t.After(now.Add(MaxSkew)) {
		return nil, ErrStale
	}
	msg := StringToSign(r.Method, r.Host, r.URL.EscapedPath(), r.URL.RawQuery, a.Time, a.Nonce, body)
	if !ed25519.Verify(a.Key, msg, a.Sig) {
		return nil, ErrBadSignature
	}
	if !allowed(a.Key) {
		return nil, ErrNotAllowed
	}
	if err := v.remember(a, now); err != nil {
		return nil, err
	}
	return a.Key, nil
}

// remember records (key, nonce) until the request's time can no longer pass the skew check,
// refusing one it holds already.
func (v *Verifier) remember(a *Auth, now time.Time) error {
	var k nonceKey
	copy(k.key[:], a.Key)
	k.nonce = a.Nonce
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen == nil {
		v.seen = map[nonceKey]time.Time{}
	}
	if _, ok := v.seen[k]; ok {
		return ErrReplay
	}
	if len(v.seen) >= MaxNonces {
		for nk, until := range v.seen {
			if now.After(until) {
				delete(v.seen, nk)
			}
		}
		if len(v.seen) >= MaxNonces {
			return ErrReplay
		}
	}
	// The request's own time plus the skew is the last moment it could pass the time check.
	v.seen[k] = time.Unix(a.Time, 0).Add(MaxSkew)
	return nil
}
