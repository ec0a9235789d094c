package cluster

import (
	"strconv"

	"github.com/hashicorp/raft"
)

// Status is a point-in-time view of this node's raft state, for /v1/cluster/status, metrics and
// readiness. Fields are read one by one, not atomically together.
type Status struct {
	NodeID     string
	State      string // "Leader", "Follower", "Candidate" or "Shutdown"
	LeaderID   string // empty when no leader is known
	LeaderAddr string
	Term       uint64
	// LastLogIndex is the last index in this node's log (or last snapshot).
	LastLogIndex uint64
	// CommitIndex is the highest index this node knows committed.
	CommitIndex uint64
	// AppliedIndex is the highest index the StateMachine's state reflects (see WaitForApplied).
	AppliedIndex      uint64
	LastSnapshotIndex uint64
	// Voters is the latest known configuration's voters, in configuration order.
	Voters []Server
	// Nonvoters is the latest known configuration's non-voters (members still catching up).
	Nonvoters []Server
}

// Server is one member of the raft configuration.
type Server struct {
	ID   string
	Addr string
}

// Status returns this node's view of the cluster.
func (n *Node) Status() Status {
	s := Status{NodeID: n.cfg.NodeID, State: raft.Shutdown.String()}
	if n.closed.Load() {
		return s
	}
	s.State = n.raft.State().String()
	addr, id := n.raft.LeaderWithID()
	s.LeaderID, s.LeaderAddr = string(id), string(addr)
	s.Term = n.raft.CurrentTerm()
	s.LastLogIndex = n.raft.LastIndex()
	s.CommitIndex = n.raft.CommitIndex()
	s.AppliedIndex = n.appliedIndex()
	s.LastSnapshotIndex = n.lastSnapshotIndex()
	if f := n.raft.GetConfiguration(); f.Error() == nil {
		for _, sv := range f.Configuration().Servers {
			switch sv.Suffrage {
			case raft.Voter:
				s.Voters = append(s.Voters, Server{ID: string(sv.ID), Addr: string(sv.Address)})
			case raft.Nonvoter:
				s.Nonvoters = append(s.Nonvoters, Server{ID: string(sv.ID), Addr: string(sv.Address)})
			}
		}
	}
	return s
}

// lastSnapshotIndex reads the index of the newest snapshot. Raft exposes it only through Stats.
func (n *Node) lastSnapshotIndex() uint64 {
	v, _ := strconv.ParseUint(n.raft.Stats()["last_snapshot_index"], 10, 64)
	return v
}
