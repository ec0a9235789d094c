package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// pollInterval paces WaitForLeader, and WaitForApplied between FSM notifications (raft commits
// no-op entries without telling the FSM).
const pollInterval = 10 * time.Millisecond

// Apply proposes cmd and waits until it is committed and applied on this node, returning the
// StateMachine's result for it (which may itself be an error value: that is the state
// machine's answer, not a failure to replicate).
//
// Only the leader accepts proposals; elsewhere Apply returns a *NotLeaderError (matching
// ErrNotLeader) naming the leader, and nothing was proposed. ctx bounds the whole call; without
// a deadline DefaultApplyTimeout applies.
//
// The outcome is unknown when Apply returns ErrLeadershipLost, ErrTimeout, a context error or
// ErrClosed after proposing: the command may still commit and be applied everywhere. Commands
// must therefore be idempotent (carry their own id, be safe to apply twice) so that the caller
// can retry them.
func (n *Node) Apply(ctx context.Context, cmd []byte) (res any, err error) {
	res, _, err = n.ApplyIndex(ctx, cmd)
	return res, err
}

// ApplyIndex is Apply that also returns the log index the command was committed at, which a node
// that forwarded the command waits for (WaitForApplied) before answering its own client.
func (n *Node) ApplyIndex(ctx context.Context, cmd []byte) (res any, index uint64, err error) {
	if n.closed.Load() {
		return nil, 0, ErrClosed
	}
	start := time.Now()
	defer func() { n.cfg.observe(OpApply, start, err) }()
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	switch n.raft.State() {
	case raft.Leader:
	case raft.Shutdown: // removed from the cluster (raft shuts itself down)
		return nil, 0, ErrClosed
	default:
		return nil, 0, n.notLeader()
	}
	d, err := timeLeft(ctx, OpApply)
	if err != nil {
		return nil, 0, err
	}
	f := n.raft.Apply(cmd, d)
	if err := n.wait(ctx, OpApply, f); err != nil {
		return nil, 0, err
	}
	return f.Response(), f.Index(), nil
}

// ReadIndex returns an index that covers every write acknowledged anywhere before the call:
// once a node's StateMachine has applied it (WaitForApplied), reads there see those writes.
// Leader only (a *NotLeaderError elsewhere).
//
// It is raft's read index (§6.4 of the raft thesis) without a log entry per read: the commit
// index is taken, then leadership is confirmed by a round of heartbeats to a quorum
// (VerifyLeader), so no other leader can have committed anything newer in between. A new
// leader's commit index can lag entries its predecessor acknowledged until it has committed an
// entry of its own term, so the first read index of each term commits a barrier first. Every
// node asks for one every few hundred milliseconds (bounded staleness): a barrier each time
// would grow the log and cost an fsync per round.
func (n *Node) ReadIndex(ctx context.Context) (idx uint64, err error) {
	if n.closed.Load() {
		return 0, ErrClosed
	}
	term := n.raft.CurrentTerm()
	if n.termCommitted.Load() != term {
		if err := n.Barrier(ctx); err != nil {
			return 0, err
		}
		n.termCommitted.Store(term)
	}
	start := time.Now()
	defer func() { n.cfg.observe(OpReadIndex, start, err) }()
	idx = n.raft.CommitIndex()
	if err := n.wait(ctx, OpReadIndex, n.raft.VerifyLeader()); err != nil {
		return 0, err
	}
	if n.raft.CurrentTerm() != term {
		// Leadership moved during the round; the barrier of the new term has not run.
		return 0, n.notLeader()
	}
	return idx, nil
}

// Barrier waits until every entry committed before it has been applied on this node, the
// leader. After it returns, reads from the local StateMachine see every write acknowledged
// before the call (read-your-writes across proposers). Leader only.
func (n *Node) Barrier(ctx context.Context) (err error) {
	if n.closed.Load() {
		return ErrClosed
	}
	start := time.Now()
	defer func() { n.cfg.observe(OpBarrier, start, err) }()
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	d, err := timeLeft(ctx, OpBarrier)
	if err != nil {
		return err
	}
	return n.wait(ctx, OpBarrier, n.raft.Barrier(d))
}

// WaitForLeader returns once this node knows a leader (possibly itself), or ctx's error.
func (n *Node) WaitForLeader(ctx context.Context) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		if n.closed.Load() {
			return ErrClosed
		}
		if _, id := n.raft.LeaderWithID(); id != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctxErr(ctx, "wait for leader")
		case <-t.C:
		}
	}
}

// WaitForApplied returns once the StateMachine on this node reflects every entry up to index
// (typically the leader's commit index or the index a write was committed at), or ctx's error.
func (n *Node) WaitForApplied(ctx context.Context, index uint64) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		if n.closed.Load() {
			return ErrClosed
		}
		changed := n.fsm.changed()
		if n.appliedIndex() >= index {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctxErr(ctx, fmt.Sprintf("wait for index %d", index))
		case <-changed:
		case <-t.C:
		}
	}
}

// maxGapScan bounds how many log entries appliedIndex reads to look past entries the FSM never
// sees. A larger gap means the FSM is genuinely behind, and the caller polls again.
const maxGapScan = 1024

// appliedIndex is the highest index the StateMachine's state reflects. The FSM's own counter
// lags raft's AppliedIndex when the last entries are no-ops or barriers, which raft commits
// without calling the FSM; such entries do not change the state, so they count as applied once
// raft has dispatched them and every FSM-visible entry before them is done.
func (n *Node) appliedIndex() uint64 {
	a := n.fsm.applied.Load()
	r := n.raft.AppliedIndex()
	if r <= a || r-a > maxGapScan {
		return a
	}
	var l raft.Log
	for i := a + 1; i <= r; i++ {
		err := n.logs.GetLog(i, &l)
		switch {
		case errors.Is(err, raft.ErrLogNotFound):
			// Compacted into a snapshot, and every snapshot is of FSM state at or past it.
			continue
		case err != nil:
			return i - 1
		case l.Type == raft.LogCommand || l.Type == raft.LogConfiguration:
			return i - 1 // queued for the FSM, not yet applied
		}
	}
	return r
}

// Snapshot takes a snapshot now and compacts the log behind it. It returns nil when the newest
// snapshot already covers the applied state.
func (n *Node) Snapshot() (err error) {
	if n.closed.Load() {
		return ErrClosed
	}
	start := time.Now()
	defer func() { n.cfg.observe(OpSnapshot, start, err) }()
	err = n.raft.Snapshot().Error()
	if errors.Is(err, raft.ErrNothingNewToSnapshot) {
		return nil
	}
	return n.mapErr(OpSnapshot, err)
}

// wait waits for a raft future within ctx. Raft futures cannot be cancelled, so on ctx expiry
// the helper goroutine lives on until raft resolves the future, which it always does (commit,
// lost leadership or shutdown).
func (n *Node) wait(ctx context.Context, op string, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return n.mapErr(op, err)
	case <-ctx.Done():
		return ctxErr(ctx, op)
	}
}

// withDefaultTimeout gives ctx a deadline of DefaultApplyTimeout if it has none.
func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, DefaultApplyTimeout)
}

// timeLeft is the time until ctx's deadline, which raft uses as its enqueue timeout.
func timeLeft(ctx context.Context, op string) (time.Duration, error) {
	if ctx.Err() != nil {
		return 0, ctxErr(ctx, op)
	}
	dl, _ := ctx.Deadline()
	d := time.Until(dl)
	if d <= 0 {
		return 0, fmt.Errorf("%w: %s", ErrTimeout, op)
	}
	return d, nil
}
