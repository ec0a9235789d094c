package wrap

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manual clock; AfterFunc records timers, which tests fire by hand.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	f  func()
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = append(c.timers, fakeTimer{c.now.Add(d), f})
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fireDue runs the timers whose time has come, as the runtime would, and returns how many ran.
func (c *fakeClock) fireDue() int {
	c.mu.Lock()
	var due []func()
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			due = append(due, t.f)
		} else {
			kept = append(kept, t)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
	return len(due)
}

func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// keyBytes is the deterministic secret the test loader returns for ck: never all zero, so a
// zeroed key is always detectable.
func keyBytes(ck CacheKey) [BackingKeySize]byte {
	var b [BackingKeySize]byte
	for i := range b {
		b[i] = ck.ID[i%KeyIDSize] ^ byte(ck.Version) ^ byte(i) | 0x01
	}
	return b
}

// loader counts loads and remembers every key it handed out.
type loader struct {
	mu   sync.Mutex
	n    int
	keys []*BackingKey
}

func (l *loader) load(ck CacheKey) func() (*BackingKey, error) {
	return func() (*BackingKey, error) {
		b := keyBytes(ck)
		k, err := BackingKeyFromBytes(b[:])
		l.mu.Lock()
		l.n++
		l.keys = append(l.keys, k)
		l.mu.Unlock()
		return k, err
	}
}

func (l *loader) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func isZero(k *BackingKey) bool { return k.b == [BackingKeySize]byte{} }

