package node

import (
	"context"
	"slices"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// The raft configuration follows the domain's member list. Servers join raft only as members
// (peerJoin); when a remove-node ceremony executes, the member and its wrapped domain keys leave
// the replicated record, and the leader then removes the server from raft. Reconciling on every
// ceremony pass, rather than acting once when the ceremony applies, makes this survive a leader
// that crashes in between: the next leader finds the stray server and removes it.

// removeNonMembers removes from the raft configuration every server the domain record does not
// list as a member. It runs on the leader only.
func (n *Node) removeNonMembers(ctx context.Context) {
	if len(n.nonMembers()) == 0 {
		return
	}
	// A new leader may not have applied every committed entry yet (an admission among them):
	// decide on a state that has.
	if err := n.raft.Barrier(ctx); err != nil {
		n.log.Warn("raft barrier before removing non-members failed; will retry", "err", err)
		return
	}
	for _, id := range n.nonMembers() {
		if err := n.raft.RemoveServer(ctx, id); err != nil {
			n.log.Warn("removing a server that is no longer a domain member from raft failed; will retry", "node_id", id, "err", err)
			continue
		}
		n.log.Info("removed from raft: no longer a member of the domain", "node_id", id)
	}
}

// nonMembers lists the servers of the raft configuration that are not domain members. Before
// the domain exists nothing is a member, and nothing is removed.
func (n *Node) nonMembers() []string {
	d := n.svc.Domain()
	if d == nil {
		return nil
	}
	st := n.raft.Status()
	var out []string
	for _, s := range append(slices.Clone(st.Voters), st.Nonvoters...) {
		if !slices.ContainsFunc(d.Members, func(m ceremony.Member) bool { return m.NodeID == s.ID }) {
			out = append(out, s.ID)
		}
	}
	return out
}
