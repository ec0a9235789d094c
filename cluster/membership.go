package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// AddVoter adds server id at raft address addr as a voter, or updates its address. Leader only.
// It returns once the new configuration is committed; the new node then catches up from the
// log or a snapshot (watch it with WaitForApplied on that node). Adding a server that is
// already a voter at addr is a no-op. Keyhold admits a node only once its HSM holds the current
// domain key; that check belongs to the caller.
func (n *Node) AddVoter(ctx context.Context, id, addr string) (err error) {
	if id == "" || addr == "" {
		return fmt.Errorf("%w: AddVoter needs an id and an address", ErrInvalidArgument)
	}
	return n.changeConfig(ctx, OpAddVoter, func(d time.Duration) raft.IndexFuture {
		return n.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, d)
	})
}

// AddNonvoter adds server id at raft address addr as a non-voter: raft replicates the log to it
// but it neither votes nor counts towards the quorum. Leader only. A server already in the
// configuration (voter or not) keeps its suffrage. Keyhold adds an admitted member this way so
// that it receives the replicated domain record, and with it its wrapped domain keys, before it
// can prove that its HSM holds the current one and become a voter.
func (n *Node) AddNonvoter(ctx context.Context, id, addr string) (err error) {
	if id == "" || addr == "" {
		return fmt.Errorf("%w: AddNonvoter needs an id and an address", ErrInvalidArgument)
	}
	return n.changeConfig(ctx, OpAddNonvoter, func(d time.Duration) raft.IndexFuture {
		return n.raft.AddNonvoter(raft.ServerID(id), raft.ServerAddress(addr), 0, d)
	})
}

// RemoveServer removes server id from the configuration. Leader only. Removing an unknown id is a
// no-op. A removed node shuts its raft down (its methods then return ErrClosed); if the leader
// removes itself it steps down once the change commits.
func (n *Node) RemoveServer(ctx context.Context, id string) (err error) {
	if id == "" {
		return fmt.Errorf("%w: RemoveServer needs an id", ErrInvalidArgument)
	}
	return n.changeConfig(ctx, OpRemoveServer, func(d time.Duration) raft.IndexFuture {
		return n.raft.RemoveServer(raft.ServerID(id), 0, d)
	})
}

func (n *Node) changeConfig(ctx context.Context, op string, start func(time.Duration) raft.IndexFuture) (err error) {
	if n.closed.Load() {
		return ErrClosed
	}
	t0 := time.Now()
	defer func() { n.cfg.observe(op, t0, err) }()
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	d, err := timeLeft(ctx, op)
	if err != nil {
		return err
	}
	return n.wait(ctx, op, start(d))
}
