package domain

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

func TestQuorumIsEnforced(t *testing.T) {
	// 3 operators; operator changes need 3, admissions 2.
	e := newCeremonyEnv(t, 3, 2, ceremony.QuorumRules{Governance: 3})
	newOp := newOperators(t, 1)[0]
	p := e.propose(ceremony.KindAddOperator)
	op := newOp.op()
	p.Operator = &op
	id := e.submit(t, p, 0)
	e.approve(t, id, 1) // M-1 = 2 approvals
	if got := e.status(t, id); got != ProposalPending {
		t.Fatalf("after 2 of 3 approvals: got %s, want pending", got)
	}
	if n := len(e.svc.Domain().Operators); n != 3 {
		t.Fatalf("operators after M-1 approvals: got %d, want 3", n)
	}
	// The same operator again counts once.
	e.approve(t, id, 1)
	if got := e.status(t, id); got != ProposalPending {
		t.Fatalf("after a repeated approval: got %s, want pending", got)
	}
	e.approve(t, id, 2)
	if got := e.status(t, id); got != ProposalExecuted {
		t.Fatalf("after 3 approvals: got %s, want executed", got)
	}
	d := e.svc.Domain()
	if len(d.Operators) != 4 || d.Epoch != 2 {
		t.Fatalf("after add-operator: %d operators at epoch %d, want 4 at epoch 2", len(d.Operators), d.Epoch)
	}
}

func TestForgedAndReplayedApprovalsAreRefused(t *testing.T) {
	e := newCeremonyEnv(t, 3, 2, ceremony.QuorumRules{})
	outsider := newOperators(t, 1)[0]
	mk := func() (*ceremony.Proposal, string) {
		p := e.propose(ceremony.KindChangeQuorum)
		p.Quorum, p.Rules = 3, &ceremony.QuorumRules{}
		return p, e.submit(t, p, 0)
	}
	_, idA := mk()
	recA, _ := e.svc.Proposal(bg, idA)

	// Forged: a valid operator key with a signature that does not verify.
	forged := ceremony.SignProposal(e.ops[1].priv, recA.Signed.Proposal, ceremony.VerdictApprove)
	forged.Sig[0] ^= 1
	if err := e.svc.SignProposalVerdict(context.Background(), idA, forged); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("forged signature: got %v, want ErrAccessDenied", err)
	}
	// Not an operator.
	if err := e.svc.SignProposalVerdict(context.Background(), idA, ceremony.SignProposal(outsider.priv, recA.Signed.Proposal, ceremony.VerdictApprove)); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("outsider signature: got %v, want ErrAccessDenied", err)
	}
	// Replayed: op2's approval of proposal B presented for proposal A.
	pB, idB := mk()
	bB, _ := ceremony.MarshalProposal(pB)
	if err := e.svc.SignProposalVerdict(context.Background(), idA, ceremony.SignProposal(e.ops[1].priv, bB, ceremony.VerdictApprove)); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("approval of another proposal: got %v, want ErrAccessDenied", err)
	}
	// A rejection is not an approval either.
	rej := ceremony.SignProposal(e.ops[1].priv, recA.Signed.Proposal, ceremony.VerdictReject)
	rej.Verdict = ceremony.VerdictApprove
	if err := e.svc.SignProposalVerdict(context.Background(), idA, rej); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("rejection relabelled as approval: got %v, want ErrAccessDenied", err)
	}
	if got := e.status(t, idA); got != ProposalPending {
		t.Fatalf("after refused approvals: got %s, want pending", got)
	}
	// B executes: the epoch moves, A is superseded and its approvals are useless.
	e.approve(t, idB, 2)
	if got := e.status(t, idB); got != ProposalExecuted {
		t.Fatalf("B: got %s, want executed", got)
	}
	if got := e.status(t, idA); got != ProposalSuperseded {
		t.Fatalf("A after B: got %s, want superseded", got)
	}
	if err := e.verdict(idA, 1, ceremony.VerdictApprove); err == nil {
		t.Fatal("approving a superseded proposal: got nil error")
	}
	// Resubmitting a proposal made for the old epoch is refused.
	stale := ceremony.SignedProposal{Proposal: recA.Signed.Proposal, Signatures: []ceremony.Signature{ceremony.SignProposal(e.ops[0].priv, recA.Signed.Proposal, ceremony.VerdictApprove)}}
	old := e.propose(ceremony.KindRotateDK)
	old.Epoch--
	signed, _, _ := ceremony.SignNewProposal(old, e.ops[0].priv)
	if _, err := e.svc.SubmitProposal(context.Background(), signed); !errors.Is(err, ErrValidation) {
		t.Fatalf("proposal for an old epoch: got %v, want ErrValidation", err)
	}
	_ = stale
	// A proposal for another domain is refused.
	other := e.propose(ceremony.KindRotateDK)
	other.DomainID = "another-domain"
	signed, _, _ = ceremony.SignNewProposal(other, e.ops[0].priv)
	if _, err := e.svc.SubmitProposal(context.Background(), signed); !errors.Is(err, ErrValidation) {
		t.Fatalf("proposal for another domain: got %v, want ErrValidation", err)
	}
	// A proposal signed only by an outsider never enters the state.
	p := e.propose(ceremony.KindRotateDK)
	signed, _, _ = ceremony.SignNewProposal(p, outsider.priv)
	if _, err := e.svc.SubmitProposal(context.Background(), signed); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("proposal by an outsider: got %v, want ErrAccessDenied", err)
	}
}

