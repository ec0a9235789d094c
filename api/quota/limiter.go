package quota

import (
	"sync"
	"time"
)

// Limiter holds the token buckets of every (account, quota) pair that has been charged. It is
// safe for concurrent use; a charge costs a map lookup and one uncontended mutex per bucket,
// so the data plane does not serialise on one lock.
type Limiter struct {
	cfg Config
	now func() time.Time // monotonic wall clock; replaceable in this package's tests only
	// buckets maps bucketKey to *bucket. Its size is bounded by the number of accounts (created
	// only by a ceremony, and charged only once authenticated) times the closed set of quotas.
	buckets sync.Map
}

type bucketKey struct {
	account string
	quota   Name
}

// bucket is a token bucket: tokens refill at rate per second up to burst.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

// NewLimiter returns a Limiter enforcing cfg, or nil when cfg is not enabled (a nil Limiter
// admits everything). cfg must have passed Validate.
func NewLimiter(cfg Config) *Limiter {
	if !cfg.Enabled {
		return nil
	}
	return &Limiter{cfg: cfg, now: time.Now}
}

// Take spends one request of quota q for account and reports whether it was available. A nil
// Limiter, an empty account or quota, and a quota whose rate is 0 (unlimited) always admit.
func (l *Limiter) Take(account string, q Name) bool {
	if l == nil || account == "" || q == "" {
		return true
	}
	k := bucketKey{account, q}
	v, ok := l.buckets.Load(k)
	if !ok {
		rate := l.cfg.rate(account, q)
		// One second of requests, and at least one request, so that a rate below one per
		// second admits a request every 1/rate seconds rather than none.
		burst := max(rate, 1)
		v, _ = l.buckets.LoadOrStore(k, &bucket{rate: rate, burst: burst, tokens: burst, last: l.now()})
	}
	return v.(*bucket).take(l.now())
}

func (b *bucket) take(now time.Time) bool {
	if b.rate == 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
