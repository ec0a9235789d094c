package domain

import (
	"bytes"
	"context"
	"testing"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// TestTrustedIdentitiesCoverAdmissionsInFlight: a joiner's identity stays trusted from the
// admit-node proposal's submission, through its approval (when the leader trusts it and wraps
// to it), to its execution (when it becomes a member), and stops being trusted once removed.
func TestTrustedIdentitiesCoverAdmissionsInFlight(t *testing.T) {
	e := newCeremonyEnv(t, 2, 1, ceremony.QuorumRules{Node: 2})
	ids := identities(t)
	trusted := func(id []byte) bool {
		for _, k := range e.svc.TrustedIdentities() {
			if bytes.Equal(k, id) {
				return true
			}
		}
		return false
	}
	if trusted(ids[1]) {
		t.Fatal("an identity no proposal names is trusted")
	}
	p := e.propose(ceremony.KindAdmitNode)
	p.Member = &ceremony.Member{NodeID: "n2", Address: "127.0.0.1:8112", IdentityKey: ids[1]}
	id := e.submit(t, p, 0)
	if !trusted(ids[1]) {
		t.Fatal("pending admission: the joiner's identity is not kept trusted")
	}
	e.approve(t, id, 1)
	if got := e.status(t, id); got != ProposalApproved || !trusted(ids[1]) {
		t.Fatalf("approved admission (%s): the joiner's identity is not kept trusted", got)
	}
	if err := e.svc.RunCeremonies(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !trusted(ids[1]) || !trusted(ids[0]) {
		t.Fatal("members' identities are not trusted")
	}
	rm := e.propose(ceremony.KindRemoveNode)
	rm.NodeID = "n2"
	e.approve(t, e.submit(t, rm, 0), 1)
	if trusted(ids[1]) {
		t.Fatal("a removed member's identity is still trusted")
	}
}
