package node

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/keyhold/keyhold/cluster"
)

// A read index is an index that covers every write acknowledged anywhere before it was asked
// for: once this node has applied it, its replica reflects all of them. The leader makes one
// from its commit index confirmed by a heartbeat round (cluster.Node.ReadIndex: no log entry),
// so it answers only while it still leads; a follower asks the leader over the peer API. Three things use it:
//
//   - freshness.go: a background round every max_staleness/4 keeps the "fresh until" time that
//     gates the API (bounded staleness);
//   - linearizable reads (read_consistency linearizable) wait for a round that started after
//     the request arrived;
//   - catchUp, before the key service answers that a key or alias does not exist: a key created
//     through another node is usable here as soon as CreateKey returned there.
//
// Rounds are shared: a caller joins the next round to start, never one already in flight (which
// may have been asked before the caller's request arrived, and so might miss a write the caller
// saw acknowledged), and every caller waiting on it gets its answer. However many reads arrive,
// a node makes at most one read-index request at a time, so linearizable reads cost one leader
// round trip per batch, not per read.

// readRoundTimeout bounds one round; a caller that needs longer joins the next.
const readRoundTimeout = 2 * time.Second

// readRound is one read-index request and its outcome, published by closing done.
type readRound struct {
	done chan struct{}
	// start is when the round was asked: index covers every write acknowledged before it.
	start time.Time
	index uint64
	err   error
}

// readRounds coalesces read-index requests into rounds.
type readRounds struct {
	mu      sync.Mutex
	running bool
	next    *readRound // the round new callers join; it starts when the running one ends
}

// join waits for the next round to start after the call and returns it (its err set on
// failure), or ctx's error.
func (n *Node) joinReadRound(ctx context.Context) (*readRound, error) {
	rr := &n.reads
	rr.mu.Lock()
	if rr.next == nil {
		rr.next = &readRound{done: make(chan struct{})}
	}
	r := rr.next
	if !rr.running {
		rr.running = true
		go n.runReadRounds()
	}
	rr.mu.Unlock()
	select {
	case <-r.done:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// runReadRounds runs rounds back to back while callers wait for one.
func (n *Node) runReadRounds() {
	rr := &n.reads
	for {
		rr.mu.Lock()
		r := rr.next
		rr.next = nil
		if r == nil {
			rr.running = false
			rr.mu.Unlock()
			return
		}
		rr.mu.Unlock()
		r.start = time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), readRoundTimeout)
		r.index, r.err = n.askReadIndex(ctx)
		cancel()
		close(r.done)
	}
}

// askReadIndex makes one read-index request: to raft if this node leads, else to the leader.
func (n *Node) askReadIndex(ctx context.Context) (uint64, error) {
	st := n.raft.Status()
	switch {
	case st.State == "Leader":
		return n.raft.ReadIndex(ctx)
	case st.LeaderAddr != "":
		var out readIndexResponse
		if err := n.peerCall(ctx, st.LeaderAddr, http.MethodPost, peerPathReadIndex, nil, &out); err != nil {
			return 0, err
		}
		return out.Index, nil
	default:
		return 0, fmt.Errorf("%w (raft state %s)", cluster.ErrNotLeader, st.State)
	}
}

// leaderReadIndex answers a peer's read-index request. Only the leader answers, so that two
// nodes that each think the other leads cannot pass requests back and forth.
func (n *Node) leaderReadIndex(ctx context.Context) (uint64, error) {
	if !n.raft.IsLeader() {
		return 0, &cluster.NotLeaderError{LeaderAddr: n.raft.Status().LeaderAddr}
	}
	r, err := n.joinReadRound(ctx)
	if err != nil {
		return 0, err
	}
	return r.index, r.err
}

// readIndex returns a read index asked for after the call, and when it was asked, retrying
// (an election may be running) until ctx ends.
func (n *Node) readIndex(ctx context.Context) (uint64, time.Time, error) {
	var last error
	for wait := retryMin; ; wait = min(2*wait, retryMax) {
		r, err := n.joinReadRound(ctx)
		if err != nil {
			if last != nil {
				err = fmt.Errorf("%w (last attempt: %v)", err, last)
			}
			return 0, time.Time{}, fmt.Errorf("keyhold: read index: %w", err)
		}
		if r.err == nil {
			return r.index, r.start, nil
		}
		last = r.err
		if err := pause(ctx, wait); err != nil {
			return 0, time.Time{}, fmt.Errorf("keyhold: read index: %w", last)
		}
	}
}

// catchUp waits until this node has applied every write acknowledged before the call. It also
// confirms freshness (freshness.go): the replica then reflects everything acknowledged before
// the round started.
func (n *Node) catchUp(ctx context.Context) error {
	idx, start, err := n.readIndex(ctx)
	if err != nil {
		return err
	}
	if err := n.raft.WaitForApplied(ctx, idx); err != nil {
		return err
	}
	n.fresh.confirm(start)
	return nil
}
