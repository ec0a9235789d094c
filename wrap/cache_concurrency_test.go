package wrap

import (
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCacheSingleFlight(t *testing.T) {
	c := newCacheWithClock(10, time.Hour, newFakeClock())
	const n = 100
	var loads atomic.Int32
	release := make(chan struct{})
	load := func() (*BackingKey, error) {
		loads.Add(1)
		<-release
		b := keyBytes(ck(1, 1))
		return BackingKeyFromBytes(b[:])
	}
	var wg sync.WaitGroup
	seen := make([]*BackingKey, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = c.With(ck(1, 1), load, func(k *BackingKey) error {
				if k.b != keyBytes(ck(1, 1)) {
					return errors.New("zeroed key")
				}
				seen[i] = k
				return nil
			})
		})
	}
	waitFor(t, func() bool { return waiters(c, ck(1, 1)) == n-1 })
	close(release)
	wg.Wait()
	if got := loads.Load(); got != 1 {
		t.Errorf("loads: got %d, want 1", got)
	}
	for i := range n {
		if errs[i] != nil || seen[i] != seen[0] {
			t.Fatalf("caller %d: got %v (same key %v), want nil and the shared key", i, errs[i], seen[i] == seen[0])
		}
	}
	if s := c.Stats(); s.Misses != n || s.Loads != 1 || s.Entries != 1 {
		t.Errorf("Stats: got %+v, want %d misses, 1 load, 1 entry", s, n)
	}
	// Every waiter's reference was released: a purge zeroes the key at once.
	c.PurgeAll()
	if !isZero(seen[0]) {
		t.Error("key still set after PurgeAll: a reference leaked")
	}
}

// waiters is the number of callers waiting on k's in-flight load.
func waiters(c *Cache, k CacheKey) int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if call, ok := c.inflight[k]; ok {
		return call.waiters
	}
	return -1
}

// waitFor polls cond until it holds or a deadline passes (no sleeps as synchronisation).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before the deadline")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCacheLoadErrorIsSharedNotCached(t *testing.T) {
	c := newCacheWithClock(10, time.Hour, newFakeClock())
	hsmDown := errors.New("hsm: token not present")
	release := make(chan struct{})
	load := func() (*BackingKey, error) { <-release; return nil, hsmDown }
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			errs[i] = c.With(ck(1, 1), load, func(*BackingKey) error { return nil })
		})
	}
	waitFor(t, func() bool { return waiters(c, ck(1, 1)) == 9 })
	close(release)
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, hsmDown) {
			t.Errorf("caller %d: got %v, want the load's error", i, err)
		}
	}
	var l loader
	use(t, c, &l, ck(1, 1))
	if l.count() != 1 {
		t.Errorf("after a failed load: got %d loads, want 1 (errors are not cached)", l.count())
	}
}

func TestCacheLoadErrorDestroysKey(t *testing.T) {
	for _, c := range []*Cache{newCacheWithClock(10, time.Hour, newFakeClock()), NewCache(0, 0)} {
		k, _ := BackingKeyFromBytes(make([]byte, BackingKeySize))
		k.b[0] = 1
		errLoad := errors.New("half-done load")
		err := c.With(ck(1, 1), func() (*BackingKey, error) { return k, errLoad }, func(*BackingKey) error { return nil })
		if !errors.Is(err, errLoad) || !isZero(k) {
			t.Errorf("got %v, zeroed %v, want the load error and a zeroed key", err, isZero(k))
		}
	}
}

func TestCacheLoadPanicReleasesWaiters(t *testing.T) {
	c := newCacheWithClock(10, time.Hour, newFakeClock())
	release := make(chan struct{})
	recovered := make(chan any)
	go func() {
		defer func() { recovered <- recover() }()
		_ = c.With(ck(1, 1), func() (*BackingKey, error) { <-release; panic("boom") }, func(*BackingKey) error { return nil })
	}()
	waitFor(t, func() bool { return waiters(c, ck(1, 1)) == 0 }) // the load is in flight
	waiterErr := make(chan error)
	go func() {
		waiterErr <- c.With(ck(1, 1), nil, func(*BackingKey) error { return nil })
	}()
	waitFor(t, func() bool { return waiters(c, ck(1, 1)) == 1 })
	close(release)
	if r := <-recovered; r != "boom" {
		t.Errorf("loader's caller recovered %v, want the load's panic re-raised", r)
	}
	if err := <-waiterErr; err == nil {
		t.Error("waiter of a panicking load: got nil, want an error")
	}
	var l loader
	use(t, c, &l, ck(1, 1)) // the key is loadable again
}

// TestCacheConcurrentNeverSeesZeroedKey hammers a small cache from many goroutines while keys
// are evicted by size, expiry and purges; every fn checks its key is intact. Run with -race.
func TestCacheConcurrentNeverSeesZeroedKey(t *testing.T) {
	clk := newFakeClock()
	c := newCacheWithClock(3, time.Second, clk)
	var l loader
	var bad atomic.Int32
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 2000 {
				k := ck(byte(r.IntN(6)), uint32(r.IntN(2)))
				switch r.IntN(50) {
				case 0:
					c.Purge(k.ID)
				case 1:
					clk.advance(300 * time.Millisecond)
					clk.fireDue()
				case 2:
					c.PurgeAll()
				}
				err := c.With(k, l.load(k), func(bk *BackingKey) error {
					for range 3 {
						if bk.b != keyBytes(k) {
							bad.Add(1)
						}
					}
					return nil
				})
				if err != nil {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := bad.Load(); n != 0 {
		t.Fatalf("%d uses saw a zeroed or wrong key", n)
	}
	c.PurgeAll()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, k := range l.keys {
		if !isZero(k) {
			t.Fatalf("key %d of %d not zeroed after PurgeAll", i, len(l.keys))
		}
	}
	if s := c.Stats(); s.Entries != 0 || s.Hits+s.Misses != 16000 {
		t.Errorf("Stats: got %+v, want 0 entries and 16000 calls", s)
	}
}