// use runs With and returns the key fn saw, failing if it was not the expected secret.
func use(t *testing.T, c *Cache, l *loader, ck CacheKey) *BackingKey {
	t.Helper()
	var seen *BackingKey
	err := c.With(ck, l.load(ck), func(k *BackingKey) error {
		if k.b != keyBytes(ck) {
			return fmt.Errorf("fn saw %x, want the key of %v", k.b, ck)
		}
		seen = k
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return seen
}

func ck(n byte, v uint32) CacheKey { return CacheKey{ID: KeyID{0: n, 15: 0xee}, Version: v} }

func TestCacheHitAndMiss(t *testing.T) {
	c := newCacheWithClock(10, time.Minute, newFakeClock())
	var l loader
	a := use(t, c, &l, ck(1, 1))
	b := use(t, c, &l, ck(1, 1))
	if a != b || l.count() != 1 {
		t.Errorf("second With: got %d loads (same key %v), want 1 load and the same key", l.count(), a == b)
	}
	use(t, c, &l, ck(1, 2)) // another version is another entry
	want := CacheStats{Hits: 1, Misses: 2, Loads: 2, Evictions: 0, Entries: 2}
	if got := c.Stats(); got != want {
		t.Errorf("Stats: got %+v, want %+v", got, want)
	}
}

func TestCacheTTL(t *testing.T) {
	clk := newFakeClock()
	c := newCacheWithClock(10, time.Minute, clk)
	var l loader
	first := use(t, c, &l, ck(1, 1))
	clk.advance(time.Minute - time.Nanosecond)
	if use(t, c, &l, ck(1, 1)) != first || l.count() != 1 {
		t.Fatalf("just before the TTL: got %d loads, want 1", l.count())
	}
	clk.advance(time.Nanosecond)
	second := use(t, c, &l, ck(1, 1))
	if second == first || l.count() != 2 {
		t.Errorf("at the TTL: got %d loads, want 2 (a fresh key)", l.count())
	}
	if !isZero(first) {
		t.Errorf("expired key: got %x, want zeros", first.b)
	}
	if s := c.Stats(); s.Evictions != 1 || s.Entries != 1 {
		t.Errorf("Stats: got %+v, want 1 eviction, 1 entry", s)
	}
}

func TestCacheTTLNotExtendedByUse(t *testing.T) {
	clk := newFakeClock()
	c := newCacheWithClock(10, time.Minute, clk)
	var l loader
	for range 4 {
		use(t, c, &l, ck(1, 1))
		clk.advance(20 * time.Second)
	}
	if l.count() != 2 {
		t.Errorf("loads over 80s of steady use with a 60s TTL: got %d, want 2", l.count())
	}
}

func TestCacheTimerSweepsIdleKeys(t *testing.T) {
	clk := newFakeClock()
	c := newCacheWithClock(10, time.Minute, clk)
	var l loader
	a := use(t, c, &l, ck(1, 1))
	clk.advance(30 * time.Second)
	b := use(t, c, &l, ck(2, 1))
	if n := clk.pending(); n != 1 {
		t.Fatalf("timers pending: got %d, want 1", n)
	}
	clk.advance(30 * time.Second) // a expires now; no request comes
	if n := clk.fireDue(); n != 1 {
		t.Fatalf("timers fired: got %d, want 1", n)
	}
	if !isZero(a) || isZero(b) {
		t.Errorf("after the first expiry: a zero=%v b zero=%v, want true, false", isZero(a), isZero(b))
	}
	if n := clk.pending(); n != 1 {
		t.Fatalf("re-armed timers: got %d, want 1 (for b)", n)
	}
	clk.advance(30 * time.Second)
	clk.fireDue()
	if !isZero(b) || c.Stats().Entries != 0 {
		t.Errorf("after the second expiry: b zero=%v, entries %d, want true, 0", isZero(b), c.Stats().Entries)
	}
	if n := clk.pending(); n != 0 {
		t.Errorf("timers pending on an empty cache: got %d, want 0", n)
	}
}

func TestCacheEarlyTimerRearms(t *testing.T) {
	clk := newFakeClock()
	c := newCacheWithClock(10, time.Minute, clk)
	var l loader
	a := use(t, c, &l, ck(1, 1))
	c.onTimer() // fires early (e.g. after a PurgeAll and a new entry): nothing expires
	if isZero(a) || clk.pending() != 2 {
		t.Errorf("early timer: a zero=%v, pending %d, want false, 2", isZero(a), clk.pending())
	}
}

func TestCacheSizeBoundLRU(t *testing.T) {
	c := newCacheWithClock(2, time.Hour, newFakeClock())
	var l loader
	k1 := use(t, c, &l, ck(1, 1))
	k2 := use(t, c, &l, ck(2, 1))
	use(t, c, &l, ck(1, 1)) // 1 is now more recent than 2
	k3 := use(t, c, &l, ck(3, 1))
	if s := c.Stats(); s.Entries != 2 || s.Evictions != 1 {
		t.Fatalf("Stats: got %+v, want 2 entries, 1 eviction", s)
	}
	if isZero(k1) || !isZero(k2) || isZero(k3) {
		t.Errorf("zeroed: k1 %v k2 %v k3 %v, want false true false (k2 least recently used)", isZero(k1), isZero(k2), isZero(k3))
	}
	before := l.count()
	use(t, c, &l, ck(1, 1))
	use(t, c, &l, ck(3, 1))
	if l.count() != before {
		t.Errorf("k1 and k3 should still be cached: got %d more loads", l.count()-before)
	}
}

func TestCacheZeroesOnlyAfterRelease(t *testing.T) {
	tests := []struct {
		name  string
		evict func(c *Cache, clk *fakeClock, l *loader)
	}{
		{"purge", func(c *Cache, _ *fakeClock, _ *loader) { c.Purge(ck(1, 1).ID) }},
		{"purge all", func(c *Cache, _ *fakeClock, _ *loader) { c.PurgeAll() }},
		{"expiry", func(c *Cache, clk *fakeClock, _ *loader) { clk.advance(time.Hour); clk.fireDue() }},
		{"size", func(c *Cache, _ *fakeClock, l *loader) {
			_ = c.With(ck(2, 1), l.load(ck(2, 1)), func(*BackingKey) error { return nil })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			c := newCacheWithClock(1, time.Hour, clk)
			var l loader
			var held *BackingKey
			err := c.With(ck(1, 1), l.load(ck(1, 1)), func(k *BackingKey) error {
				held = k
				tt.evict(c, clk, &l)
				if c.Stats().Evictions != 1 {
					return errors.New("no eviction happened")
				}
				if k.b != keyBytes(ck(1, 1)) {
					return errors.New("key zeroed while fn still uses it")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !isZero(held) {
				t.Errorf("after release: got %x, want zeros", held.b)
			}
		})
	}
}

func TestCachePurge(t *testing.T) {
	c := newCacheWithClock(10, time.Hour, newFakeClock())
	var l loader
	a1, a2, b1 := use(t, c, &l, ck(1, 1)), use(t, c, &l, ck(1, 2)), use(t, c, &l, ck(2, 1))
	c.Purge(ck(1, 0).ID)
	if !isZero(a1) || !isZero(a2) || isZero(b1) {
		t.Errorf("after Purge(1): zero a1 %v a2 %v b1 %v, want true true false", isZero(a1), isZero(a2), isZero(b1))
	}
	if s := c.Stats(); s.Entries != 1 || s.Evictions != 2 {
		t.Errorf("Stats: got %+v, want 1 entry, 2 evictions", s)
	}
	c.Purge(ck(9, 0).ID) // absent: no-op
	c.PurgeAll()
	if !isZero(b1) || c.Stats().Entries != 0 {
		t.Errorf("after PurgeAll: b1 zero %v, entries %d", isZero(b1), c.Stats().Entries)
	}
	use(t, c, &l, ck(1, 1)) // usable again afterwards
	if l.count() != 4 {
		t.Errorf("loads: got %d, want 4", l.count())
	}
}

func TestCachePurgeDuringLoadIsNotCached(t *testing.T) {
	c := newCacheWithClock(10, time.Hour, newFakeClock())
	var l loader
	var got *BackingKey
	err := c.With(ck(1, 1), func() (*BackingKey, error) {
		c.Purge(ck(1, 1).ID) // the key is disabled while the HSM unwraps it
		return l.load(ck(1, 1))()
	}, func(k *BackingKey) error { got = k; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !isZero(got) || c.Stats().Entries != 0 {
		t.Errorf("load straddling a Purge: zero %v, entries %d, want true, 0", isZero(got), c.Stats().Entries)
	}
}

func TestCacheNilKeyFromLoad(t *testing.T) {
	for _, c := range []*Cache{newCacheWithClock(10, time.Hour, newFakeClock()), NewCache(0, 0)} {
		err := c.With(ck(1, 1), func() (*BackingKey, error) { return nil, nil }, func(*BackingKey) error { return nil })
		if !errors.Is(err, errNilKey) {
			t.Errorf("got %v, want errNilKey", err)
		}
	}
}

func TestCacheFnErrorAndPanicRelease(t *testing.T) {
	c := newCacheWithClock(10, time.Hour, newFakeClock())
	var l loader
	errFn := errors.New("fn failed")
	var held *BackingKey
	if err := c.With(ck(1, 1), l.load(ck(1, 1)), func(k *BackingKey) error { held = k; return errFn }); !errors.Is(err, errFn) {
		t.Errorf("got %v, want fn's error", err)
	}
	func() {
		defer func() { _ = recover() }()
		_ = c.With(ck(1, 1), l.load(ck(1, 1)), func(*BackingKey) error { panic("fn") })
	}()
	c.PurgeAll()
	if !isZero(held) {
		t.Error("key not zeroed on purge: a panicking fn leaked its reference")
	}
}

func TestCacheDisabled(t *testing.T) {
	for _, c := range []*Cache{NewCache(0, time.Minute), NewCache(10, 0), NewCache(-1, -time.Second)} {
		var l loader
		a := use(t, c, &l, ck(1, 1))
		use(t, c, &l, ck(1, 1))
		if l.count() != 2 || !isZero(a) {
			t.Errorf("disabled cache: got %d loads, key zeroed %v, want 2, true", l.count(), isZero(a))
		}
		want := CacheStats{Misses: 2, Loads: 2}
		if s := c.Stats(); s != want {
			t.Errorf("Stats: got %+v, want %+v", s, want)
		}
		c.Purge(ck(1, 1).ID)
		c.PurgeAll()
		errLoad := errors.New("load")
		if err := c.With(ck(1, 1), func() (*BackingKey, error) { return nil, errLoad }, nil); !errors.Is(err, errLoad) {
			t.Errorf("load error: got %v", err)
		}
	}
}

func TestNewCacheRealClock(t *testing.T) {
	c := NewCache(4, time.Hour)
	var l loader
	use(t, c, &l, ck(1, 1))
	use(t, c, &l, ck(1, 1))
	if s := c.Stats(); s.Hits != 1 || s.Entries != 1 {
		t.Errorf("Stats: got %+v", s)
	}
	c.PurgeAll()
}
