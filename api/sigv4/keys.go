package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"sync"
)

// signingKeyCacheSize bounds the cache: one entry per access key, day, region and service.
const signingKeyCacheSize = 1024

// signingKeyCache keeps derived SigV4 signing keys so that a request costs one HMAC, not five.
// An entry is keyed by access key id and scope and remembers a SHA-256 of the secret it was
// derived from, so a rotated secret misses instead of verifying with the old key. Entries are
// zeroed when evicted. The cache is a trade-off: at most signingKeyCacheSize day-scoped keys sit
// in memory in exchange for four HMACs per request.
type signingKeyCache struct {
	mu sync.Mutex
	m  map[signingKeyID]*signingKeyEntry
}

type signingKeyID struct{ accessKeyID, date, region, service string }

type signingKeyEntry struct {
	secretSum [32]byte
	key       [32]byte
}

// signingKey returns the SigV4 signing key for secret and scope, derived or cached.
func (c *signingKeyCache) signingKey(accessKeyID string, secret []byte, date, region, service string) [32]byte {
	sum := sha256.Sum256(secret)
	id := signingKeyID{accessKeyID, date, region, service}
	c.mu.Lock()
	if e, ok := c.m[id]; ok && hmac.Equal(e.secretSum[:], sum[:]) {
		k := e.key
		c.mu.Unlock()
		return k
	}
	c.mu.Unlock()

	k := deriveSigningKey(secret, date, region, service)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[signingKeyID]*signingKeyEntry)
	}
	if old, ok := c.m[id]; ok {
		clear(old.key[:])
		delete(c.m, id)
	}
	for len(c.m) >= signingKeyCacheSize {
		// Evict an arbitrary entry: old dates age out because they are never hit again.
		for oid, old := range c.m {
			clear(old.key[:])
			delete(c.m, oid)
			break
		}
	}
	c.m[id] = &signingKeyEntry{secretSum: sum, key: k}
	return k
}

// deriveSigningKey is SigV4's HMAC chain: "AWS4"+secret, then date, region, service, aws4_request.
func deriveSigningKey(secret []byte, date, region, service string) [32]byte {
	seed := make([]byte, 0, 4+len(secret))
	seed = append(append(seed, "AWS4"...), secret...)
	var k [32]byte
	step := func(key []byte, msg string) {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		m.Sum(k[:0])
	}
	step(seed, date)
	clear(seed)
	step(k[:], region)
	step(k[:], service)
	step(k[:], "aws4_request")
	return k
}
