package domain

import (
	"context"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// TestInitNeedsABootstrapOperator: a node without a domain accepts an init-domain proposal only
// with an approval by a bootstrap operator configured on it, and takes admin requests only from
// configured keys (and from the operators an open init names, so they can approve it).
func TestInitNeedsABootstrapOperator(t *testing.T) {
	ops := newOperators(t, 3) // op1 is the bootstrap operator; op3 is the attacker
	h := newFakeHSM(identities(t)[0])
	newNode := func(bootstrap ...ed25519.PublicKey) *Service {
		st := NewState(testARNs)
		return NewService(st, &localProposer{st: st}, labelRing{st, h}, Config{ARNs: testARNs, NodeID: "n1", HSM: h, BootstrapOperators: bootstrap})
	}
	initBy := func(svc *Service, by operatorKey, named ...operatorKey) (string, error) {
		p := ceremony.NewProposal(ceremony.KindInitDomain, "d0000000000000000000000000000001", 0, time.Now(), time.Hour)
		for _, o := range named {
			p.Operators = append(p.Operators, o.op())
		}
		p.Quorum, p.Rules = len(named), &ceremony.QuorumRules{}
		signed, _, err := ceremony.SignNewProposal(p, by.priv)
		if err != nil {
			t.Fatal(err)
		}
		return svc.SubmitProposal(context.Background(), signed)
	}
	if _, err := initBy(newNode(), ops[2], ops[2]); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("init on a node with no bootstrap keys: got %v, want ErrAccessDenied", err)
	}
	svc := newNode(ops[0].op().PublicKey)
	if _, err := initBy(svc, ops[2], ops[2], ops[0]); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("init approved by a non-bootstrap key: got %v, want ErrAccessDenied", err)
	}
	if len(svc.Proposals()) != 0 || svc.AdminSigner(ops[2].op().PublicKey) {
		t.Fatal("the refused init left a proposal, or made its signer an admin signer")
	}
	if svc.AdminSigner(ops[1].op().PublicKey) || !svc.AdminSigner(ops[0].op().PublicKey) {
		t.Fatal("before any init: only the bootstrap key may sign admin requests")
	}
	if _, err := initBy(svc, ops[0], ops[0], ops[1]); err != nil {
		t.Fatalf("the bootstrap operator's init: %v", err)
	}
	if !svc.AdminSigner(ops[1].op().PublicKey) || svc.AdminSigner(ops[2].op().PublicKey) {
		t.Fatal("with the init open: its named operators, and only they, may sign admin requests")
	}
}
