package iam

import (
	"log/slog"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/query"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// Namespace and Version are IAM's Query API identity.
const (
	Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	Version   = "2010-05-08"
)

// Service is what the IAM handlers need of the domain.
type Service interface {
	ARNs() domain.ARNs
	RoleService
}

// Options configures the IAM server.
type Options struct {
	Service  Service
	Verifier *sigv4.Verifier
	Pipeline pipeline.Pipeline
	Logger   *slog.Logger
	Region   string
}

// New returns the IAM Query API.
func New(o Options) *query.Server {
	h := &handlers{svc: o.Service}
	return query.New(query.Options{
		Service:  query.Service{Name: "iam", Namespace: Namespace, Version: Version, Actions: h.actions()},
		Verifier: o.Verifier, Pipeline: o.Pipeline, Logger: o.Logger, Region: o.Region,
	})
}

type handlers struct{ svc Service }

// actions is IAM's action table: one line per action, its handler in the file of its entity.
func (h *handlers) actions() map[string]query.Action {
	a := map[string]query.Action{}
	h.roleActions(a)
	return a
}
