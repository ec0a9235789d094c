package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Bounded staleness. A node answers API requests only while it can show that its replica is no
// older than max_staleness: it holds a "fresh until" time, moved forward by every read-index
// round (readindex.go) that this node then applied, to the round's start plus max_staleness. A
// round covers every write acknowledged anywhere before it started, so while the clock is before
// "fresh until", the replica reflects every write acknowledged more than max_staleness ago. A
// background loop runs a round every max_staleness/4; linearizable reads and catch-ups confirm
// freshness too.
//
// The API gate (api.Options.Fresh) costs one atomic load and a monotonic clock read when fresh.
// When not, the request waits up to max_staleness for a round to succeed (an election or a
// restart then costs latency, not an error), and otherwise is refused with a retryable error
// (KMS DependencyTimeoutException, S3 ServiceUnavailable, both 503), never with an answer that
// could be wrong: NotFound, AccessDenied, InvalidCiphertext or an unknown access key.
//
// Only the local monotonic clock is used: the bound holds whatever the skew between nodes, and a
// node that was stopped (SIGSTOP, a VM pause) wakes up stale.

// Defaults and limits of the consistency settings.
const (
	defaultMaxStaleness = time.Second
	minMaxStaleness     = 100 * time.Millisecond
	maxMaxStaleness     = time.Minute
	// readConsistencyLinearizable makes KMS metadata reads wait for a read index (api/consistency.go
	// lists them); readConsistencyBounded serves them from the replica within max_staleness.
	readConsistencyLinearizable = "linearizable"
	readConsistencyBounded      = "bounded"
)

// freshness tracks how current this node's replica is known to be. Times are monotonic
// nanoseconds since base; 0 means never.
type freshness struct {
	max  time.Duration
	base time.Time
	// until is when the last confirmation expires; confirmed is when that confirmation's round
	// started (for status and metrics).
	until     atomic.Int64
	confirmed atomic.Int64
	// gapEnd is when the last break in servability (the bound lapsed, or readiness failed)
	// ended: a request admitted before it may have read a stale replica (stillServable).
	gapEnd atomic.Int64
	// notReady is node.ready()'s verdict after the last round: nil when ready. The gate refuses
	// while it is set, so the API serves only while /readyz says 200.
	notReady atomic.Pointer[string]
	lastErr  atomic.Pointer[string] // why the last background round failed, nil if it did not
	kick     chan struct{}

	mu    sync.Mutex
	round chan struct{} // closed when the background round in progress ends
	was   bool          // servable after the previous round, for logging transitions
}

func newFreshness(max time.Duration) *freshness {
	if max <= 0 {
		max = defaultMaxStaleness
	}
	f := &freshness{max: max, base: time.Now(), kick: make(chan struct{}, 1), round: make(chan struct{})}
	never := "no read-index round has completed since start"
	f.notReady.Store(&never)
	return f
}

func (f *freshness) now() int64 { return int64(time.Since(f.base)) }

// confirm records that the replica reflects every write acknowledged before start.
func (f *freshness) confirm(start time.Time) {
	s := int64(start.Sub(f.base))
	for u := f.until.Load(); s+int64(f.max) > u; u = f.until.Load() {
		if f.until.CompareAndSwap(u, s+int64(f.max)) {
			f.confirmed.Store(s)
			if now := f.now(); now >= u {
				f.gapEnd.Store(now) // the bound had lapsed: this confirmation ends a break
			}
			return
		}
	}
}

// fresh reports whether the replica is within the bound now.
func (f *freshness) fresh() bool { return f.now() < f.until.Load() }

// servable returns the time until which a request admitted now may be answered, and whether it
// may be admitted at all.
func (f *freshness) servable() (time.Time, bool) {
	u := f.until.Load()
	if f.now() >= u || f.notReady.Load() != nil {
		return time.Time{}, false
	}
	return f.base.Add(time.Duration(u)), true
}

// stillServable is api.Options.StillFresh: nil if the node is servable now and has been
// without a break since admitted, so that a request admitted then, whatever it read since, read
// a replica within the bound at the time. A break (the bound lapsed, or readiness failed) that
// ended after admitted refuses it: the node may have been paused with the request in flight.
func (f *freshness) stillServable(admitted time.Time) error {
	if _, ok := f.servable(); !ok {
		return f.why()
	}
	if g := f.gapEnd.Load(); g != 0 && f.base.Add(time.Duration(g)).After(admitted) {
		return errors.New("the staleness bound lapsed while the request ran")
	}
	return nil
}

// roundDone returns a channel closed when the background round now running ends.
func (f *freshness) roundDone() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.round
}

// serveGate is api.Options.Fresh: the time until which a request admitted now may be answered,
// or why this node cannot serve. It returns at once when fresh; otherwise it asks the background
// loop for a round and waits at most max_staleness for this node to become servable.
func (n *Node) serveGate(ctx context.Context) (time.Time, error) {
	f := n.fresh
	if u, ok := f.servable(); ok {
		return u, nil
	}
	select {
	case f.kick <- struct{}{}:
	default:
	}
	t := time.NewTimer(f.max)
	defer t.Stop()
	for {
		done := f.roundDone()
		if u, ok := f.servable(); ok {
			return u, nil
		}
		select {
		case <-done:
		case <-t.C:
			return time.Time{}, f.why()
		case <-ctx.Done():
			return time.Time{}, f.why()
		}
	}
}

