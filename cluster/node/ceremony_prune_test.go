package node

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/cluster/devcluster"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/hsm"
)

// submitAndRun submits a 1-of-1 proposal signed by the dev operator and runs ceremony passes
// until done reports true.
func submitAndRun(t *testing.T, tn *testNode, p *ceremony.Proposal, done func() bool) {
	t.Helper()
	op, err := devcluster.OperatorKey(tn.dir)
	if err != nil {
		t.Fatal(err)
	}
	signed, _, err := ceremony.SignNewProposal(p, op)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.n.svc.SubmitProposal(context.Background(), signed); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not complete", p.Kind)
		}
		tn.n.ceremonyPass(context.Background())
	}
	tn.n.ceremonyPass(context.Background())
}

// TestRetirementAndRemoveNodeDestroyHSMObjects: once a rotation's re-wrap retires the old
// domain key version, every member's HSM destroys it; once a member is removed, the trusted
// wrapping key made for it at admission is destroyed, so no later domain key can be wrapped to
// its HSM.
func TestRetirementAndRemoveNodeDestroyHSMObjects(t *testing.T) {
	tn := newCeremonyNode(t)
	n2 := admitSecondHSM(t, tn)
	b, ident := n2.tok, n2.ident
	svc2 := domain.NewService(tn.n.state, nil, nil, domain.Config{NodeID: "node2", HSM: ceremonyHSM{b}})
	ring2 := newKeyring(b, tn.n.state)
	if _, err := svc2.SyncDomainKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	if labels, err := tn.n.tok.TrustedKeyLabels(); err != nil || !slices.Equal(labels, []string{trustedLabel(ident)}) {
		t.Fatalf("trusted keys on node1 after admission: %q, %v", labels, err)
	}
	d := tn.n.svc.Domain()
	v1 := d.DKVersions[0].Label

	submitAndRun(t, tn, ceremony.NewProposal(ceremony.KindRotateDK, d.ID, d.Epoch, time.Now(), time.Hour), func() bool {
		d := tn.n.svc.Domain()
		return d.DKVersions[0].State == ceremony.DKStateRetired
	})
	if _, err := svc2.SyncDomainKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := ring2.prune(tn.n.svc.Domain(), tn.n.svc.TrustedIdentities); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]*hsm.Token{"node1": tn.n.tok, "node2": b} {
		if _, err := tok.FindAESKey(v1); !errors.Is(err, hsm.ErrKeyNotFound) {
			t.Fatalf("retired domain key v1 on %s: got %v, want ErrKeyNotFound", name, err)
		}
		if _, err := tok.FindAESKey(tn.n.svc.Domain().DKVersions[1].Label); err != nil {
			t.Fatalf("current domain key on %s: %v", name, err)
		}
	}

	d = tn.n.svc.Domain()
	p := ceremony.NewProposal(ceremony.KindRemoveNode, d.ID, d.Epoch, time.Now(), time.Hour)
	p.NodeID = "node2"
	submitAndRun(t, tn, p, func() bool { return len(tn.n.svc.Domain().Members) == 1 })
	if labels, err := tn.n.tok.TrustedKeyLabels(); err != nil || len(labels) != 0 {
		t.Fatalf("trusted keys on node1 after remove-node: %q, %v; want none", labels, err)
	}
	if _, err := tn.n.tok.WrapDomainKey(tn.n.svc.Domain().DKVersions[1].Label, trustedLabel(ident)); !errors.Is(err, hsm.ErrKeyNotFound) {
		t.Fatalf("wrap to the removed member: got %v, want ErrKeyNotFound", err)
	}
	// The node keeps serving under the current key.
	if err := tn.n.ready(); err != nil {
		t.Fatalf("ready after the ceremonies: %v", err)
	}
}
