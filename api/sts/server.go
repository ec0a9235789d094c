package sts

import (
	"context"
	"log/slog"
	"time"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/query"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// Namespace and Version are STS's Query API identity.
const (
	Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	Version   = "2011-06-15"
)

// Service is what the STS handlers need of the domain.
type Service interface {
	ARNs() domain.ARNs
	RoleService
	WebIdentityService
}

// Options configures the STS server.
type Options struct {
	Service  Service
	Verifier *sigv4.Verifier
	Pipeline pipeline.Pipeline
	Logger   *slog.Logger
	Region   string
	// OIDCProviders are the issuers AssumeRoleWithWebIdentity trusts (LoadOIDCProviders).
	OIDCProviders []*OIDCProvider
	// Now is the clock web identity tokens are checked against; nil is time.Now.
	Now func() time.Time
}

// New returns the STS Query API.
func New(o Options) *query.Server {
	h := &handlers{svc: o.Service, oidc: o.OIDCProviders, now: o.Now}
	return query.New(query.Options{
		Service: query.Service{
			Name: "sts", Namespace: Namespace, Version: Version,
			Actions: h.actions(),
			Errors: []query.ErrorRow{
				{Err: ErrInvalidIdentityToken, AWS: pipeline.AWSError{Code: "InvalidIdentityToken", Status: 400}},
				{Err: ErrExpiredIdentityToken, AWS: pipeline.AWSError{Code: "ExpiredTokenException", Status: 400}},
			},
			// AssumeRoleWithWebIdentity is authenticated by the token it carries.
			Anonymous: map[string]bool{"AssumeRoleWithWebIdentity": true},
		},
		Verifier: o.Verifier, Pipeline: o.Pipeline, Logger: o.Logger, Region: o.Region,
	})
}

type handlers struct {
	svc  Service
	oidc []*OIDCProvider
	now  func() time.Time
}

// actions is STS's action table.
func (h *handlers) actions() map[string]query.Action {
	return map[string]query.Action{
		"GetCallerIdentity":         {Handle: h.getCallerIdentity},
		"AssumeRole":                {Handle: h.assumeRole},
		"AssumeRoleWithWebIdentity": {Handle: h.assumeRoleWithWebIdentity},
	}
}

// getCallerIdentity answers who signed the request. AWS needs no permission for it: even an
// explicit deny of sts:GetCallerIdentity does not stop it.
func (h *handlers) getCallerIdentity(ctx context.Context, c *query.Call) (any, error) {
	caller, ok := domain.CallerFrom(ctx)
	if !ok {
		return nil, &domain.Error{Kind: domain.ErrAccessDenied, Msg: "The request has no authenticated caller."}
	}
	type result struct {
		Arn     string
		UserId  string
		Account string
	}
	return result{Arn: caller.Principal.ARN, UserId: caller.Principal.UserID, Account: caller.Principal.Account}, nil
}
