package sts

import (
	"context"
	"time"

	"github.com/keyhold/keyhold/api/query"
	"github.com/keyhold/keyhold/domain"
)

// WebIdentityService is what AssumeRoleWithWebIdentity needs of the domain.
type WebIdentityService interface {
	AssumeRoleWithWebIdentity(ctx context.Context, in domain.AssumeRoleInput, id domain.WebIdentity) (*domain.RoleSession, error)
}

// assumeRoleWithWebIdentity answers the unsigned AssumeRoleWithWebIdentity: the token it
// carries is its authentication, verified against the configured OIDC providers with no
// network call, and the role's trust policy decides.
func (h *handlers) assumeRoleWithWebIdentity(ctx context.Context, c *query.Call) (any, error) {
	in, err := sessionParams(c)
	if err != nil {
		return nil, err
	}
	tok, err := c.Required("WebIdentityToken")
	if err != nil {
		return nil, err
	}
	if c.Param("ProviderId") != "" {
		return nil, query.Errorf(query.ErrInvalidParameter, "ProviderId is for OAuth 2.0 access tokens, which keyhold does not accept.")
	}
	c.Resource = in.RoleARN
	now := time.Now()
	if h.now != nil {
		now = h.now()
	}
	id, err := VerifyWebIdentity(h.oidc, tok, now)
	if err != nil {
		return nil, err
	}
	s, err := h.svc.AssumeRoleWithWebIdentity(ctx, in, domain.WebIdentity{Provider: id.Provider.Host(), Subject: id.Subject, Audience: id.Audience})
	if err != nil {
		return nil, err
	}
	creds, user := sessionXML(s)
	type result struct {
		Credentials                 credentialsXML
		SubjectFromWebIdentityToken string
		AssumedRoleUser             assumedRoleUserXML
		PackedPolicySize            int
		Provider                    string
		Audience                    string
	}
	return result{Credentials: creds, SubjectFromWebIdentityToken: id.Subject, AssumedRoleUser: user,
		PackedPolicySize: s.PackedPolicySize, Provider: id.Provider.Host(), Audience: id.Audience}, nil
}