// why says why the node is not servable now.
func (f *freshness) why() error {
	if r := f.notReady.Load(); r != nil {
		return errors.New(*r)
	}
	return f.staleError()
}

func (f *freshness) staleError() error {
	c := f.confirmed.Load()
	msg := "never confirmed since start"
	if c > 0 {
		msg = "last confirmed " + time.Duration(f.now()-c).Round(time.Millisecond).String() + " ago"
	}
	if e := f.lastErr.Load(); e != nil {
		msg += "; last attempt: " + *e
	}
	return fmt.Errorf("replica not confirmed current within max_staleness %s: %s", f.max, msg)
}

// freshReady is the part of node.ready() this file owns: a leader is known (or this node is it)
// and the replica is within max_staleness.
func (n *Node) freshReady() error {
	st := n.raft.Status()
	if st.State != "Leader" && st.LeaderID == "" {
		return fmt.Errorf("%w: no raft leader (raft state %s)", errNotReady, st.State)
	}
	if !n.fresh.fresh() {
		return fmt.Errorf("%w: %w", errNotReady, n.fresh.staleError())
	}
	return nil
}

// freshnessLoop confirms freshness every max_staleness/4 (sooner when a waiting request kicks
// it) and re-evaluates readiness after each round, until ctx ends.
func (n *Node) freshnessLoop(ctx context.Context) {
	f := n.fresh
	every := f.max / 4
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.kick:
		}
		rctx, cancel := context.WithTimeout(ctx, f.max)
		err := n.catchUp(rctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		f.endRound(n, err)
		t.Reset(every)
	}
}

// endRound publishes a round's outcome and readiness, and wakes the requests waiting for it.
func (f *freshness) endRound(n *Node, err error) {
	if err != nil {
		s := err.Error()
		f.lastErr.Store(&s)
	} else {
		f.lastErr.Store(nil)
	}
	if rerr := n.ready(); rerr != nil {
		s := rerr.Error()
		f.notReady.Store(&s)
	} else if f.notReady.Swap(nil) != nil {
		f.gapEnd.Store(f.now()) // ready again after a break
	}
	_, ok := f.servable()
	f.mu.Lock()
	close(f.round)
	f.round = make(chan struct{})
	was := f.was
	f.was = ok
	f.mu.Unlock()
	switch {
	case was && !ok:
		n.log.Warn("refusing API requests until this node can show its state is current", "reason", f.why().Error())
	case !was && ok:
		n.log.Info("serving API requests", "max_staleness", f.max)
	}
}

// statusFields are the freshness fields of /v1/cluster/status.
func (f *freshness) statusFields(consistency string) (maxMS, agoMS int64, readConsistency string) {
	agoMS = -1
	if c := f.confirmed.Load(); c != 0 {
		agoMS = time.Duration(f.now() - c).Milliseconds()
	}
	if consistency == "" {
		consistency = readConsistencyLinearizable
	}
	return f.max.Milliseconds(), agoMS, consistency
}

// registerFreshnessMetrics exports how current the replica is known to be.
func (n *Node) registerFreshnessMetrics() {
	f := n.fresh
	n.metrics.GaugeFunc("keyhold_state_fresh", "1 if this node's replica is confirmed within max_staleness (the API serves only then).", func() float64 {
		if f.fresh() {
			return 1
		}
		return 0
	})
	n.metrics.GaugeFunc("keyhold_state_confirmed_age_seconds", "Time since the start of the last read-index round this node applied; -1 if none yet.", func() float64 {
		c := f.confirmed.Load()
		if c == 0 {
			return -1
		}
		return time.Duration(f.now() - c).Seconds()
	})
}

// startFreshness starts the loop and its metrics; run on node start.
func (n *Node) startFreshness(ctx context.Context) {
	n.registerFreshnessMetrics()
	n.bg.Add(1)
	go func() { defer n.bg.Done(); n.freshnessLoop(ctx) }()
}

// linearRead is api.Options.LinearRead under read_consistency linearizable: it returns once
// this replica reflects every write acknowledged before the call.
func (n *Node) linearRead() func(context.Context) error {
	if n.cfg.ReadConsistency == readConsistencyBounded {
		return nil
	}
	return n.catchUp
}

// validateConsistency checks the consistency settings of c.
func (c Config) validateConsistency() []error {
	var errs []error
	if c.MaxStaleness < minMaxStaleness || c.MaxStaleness > maxMaxStaleness {
		errs = append(errs, fmt.Errorf("config: max_staleness: %s is outside %s..%s", c.MaxStaleness, minMaxStaleness, maxMaxStaleness))
	}
	switch c.ReadConsistency {
	case readConsistencyLinearizable, readConsistencyBounded:
	default:
		errs = append(errs, fmt.Errorf("config: read_consistency: %q is not %s or %s", c.ReadConsistency, readConsistencyLinearizable, readConsistencyBounded))
	}
	if c.RaftSnapshotThreshold < 0 {
		errs = append(errs, errors.New("config: raft_snapshot_threshold: must not be negative"))
	}
	if c.RaftSnapshotInterval != 0 && c.RaftSnapshotInterval < 10*time.Millisecond {
		errs = append(errs, errors.New("config: raft_snapshot_interval: must be 0 (default) or at least 10ms"))
	}
	return errs
}
