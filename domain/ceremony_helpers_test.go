package domain

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/wrap"
)

// fakeHSM is a software CeremonyHSM for domain's unit tests: domain keys are softDKs by label,
// "wrapping" records the label. The real wrap (RSA-OAEP between SoftHSM2 tokens, trusted keys
// only) is tested in package hsm and end to end in cmd/keyhold.
type fakeHSM struct {
	mu       sync.Mutex
	keys     map[string]*softDK
	identity []byte
}

var (
	identOnce sync.Once
	identDERs [3][]byte
)

// identities returns three RSA-3072 PKIX public keys, generated once per test binary.
func identities(t testing.TB) [3][]byte {
	identOnce.Do(func() {
		for i := range identDERs {
			k, err := rsa.GenerateKey(rand.Reader, 3072)
			if err != nil {
				panic(err)
			}
			identDERs[i], _ = x509.MarshalPKIXPublicKey(&k.PublicKey)
		}
	})
	return identDERs
}

func newFakeHSM(identity []byte) *fakeHSM {
	return &fakeHSM{keys: map[string]*softDK{}, identity: identity}
}

func (h *fakeHSM) IdentityKey(context.Context) ([]byte, error) { return h.identity, nil }

func (h *fakeHSM) GenerateDomainKey(_ context.Context, label string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.keys[label]; ok {
		return errors.New("exists")
	}
	h.keys[label] = softDKFrom(label)
	return nil
}

func (h *fakeHSM) HasDomainKey(_ context.Context, label string) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.keys[label]
	return ok, nil
}

func (h *fakeHSM) WrapDomainKey(_ context.Context, label, nodeID string, identity []byte) ([]byte, error) {
	if _, err := ceremony.ParseIdentityKey(identity); err != nil {
		return nil, err
	}
	return []byte("wrapped:" + label + ":" + nodeID), nil
}

func (h *fakeHSM) UnwrapDomainKey(ctx context.Context, label string, wrapped []byte) error {
	return h.GenerateDomainKey(ctx, label)
}

// labelRing opens domain keys by the labels the state records, like cmd/keyhold's keyring.
type labelRing struct {
	st  *State
	hsm *fakeHSM
}

func (r labelRing) DomainKey(_ context.Context, v uint32) (wrap.AEAD, error) {
	var label string
	r.st.View(func(vw *View) {
		if d := vw.Domain(); d != nil {
			if dk, ok := d.DK(v); ok {
				label = dk.Label
			}
		}
	})
	r.hsm.mu.Lock()
	defer r.hsm.mu.Unlock()
	if k, ok := r.hsm.keys[label]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("no domain key version %d", v)
}

type operatorKey struct {
	name string
	priv ed25519.PrivateKey
}

func (o operatorKey) op() ceremony.Operator {
	return ceremony.Operator{Name: o.name, PublicKey: o.priv.Public().(ed25519.PublicKey)}
}

func newOperators(t testing.TB, n int) []operatorKey {
	out := make([]operatorKey, n)
	for i := range out {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = operatorKey{name: fmt.Sprintf("op%d", i+1), priv: priv}
	}
	return out
}

// ceremonyEnv is a node-less domain with a ceremony HSM and operators.
type ceremonyEnv struct {
	svc *Service
	st  *State
	clk *testClock
	hsm *fakeHSM
	ops []operatorKey
}

// newCeremonyEnv initialises a domain through the init-domain ceremony with n operators and
// the given default quorum (and rules).
func newCeremonyEnv(t *testing.T, n, quorum int, rules ceremony.QuorumRules) *ceremonyEnv {
	t.Helper()
	st := NewState(testARNs)
	clk := &testClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	h := newFakeHSM(identities(t)[0])
	ops := newOperators(t, n)
	svc := NewService(st, &localProposer{st: st}, labelRing{st, h}, Config{
		ARNs: testARNs, Cache: wrap.NewCache(100, time.Minute), Now: clk.now, NodeID: "n1", NodeAddr: "127.0.0.1:8102", HSM: h,
		BootstrapOperators: []ed25519.PublicKey{ops[0].op().PublicKey},
	})
	e := &ceremonyEnv{svc: svc, st: st, clk: clk, hsm: h, ops: ops}
	p := ceremony.NewProposal(ceremony.KindInitDomain, "d0000000000000000000000000000001", 0, clk.t, time.Hour)
	for _, o := range e.ops {
		p.Operators = append(p.Operators, o.op())
	}
	p.Quorum, p.Rules = quorum, &rules
	id := e.submit(t, p, 0)
	for i := 1; i < rules.Need(ceremony.KindInitDomain, quorum); i++ {
		e.approve(t, id, i)
	}
	if err := svc.RunCeremonies(context.Background()); err != nil {
		t.Fatalf("RunCeremonies: %v", err)
	}
	if d := svc.Domain(); d == nil || d.Epoch != 1 {
		t.Fatalf("after init: domain %+v, want epoch 1", d)
	}
	return e
}

func (e *ceremonyEnv) submit(t *testing.T, p *ceremony.Proposal, by int) string {
	t.Helper()
	signed, id, err := ceremony.SignNewProposal(p, e.ops[by].priv)
	if err != nil {
		t.Fatalf("SignNewProposal: %v", err)
	}
	got, err := e.svc.SubmitProposal(context.Background(), signed)
	if err != nil {
		t.Fatalf("SubmitProposal(%s): %v", p.Kind, err)
	}
	if got != id {
		t.Fatalf("SubmitProposal id: got %s, want %s", got, id)
	}
	return id
}

func (e *ceremonyEnv) verdict(id string, by int, v ceremony.Verdict) error {
	rec, err := e.svc.Proposal(bg, id)
	if err != nil {
		return err
	}
	return e.svc.SignProposalVerdict(context.Background(), id, ceremony.SignProposal(e.ops[by].priv, rec.Signed.Proposal, v))
}

func (e *ceremonyEnv) approve(t *testing.T, id string, by int) {
	t.Helper()
	if err := e.verdict(id, by, ceremony.VerdictApprove); err != nil {
		t.Fatalf("approve %s by op%d: %v", id, by+1, err)
	}
}

func (e *ceremonyEnv) status(t *testing.T, id string) ProposalStatus {
	t.Helper()
	rec, err := e.svc.Proposal(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Status
}

func (e *ceremonyEnv) propose(kind ceremony.ProposalKind) *ceremony.Proposal {
	d := e.svc.Domain()
	return ceremony.NewProposal(kind, d.ID, d.Epoch, e.clk.t, time.Hour)
}

// softDKFrom makes a fresh software domain key; label only documents the call site.
func softDKFrom(string) *softDK {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	b, _ := aes.NewCipher(k)
	g, _ := cipher.NewGCM(b)
	return &softDK{g}
}
