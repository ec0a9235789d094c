package wrap

import (
	"container/list"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// CacheKey names one CMK version's secret in a Cache: a backing key, a private key or an HMAC
// key. A CMK version has exactly one secret, so the id and version alone name it.
type CacheKey struct {
	ID      KeyID
	Version uint32
}

// CacheStats are a Cache's counters, for metrics. All but Entries only grow.
type CacheStats struct {
	// Hits are With calls served by a cached key.
	Hits uint64
	// Misses are With calls that found no usable key (each either loaded or waited for a
	// concurrent load of the same key).
	Misses uint64
	// Loads are load calls made: with an HSM-backed load, the HSM unwraps.
	Loads uint64
	// Evictions are keys dropped from the cache: by the size bound, by TTL, or by Purge.
	Evictions uint64
	// Entries is the number of keys cached now.
	Entries uint64
}

// Cache holds unwrapped backing keys so that the data plane makes no HSM call per request
// (DESIGN invariant 5). It is the trade-off between exposure and HSM work: at most maxEntries
// keys sit in memory, each for at most ttl after it was loaded (the TTL is not extended by
// use, so a hot key is still re-unwrapped once per ttl, and a purged or rotated-away key
// leaves memory within ttl even if nothing purges it). Eviction is least recently used.
//
// An evicted key is zeroed as soon as no With call is using it: a reference count, not a
// lock, guards keys while fn runs, so a concurrent request never sees a zeroed key. Expired
// keys are dropped on the next call and by a timer, so an idle node does not keep them.
//
// Concurrent misses for one key are single-flight: one load (one HSM call) serves them all.
// A Cache is safe for concurrent use.
type Cache struct {
	max int
	ttl time.Duration
	clk clock

	mu       sync.Mutex
	entries  map[CacheKey]*cacheEntry
	byID     map[KeyID][]*cacheEntry
	lru      *list.List // of *cacheEntry, most recently used first
	byAge    *list.List // of *cacheEntry, oldest (first to expire) first
	inflight map[CacheKey]*loadCall
	epoch    uint64 // bumped by Purge/PurgeAll; a load that straddles one is not cached
	armed    bool   // an expiry timer is pending

	hits, misses, loads, evictions atomic.Uint64
}

// cacheEntry is one cached key. refs counts the With calls using it (plus nothing for the
// cache itself): the key is destroyed once it is evicted and refs is zero.
type cacheEntry struct {
	key       CacheKey
	sec       secret
	expires   time.Time
	lruElem   *list.Element
	ageElem   *list.Element
	refs      atomic.Int32
	evicted   atomic.Bool
	destroyed atomic.Bool
}

// loadCall is a load in flight; waiters block on done. On success ent already counts one
// reference per waiter, so the key cannot be zeroed between the load and their use.
type loadCall struct {
	done    chan struct{}
	waiters int32
	ent     *cacheEntry
	err     error
}

// clock is the Cache's time source, injected by tests.
type clock interface {
	Now() time.Time
	// AfterFunc runs f in its own goroutine after d.
	AfterFunc(d time.Duration, f func())
}

type realClock struct{}

func (realClock) Now() time.Time                      { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) { time.AfterFunc(d, f) }

// errNilKey is returned by With when load returns neither a key nor an error.
var errNilKey = errors.New("wrap: cache load returned no key")

// errKindMismatch is returned when a CacheKey cached as one kind of secret is asked for as
// another: a caller's bug (a CMK version has one secret), refused rather than mis-typed.
var errKindMismatch = errors.New("wrap: cached secret is of another kind")

// secret is what a Cache holds: key material that Destroy zeroes. *BackingKey, *PrivateKey
// and *HMACKey implement it; all share one bound and one TTL, so the exposure budget
// (entries × TTL) covers every kind of secret at once.
type secret interface{ Destroy() }

// NewCache returns a cache of at most maxEntries keys, each kept at most ttl. A ttl <= 0 or
// maxEntries <= 0 disables caching: every With loads, and destroys the key after fn.
func NewCache(maxEntries int, ttl time.Duration) *Cache {
	return newCacheWithClock(maxEntries, ttl, realClock{})
}

func newCacheWithClock(maxEntries int, ttl time.Duration, clk clock) *Cache {
	if maxEntries <= 0 || ttl <= 0 {
		maxEntries, ttl = 0, 0
	}
	return &Cache{
		max:      maxEntries,
		ttl:      ttl,
		clk:      clk,
		entries:  make(map[CacheKey]*cacheEntry),
		byID:     make(map[KeyID][]*cacheEntry),
		lru:      list.New(),
		byAge:    list.New(),
		inflight: make(map[CacheKey]*loadCall),
	}
}

// With runs fn with the backing key k names: the cached key, or one that load returns (at most
// one load runs per key at a time; concurrent callers wait for it and share its result, error
// included). Errors from load are not cached.
//
// Contracts: load returns a key the cache then owns (it destroys it on eviction); fn must not
// keep the key, or anything aliasing its bytes, after it returns. With returns load's or fn's
// error.
func (c *Cache) With(k CacheKey, load func() (*BackingKey, error), fn func(*BackingKey) error) error {
	return withSecret(c, k, load, fn)
}

// WithPrivateKey is With for an asymmetric CMK version's private key, under the same bound,
// TTL and zeroing rules.
func (c *Cache) WithPrivateKey(k CacheKey, load func() (*PrivateKey, error), fn func(*PrivateKey) error) error {
	return withSecret(c, k, load, fn)
}

// WithHMACKey is With for an HMAC CMK version's key, under the same bound, TTL and zeroing
// rules.
func (c *Cache) WithHMACKey(k CacheKey, load func() (*HMACKey, error), fn func(*HMACKey) error) error {
	return withSecret(c, k, load, fn)
}

// withSecret is the body of With and its typed siblings. A nil *T from load is "no key".
func withSecret[T interface {
	*BackingKey | *PrivateKey | *HMACKey
	secret
}](c *Cache, k CacheKey, load func() (T, error), fn func(T) error) error {
	loadSecret := func() (secret, error) {
		v, err := load()
		if v == nil {
			return nil, err
		}
		return v, err
	}
	if c.max == 0 {
		c.misses.Add(1)
		c.loads.Add(1)
		sec, err := loadSecret()
		if err != nil {
			if sec != nil {
				sec.Destroy() // a load that fails must not leave a key behind
			}
			return err
		}
		if sec == nil {
			return errNilKey
		}
		defer sec.Destroy()
		return fn(sec.(T))
	}
	e, err := c.acquire(k, loadSecret)
	if err != nil {
		return err
	}
	defer c.release(e)
	v, ok := e.sec.(T)
	if !ok {
		return errKindMismatch
	}
	return fn(v)
}

// acquire returns k's entry with one reference taken for the caller.
func (c *Cache) acquire(k CacheKey, load func() (secret, error)) (*cacheEntry, error) {
	c.mu.Lock()
	now := c.clk.Now()
	c.expireLocked(now)
	if e, ok := c.entries[k]; ok {
		// expireLocked dropped every expired entry, so e is fresh.
		e.refs.Add(1)
		c.lru.MoveToFront(e.lruElem)
		c.mu.Unlock()
		c.hits.Add(1)
		return e, nil
	}
	c.misses.Add(1)
	if call, ok := c.inflight[k]; ok {
		call.waiters++
		c.mu.Unlock()
		<-call.done
		return call.ent, call.err
	}
	call := &loadCall{done: make(chan struct{})}
	c.inflight[k] = call
	epoch := c.epoch
	c.mu.Unlock()

	c.loads.Add(1)
	sec, err := c.runLoad(k, call, load)
	if err != nil {
		return nil, err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.inflight, k)
	e := &cacheEntry{key: k, sec: sec, expires: c.clk.Now().Add(c.ttl)}
	e.refs.Store(1 + call.waiters)
	call.ent = e
	if epoch != c.epoch {
		// A Purge ran during the load: the key may be disabled or deleted by now, so serve
		// this request and its waiters but do not cache it.
		e.evicted.Store(true)
	} else {
		c.insertLocked(e)
	}
	close(call.done)
	return e, nil
}

// runLoad calls load and settles call on failure, even if load panics (waiters must not hang).
func (c *Cache) runLoad(k CacheKey, call *loadCall, load func() (secret, error)) (sec secret, err error) {
	settled := false
	defer func() {
		if settled {
			return
		}
		if err == nil {
			err = errors.New("wrap: cache load panicked")
		}
		c.mu.Lock()
		delete(c.inflight, k)
		call.err = err
		c.mu.Unlock()
		close(call.done)
	}()
	sec, err = load()
	if err != nil {
		if sec != nil {
			sec.Destroy() // a load that fails must not leave a key behind
		}
		return nil, err
	}
	if sec == nil {
		return nil, errNilKey
	}
	settled = true // success is settled by acquire, which inserts the entry first
	return sec, nil
}

// release drops one reference, zeroing the key if it was evicted and this was the last user.
func (c *Cache) release(e *cacheEntry) {
	if e.refs.Add(-1) == 0 && e.evicted.Load() {
		e.destroy()
	}
}

// destroy zeroes the key exactly once, however release and eviction interleave.
func (e *cacheEntry) destroy() {
	if e.destroyed.CompareAndSwap(false, true) {
		e.sec.Destroy()
	}
}
