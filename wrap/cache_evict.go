package wrap

import "time"

// Eviction, expiry and purging: every way a key leaves the Cache. All run under c.mu.

// insertLocked adds e and evicts least recently used keys beyond the bound.
func (c *Cache) insertLocked(e *cacheEntry) {
	if old, ok := c.entries[e.key]; ok {
		// Unreachable while loads are single-flight; kept so a map entry is never orphaned
		// outside the lists (where it would never be zeroed).
		c.evictLocked(old)
	}
	c.entries[e.key] = e
	c.byID[e.key.ID] = append(c.byID[e.key.ID], e)
	e.lruElem = c.lru.PushFront(e)
	e.ageElem = c.byAge.PushBack(e)
	for len(c.entries) > c.max {
		c.evictLocked(c.lru.Back().Value.(*cacheEntry))
	}
	c.armLocked()
}

// evictLocked removes e from the cache and zeroes its key unless a With call still uses it
// (then the last release does). No new reference can be taken once e leaves the map.
func (c *Cache) evictLocked(e *cacheEntry) {
	delete(c.entries, e.key)
	vs := c.byID[e.key.ID]
	for i, v := range vs {
		if v == e {
			vs[i] = vs[len(vs)-1]
			vs[len(vs)-1] = nil
			vs = vs[:len(vs)-1]
			break
		}
	}
	if len(vs) == 0 {
		delete(c.byID, e.key.ID)
	} else {
		c.byID[e.key.ID] = vs
	}
	c.lru.Remove(e.lruElem)
	c.byAge.Remove(e.ageElem)
	c.evictions.Add(1)
	e.evicted.Store(true)
	if e.refs.Load() == 0 {
		e.destroy()
	}
}

// expireLocked evicts every entry whose TTL has passed. Entries share one TTL, so load order
// is expiry order and only the oldest need checking: O(1) when nothing expired.
func (c *Cache) expireLocked(now time.Time) {
	for f := c.byAge.Front(); f != nil; f = c.byAge.Front() {
		e := f.Value.(*cacheEntry)
		if now.Before(e.expires) {
			return
		}
		c.evictLocked(e)
	}
}

// armLocked schedules a sweep at the oldest entry's expiry, unless one is pending, so that
// keys leave memory on time even when no request comes. The timer keeps the Cache reachable
// only until its entries expire.
func (c *Cache) armLocked() {
	f := c.byAge.Front()
	if c.armed || f == nil {
		return
	}
	c.armed = true
	c.clk.AfterFunc(f.Value.(*cacheEntry).expires.Sub(c.clk.Now()), c.onTimer)
}

// onTimer sweeps expired keys and re-arms for the next one.
func (c *Cache) onTimer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = false
	c.expireLocked(c.clk.Now())
	c.armLocked()
}

// Purge drops and zeroes every cached version of key id, at once for idle keys and at the end
// of their current use for busy ones; a load of any key running concurrently is served but not
// cached. Call it when a key is disabled, scheduled for deletion or deleted.
func (c *Cache) Purge(id KeyID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for _, e := range append([]*cacheEntry(nil), c.byID[id]...) {
		c.evictLocked(e)
	}
}

// PurgeAll drops and zeroes every cached key (for example when the domain key changes hands
// or the node leaves the domain).
func (c *Cache) PurgeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for f := c.byAge.Front(); f != nil; f = c.byAge.Front() {
		c.evictLocked(f.Value.(*cacheEntry))
	}
}

// Stats returns the cache's counters. Expired entries not yet swept are not counted.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	c.expireLocked(c.clk.Now())
	n := len(c.entries)
	c.mu.Unlock()
	return CacheStats{
		Hits:      c.hits.Load(),
		Misses:    c.misses.Load(),
		Loads:     c.loads.Load(),
		Evictions: c.evictions.Load(),
		Entries:   uint64(n),
	}
}