func TestProposalExpiresAndRejects(t *testing.T) {
	e := newCeremonyEnv(t, 3, 2, ceremony.QuorumRules{})
	p := e.propose(ceremony.KindRotateDK)
	id := e.submit(t, p, 0)
	e.clk.t = e.clk.t.Add(2 * time.Hour)
	if err := e.verdict(id, 1, ceremony.VerdictApprove); err == nil {
		t.Fatal("approval after expiry: got nil error")
	}
	if got := e.status(t, id); got != ProposalExpired {
		t.Fatalf("got %s, want expired", got)
	}
	if v := e.svc.Domain().CurrentDK; v != 1 {
		t.Fatalf("current DK: got %d, want 1", v)
	}
	// Two rejections of three make a quorum of two impossible.
	id = e.submit(t, e.propose(ceremony.KindRotateDK), 0)
	if err := e.verdict(id, 1, ceremony.VerdictReject); err != nil {
		t.Fatal(err)
	}
	if err := e.verdict(id, 2, ceremony.VerdictReject); err != nil {
		t.Fatal(err)
	}
	if got := e.status(t, id); got != ProposalRejected {
		t.Fatalf("got %s, want rejected", got)
	}
	// An expired, unapproved proposal is marked by the leader's sweep.
	id = e.submit(t, e.propose(ceremony.KindRotateDK), 0)
	e.clk.t = e.clk.t.Add(2 * time.Hour)
	if err := e.svc.RunCeremonies(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.status(t, id); got != ProposalExpired {
		t.Fatalf("after the sweep: got %s, want expired", got)
	}
}

func TestAdmitAndRemoveNode(t *testing.T) {
	e := newCeremonyEnv(t, 2, 1, ceremony.QuorumRules{Node: 2})
	ids := identities(t)
	p := e.propose(ceremony.KindAdmitNode)
	p.Member = &ceremony.Member{NodeID: "n2", Address: "127.0.0.1:8112", IdentityKey: ids[1]}
	id := e.submit(t, p, 0)
	if err := e.svc.RunCeremonies(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.svc.Domain().Members); n != 1 {
		t.Fatalf("members after 1 of 2 approvals: got %d, want 1", n)
	}
	e.approve(t, id, 1)
	if got := e.status(t, id); got != ProposalApproved {
		t.Fatalf("got %s, want approved", got)
	}
	if err := e.svc.RunCeremonies(context.Background()); err != nil {
		t.Fatal(err)
	}
	d := e.svc.Domain()
	if len(d.Members) != 2 || d.Members[1].NodeID != "n2" {
		t.Fatalf("members: got %+v", d.Members)
	}
	if w, ok := d.Members[1].Wrapped(1); !ok || !bytes.Contains(w, []byte("n2")) {
		t.Fatalf("n2's wrapped DK v1: got %q, %v", w, ok)
	}
	// n2, seeing the replicated record, installs its key.
	h2 := newFakeHSM(ids[1])
	svc2 := NewService(e.st, nil, labelRing{e.st, h2}, Config{ARNs: testARNs, NodeID: "n2", HSM: h2})
	if n, err := svc2.SyncDomainKeys(bg); err != nil || n != 1 {
		t.Fatalf("SyncDomainKeys: got %d, %v; want 1", n, err)
	}
	// Identity keys that are not RSA-3072+ are refused at parse time.
	bad := e.propose(ceremony.KindAdmitNode)
	bad.Member = &ceremony.Member{NodeID: "n3", IdentityKey: []byte("junk")}
	if _, _, err := ceremony.SignNewProposal(bad, e.ops[0].priv); !errors.Is(err, ceremony.ErrMalformed) {
		t.Fatalf("bad identity key: got %v, want ErrMalformed", err)
	}
	rm := e.propose(ceremony.KindRemoveNode)
	rm.NodeID = "n2"
	id = e.submit(t, rm, 0)
	e.approve(t, id, 1)
	if d := e.svc.Domain(); len(d.Members) != 1 || d.Epoch != 3 {
		t.Fatalf("after remove: %d members at epoch %d, want 1 at 3", len(d.Members), d.Epoch)
	}
}

func TestCeremonyIsDeterministicAcrossReplicas(t *testing.T) {
	e := newCeremonyEnv(t, 2, 1, ceremony.QuorumRules{})
	p := e.propose(ceremony.KindRotateDK)
	e.submit(t, p, 0)
	if err := e.svc.RunCeremonies(context.Background()); err != nil {
		t.Fatal(err)
	}
	log := e.svc.prop.(*localProposer).log
	replica := NewState(testARNs)
	for _, c := range log {
		_ = replica.Apply(c)
	}
	for _, c := range log { // applied twice: retried commands are idempotent
		_ = replica.Apply(c)
	}
	var a, b []byte
	e.st.View(func(v *View) { a = ceremony.RecordBytes(v.Domain()) })
	replica.View(func(v *View) { b = ceremony.RecordBytes(v.Domain()) })
	if !bytes.Equal(a, b) {
		t.Fatal("a replica replaying the log twice has another domain record")
	}
}

func TestTokenExportImport(t *testing.T) {
	e := newCeremonyEnv(t, 3, 2, ceremony.QuorumRules{Export: 2})
	d := e.svc.Domain()
	h := ceremony.RecordHash(d)
	p := e.propose(ceremony.KindExportToken)
	p.RecordHash = h[:]
	id := e.submit(t, p, 0)
	if _, err := e.svc.DomainToken(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("token before quorum: got %v, want ErrNotFound", err)
	}
	e.approve(t, id, 2)
	tok, err := e.svc.DomainToken()
	if err != nil {
		t.Fatal(err)
	}
	if d2 := e.svc.Domain(); d2.Epoch != d.Epoch {
		t.Fatalf("export changed the epoch: %d -> %d", d.Epoch, d2.Epoch)
	}
	trusted := []ed25519.PublicKey{e.ops[0].op().PublicKey, e.ops[1].op().PublicKey, e.ops[2].op().PublicKey}
	parsed, err := ceremony.ParseToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(parsed.Marshal(), tok) {
		t.Fatal("token does not round-trip")
	}
	if _, err := ceremony.VerifyToken(parsed, trusted); err != nil {
		t.Fatalf("VerifyToken: %v", err)
	}
	// Trusting only one of the two approvers is not enough.
	if _, err := ceremony.VerifyToken(parsed, trusted[:1]); !errors.Is(err, ceremony.ErrTokenRefused) {
		t.Fatalf("one trusted approver: got %v, want ErrTokenRefused", err)
	}
	// Tampering with any byte of the token is refused.
	for i := range tok {
		bad := bytes.Clone(tok)
		bad[i] ^= 0x01
		pt, err := ceremony.ParseToken(bad)
		if err != nil {
			continue
		}
		if _, err := ceremony.VerifyToken(pt, trusted); err == nil {
			t.Fatalf("token with byte %d flipped verified", i)
		}
	}
	// Importing: a fresh node whose HSM is member n1 and which trusts the operators (its
	// recovery_operator_keys) accepts it; trusting only one of the two approvers, it refuses.
	st1 := NewState(testARNs)
	svc1 := NewService(st1, &localProposer{st: st1}, labelRing{st1, e.hsm}, Config{ARNs: testARNs, NodeID: "n1", HSM: e.hsm, RecoveryOperators: trusted[:1]})
	if err := svc1.ImportDomainToken(context.Background(), tok); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("import trusting one approver: got %v, want ErrAccessDenied", err)
	}
	st := NewState(testARNs)
	svc := NewService(st, &localProposer{st: st}, labelRing{st, e.hsm}, Config{ARNs: testARNs, NodeID: "n1", HSM: e.hsm, RecoveryOperators: trusted})
	if err := svc.ImportDomainToken(context.Background(), tok); err != nil {
		t.Fatalf("ImportDomainToken: %v", err)
	}
	if got := svc.Domain(); got == nil || got.ID != d.ID || got.Epoch != d.Epoch {
		t.Fatalf("imported domain: got %+v", got)
	}
	// A node whose HSM is not a member is refused.
	outsider := newFakeHSM(identities(t)[2])
	st2 := NewState(testARNs)
	svc2 := NewService(st2, &localProposer{st: st2}, labelRing{st2, outsider}, Config{ARNs: testARNs, NodeID: "n1", HSM: outsider, RecoveryOperators: trusted})
	if err := svc2.ImportDomainToken(context.Background(), tok); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("import on a non-member HSM: got %v, want ErrAccessDenied", err)
	}
	// A stale token (the domain moved on) is refused by a node that has the newer state: a node
	// with a domain refuses every import.
	rot := e.propose(ceremony.KindRotateDK)
	rid := e.submit(t, rot, 0)
	e.approve(t, rid, 1)
	if err := e.svc.RunCeremonies(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ImportDomainToken(context.Background(), tok); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("stale token: got %v, want ErrAlreadyExists", err)
	}
	// Apply decides the same on every replica, whatever the proposer checked: a replica with a
	// domain refuses an import that is not the record it has; a fresh replica refuses a token
	// its command's anchors did not approve, and accepts the same command twice as once.
	if err := e.st.Apply(encode(cmdImportDomain, importDomainCmd{Token: tok, Anchors: trusted, At: e.clk.now()})); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("Apply of a stale import on a replica with a domain: got %v, want ErrAlreadyExists", err)
	}
	fresh := NewState(testARNs)
	if err := fresh.Apply(encode(cmdImportDomain, importDomainCmd{Token: tok, Anchors: trusted[2:], At: e.clk.now()})); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("Apply with anchors that did not approve: got %v, want ErrAccessDenied", err)
	}
	for i := range 2 {
		if err := fresh.Apply(encode(cmdImportDomain, importDomainCmd{Token: tok, Anchors: trusted, At: e.clk.now()})); err != nil {
			t.Fatalf("Apply of the import, time %d: %v", i+1, err)
		}
	}
}

func TestParseRefusesNonCanonical(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	p := ceremony.NewProposal(ceremony.KindRotateDK, "dom", 1, time.Unix(1e9, 0), 0)
	signed, _, err := ceremony.SignNewProposal(p, priv)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"trailing byte":  append(bytes.Clone(signed), 0),
		"indefinite map": append([]byte{0xbf}, append(bytes.Clone(signed[1:]), 0xff)...),
		"duplicate key":  {0xa2, 0x01, 0x40, 0x01, 0x40},
		"empty":          {},
	}
	for name, b := range cases {
		if _, _, err := ceremony.ParseSignedProposal(b); !errors.Is(err, ceremony.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}
