package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/raft"
)

// Sentinel errors. Match them with errors.Is: the errors returned by Node wrap them with context.
var (
	// ErrNotLeader means the operation needs the leader and this node is not it. The command was
	// not appended to the log, so sending it to the leader is safe. The error is a
	// *NotLeaderError that names the leader when one is known.
	ErrNotLeader = errors.New("cluster: not the leader")

	// ErrLeadershipLost means this node lost leadership after appending the command and before
	// it committed. The command may or may not be applied later: the outcome is unknown.
	ErrLeadershipLost = errors.New("cluster: leadership lost; outcome unknown")

	// ErrClosed means the Node has been closed (or raft shut down under it).
	ErrClosed = errors.New("cluster: node closed")

	// ErrTimeout means the context's deadline (or the default timeout) passed first. For Apply
	// the outcome is unknown: the command may still commit.
	ErrTimeout = errors.New("cluster: timed out")

	// ErrInvalidConfig wraps every Config validation failure.
	ErrInvalidConfig = errors.New("cluster: invalid config")

	// ErrInvalidArgument means a method got an argument it cannot use (an empty id, say).
	ErrInvalidArgument = errors.New("cluster: invalid argument")

	// ErrSnapshotFormat means a snapshot's cluster header is malformed or of an unknown version.
	ErrSnapshotFormat = errors.New("cluster: bad snapshot header")
)

// NotLeaderError is returned (as *NotLeaderError) by leader-only operations on another node. It
// matches ErrNotLeader with errors.Is. LeaderID and LeaderAddr are empty when no leader is known
// (an election is running); callers forwarding a request should then wait and retry.
type NotLeaderError struct {
	LeaderID   string
	LeaderAddr string
}

func (e *NotLeaderError) Error() string {
	if e.LeaderID == "" {
		return "cluster: not the leader (no leader known)"
	}
	return fmt.Sprintf("cluster: not the leader (leader is %s at %s)", e.LeaderID, e.LeaderAddr)
}

// Is makes errors.Is(err, ErrNotLeader) true.
func (e *NotLeaderError) Is(target error) bool { return target == ErrNotLeader }

// notLeader builds the NotLeaderError from raft's current view of the leader.
func (n *Node) notLeader() error {
	addr, id := n.raft.LeaderWithID()
	return &NotLeaderError{LeaderID: string(id), LeaderAddr: string(addr)}
}

// mapErr turns raft's errors into ours. op names the operation for the message.
func (n *Node) mapErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return n.notLeader()
	case errors.Is(err, raft.ErrLeadershipLost):
		return fmt.Errorf("%w (%s)", ErrLeadershipLost, op)
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrClosed
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %s: %w", ErrTimeout, op, err)
	}
	return fmt.Errorf("cluster: %s: %w", op, err)
}

// ctxErr explains why ctx ended. A passed deadline is ErrTimeout; a cancellation keeps
// context.Canceled so callers can tell them apart.
func ctxErr(ctx context.Context, op string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %s: %w", ErrTimeout, op, ctx.Err())
	}
	return fmt.Errorf("cluster: %s: %w", op, ctx.Err())
}
