package domaintest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/wrap"
)

// ARNs are the harness domain's ARNs: partition aws, region us-east-1, a fixed account.
var ARNs = domain.ARNs{Partition: "aws", Region: "us-east-1", Account: "111122223333"}

// Proposer is a domain.Proposer that applies each command to its State at once, as a
// single-node raft does once the entry commits, and keeps the log for tests that look at it.
type Proposer struct {
	St  *domain.State
	mu  sync.Mutex
	log [][]byte
}

// Propose implements domain.Proposer: it returns the error Apply gave, like raft does.
func (p *Proposer) Propose(_ context.Context, cmd []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, append([]byte(nil), cmd...))
	return p.St.Apply(cmd)
}

// Len is the number of commands proposed so far.
func (p *Proposer) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.log)
}

// Clock is a settable clock for domain.Config.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Harness is a domain.Service with everything it runs on.
type Harness struct {
	Service  *domain.Service
	State    *domain.State
	Proposer *Proposer
	Keyring  *Keyring
	// Clock is nil unless Options.Clock asked for one; the service then uses it.
	Clock *Clock
	// Operator is the domain's only operator (quorum 1): its key signs admin requests and
	// ceremony proposals in tests.
	Operator ed25519.PrivateKey
}

// Options configures New.
type Options struct {
	// NoDomain leaves the state without a domain (no InitDomain), for tests of what a node
	// answers before it has one.
	NoDomain bool
	// Clock gives the service a settable clock starting at this time; zero means time.Now.
	Clock time.Time
	// NodeID names the node; empty means "node1".
	NodeID string
}

// New builds a Harness: a fresh State, a domain initialised with one operator (quorum 1) and
// this node as its only member, domain key version 1 in a software Keyring.
func New(t testing.TB, o Options) *Harness {
	t.Helper()
	if o.NodeID == "" {
		o.NodeID = "node1"
	}
	st := domain.NewState(ARNs)
	h := &Harness{State: st, Proposer: &Proposer{St: st}, Keyring: NewKeyring()}
	cfg := domain.Config{ARNs: ARNs, Cache: wrap.NewCache(1000, time.Minute), NodeID: o.NodeID}
	if !o.Clock.IsZero() {
		h.Clock = &Clock{t: o.Clock}
		cfg.Now = h.Clock.Now
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h.Operator = priv
	cfg.BootstrapOperators = []ed25519.PublicKey{pub}
	h.Service = domain.NewService(st, h.Proposer, h.Keyring, cfg)
	if o.NoDomain {
		return h
	}
	err = h.Service.InitDomain(context.Background(), domain.InitDomainInput{
		DKLabel: "dk1", Operators: []ceremony.Operator{{Name: "op", PublicKey: pub}}, Quorum: 1,
		Member: ceremony.Member{NodeID: o.NodeID, Address: "127.0.0.1:0"},
	})
	if err != nil {
		t.Fatalf("domaintest: init domain: %v", err)
	}
	return h
}

// Principal creates a principal and returns its SigV4 credentials. root makes it the domain's
// root principal (the owner of buckets it creates).
func (h *Harness) Principal(t testing.TB, name string, root bool) (accessKeyID, secret string) {
	t.Helper()
	id, sec, err := h.Service.CreatePrincipal(context.Background(), name, root)
	if err != nil {
		t.Fatalf("domaintest: create principal: %v", err)
	}
	return id, string(sec)
}
