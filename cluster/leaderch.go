package cluster

import "sync"

// leaderFanout turns raft's single leadership channel into one channel per subscriber. Raft's
// LeaderCh has one buffered slot that raft overwrites, so two readers would steal each other's
// signals; here each subscriber gets its own slot with the same latest-value-wins rule.
type leaderFanout struct {
	mu     sync.Mutex
	subs   []*leaderSub
	closed bool
}

type leaderSub struct {
	ch   chan bool
	last bool // last value offered; an equal value is not offered again
	sent bool // whether anything was queued yet
}

// subscribe returns a channel that first carries the current state (isLeader) and then every
// change.
func (f *leaderFanout) subscribe(isLeader bool) <-chan bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &leaderSub{ch: make(chan bool, 1)}
	if f.closed {
		close(s.ch)
		return s.ch
	}
	s.offer(isLeader)
	f.subs = append(f.subs, s)
	return s.ch
}

// publish offers v to every subscriber.
func (f *leaderFanout) publish(v bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.subs {
		s.offer(v)
	}
}

// offer queues v, replacing an unread older value. Only publish and subscribe send, both under
// the fan-out's lock, so the drain-then-send cannot race with another sender.
func (s *leaderSub) offer(v bool) {
	if s.sent && s.last == v {
		return
	}
	s.sent, s.last = true, v
	select {
	case <-s.ch:
	default:
	}
	s.ch <- v
}

// close offers a final false (a closed node leads nothing) and closes every subscriber's channel;
// later subscribers get a closed channel.
func (f *leaderFanout) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.closed = true
	for _, s := range f.subs {
		s.offer(false)
		close(s.ch)
	}
	f.subs = nil
}
