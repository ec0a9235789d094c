package main

import (
	"context"
	"sync/atomic"
	"time"
)

// A key created through another node is usable here as soon as CreateKey has returned there, even
// if this replica has not applied it yet: before answering NotFoundException the key service
// calls catchUp (domain.Config.CatchUp), which waits until this node has applied everything the
// leader acknowledged, and looks again. Only the not-found path pays: the common case answers
// from the local replica without asking anyone.

// catchUpState latches once this node has applied the leader's commit index after start, which
// /readyz requires. It stays set: a node that was caught up keeps serving reads through an
// election, which is the point of serving the data plane from every replica.
type catchUpState struct{ done atomic.Bool }

// catchUpLoop tries until this node has caught up with the leader, or ctx ends.
func (n *node) catchUpLoop(ctx context.Context) {
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := n.catchUp(cctx)
		cancel()
		if err == nil {
			n.caughtUp.done.Store(true)
			return
		}
		if pause(ctx, 200*time.Millisecond) != nil {
			return
		}
	}
}
