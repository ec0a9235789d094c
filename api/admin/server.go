package admin

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/api/adminauth"
	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/domain"
)

// Service is what the admin API needs of the domain service: its status and token, this node's
// identity, the ceremony proposals, and who may sign admin requests. *domain.Service
// implements it.
type Service interface {
	Status() domain.DomainStatus
	DomainToken() ([]byte, error)
	Identity(ctx context.Context) (nodeID string, identityKey []byte, err error)
	TLSPin() []byte
	Proposals() []*domain.ProposalRecord
	Proposal(ctx context.Context, id string) (*domain.ProposalRecord, error)
	SubmitProposal(ctx context.Context, signed []byte) (string, error)
	SignProposalVerdict(ctx context.Context, id string, sig ceremony.Signature) error
	ImportDomainToken(ctx context.Context, token []byte) error
	AdminSigner(pub ed25519.PublicKey) bool
}

// *domain.Service is the production implementation.
var _ Service = (*domain.Service)(nil)

// Options configures a Server.
type Options struct {
	Service Service
	// Pipeline is the shared request pipeline; the admin API uses its audit trail.
	Pipeline pipeline.Pipeline
	Logger   *slog.Logger
	// Now is the clock admin signatures are checked against; nil means time.Now.
	Now func() time.Time
	// Pprof serves /debug/pprof, to operators only (pprof.go).
	Pprof bool
}

// Server serves the admin API on the ops listener.
type Server struct {
	svc   Service
	p     pipeline.Pipeline
	log   *slog.Logger
	pprof bool
	// adminAuth verifies operator-signed admin requests; its replay cache spans the listener.
	adminAuth *adminauth.Verifier
}

// New builds a Server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Server{svc: o.Service, p: o.Pipeline, log: o.Logger, pprof: o.Pprof, adminAuth: &adminauth.Verifier{Now: o.Now}}
}
