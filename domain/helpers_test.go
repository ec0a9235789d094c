package domain

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/wrap"
)

// softDK is a software domain key for domain's unit tests; the HSM-backed one is exercised by
// the hsm package and the end-to-end tests in cmd/keyhold.
type softDK struct{ aead cipher.AEAD }

func newSoftDK(t testing.TB) *softDK {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	b, _ := aes.NewCipher(k)
	g, _ := cipher.NewGCM(b)
	return &softDK{g}
}

func (d *softDK) Encrypt(pt, ad []byte) ([]byte, error) {
	n := make([]byte, d.aead.NonceSize())
	_, _ = rand.Read(n)
	return d.aead.Seal(n, n, pt, ad), nil
}

func (d *softDK) Decrypt(ct, ad []byte) ([]byte, error) {
	if len(ct) < d.aead.NonceSize() {
		return nil, errors.New("short")
	}
	return d.aead.Open(nil, ct[:d.aead.NonceSize()], ct[d.aead.NonceSize():], ad)
}

type softRing map[uint32]*softDK

func (r softRing) DomainKey(_ context.Context, v uint32) (wrap.AEAD, error) {
	if k, ok := r[v]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("no domain key version %d", v)
}

// localProposer applies commands straight to the state, as a single raft node would.
type localProposer struct {
	st  *State
	log [][]byte
}

func (p *localProposer) Propose(_ context.Context, cmd []byte) error {
	p.log = append(p.log, cmd)
	return p.st.Apply(cmd)
}

var testARNs = ARNs{Partition: "aws", Region: "us-east-1", Account: "111122223333"}

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func newTestService(t testing.TB) (*Service, *localProposer, *testClock) {
	t.Helper()
	st := NewState(testARNs)
	p := &localProposer{st: st}
	clk := &testClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	svc := NewService(st, p, softRing{1: newSoftDK(t)}, Config{ARNs: testARNs, Cache: wrap.NewCache(100, time.Minute), Now: clk.now})
	err := svc.InitDomain(context.Background(), InitDomainInput{
		DKLabel: "dk1", Operators: []ceremony.Operator{{Name: "op", PublicKey: []byte{1}}}, Quorum: 1, Member: ceremony.Member{NodeID: "n1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc, p, clk
}

// bg is the context of service calls in tests that do not cancel. It is marked as keyhold's own
// work: these tests exercise the service, not authorization (authz_*_test.go do).
var bg = AsSystem(context.Background())
