package kms

import (
	"log/slog"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// Options configures a Server.
type Options struct {
	Service  Service
	Verifier *sigv4.Verifier
	// Pipeline is the shared request pipeline (the root api's Server): gate, authorisation,
	// metrics, audit.
	Pipeline pipeline.Pipeline
	Logger   *slog.Logger
}

// Server serves the KMS JSON 1.1 protocol.
type Server struct {
	svc    Service
	verify *sigv4.Verifier
	p      pipeline.Pipeline
	log    *slog.Logger
}

// New builds a Server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Server{svc: o.Service, verify: o.Verifier, p: o.Pipeline, log: o.Logger}
}

// *domain.Service is the production implementation.
var _ Service = (*domain.Service)(nil)
