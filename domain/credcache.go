package domain

import (
	"sync"
	"time"
)

// credCache keeps unwrapped secret access keys for a while so that SigV4 verification does not
// call the HSM per request. Like the backing key cache it is bounded and zeroes what it drops.
type credCache struct {
	mu      sync.Mutex
	max     int
	ttl     time.Duration
	entries map[string]credEntry
}

type credEntry struct {
	secret  []byte
	expires time.Time
}

func newCredCache(max int, ttl time.Duration) *credCache {
	return &credCache{max: max, ttl: ttl, entries: make(map[string]credEntry)}
}

// get returns a copy of the cached secret: the caller clears its copy while the cache keeps
// (and eventually clears) its own.
func (c *credCache) get(id string, now time.Time) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok {
		return nil, false
	}
	if now.After(e.expires) {
		clear(e.secret)
		delete(c.entries, id)
		return nil, false
	}
	return append([]byte(nil), e.secret...), true
}

// put stores a copy of secret.
func (c *credCache) put(id string, secret []byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[id]; ok {
		clear(old.secret)
	}
	if len(c.entries) >= c.max {
		// Evict one arbitrary entry: the cache is small and a miss costs one HSM call.
		for k, e := range c.entries {
			clear(e.secret)
			delete(c.entries, k)
			break
		}
	}
	c.entries[id] = credEntry{secret: append([]byte(nil), secret...), expires: now.Add(c.ttl)}
}
