package domain

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"
)

// WebIdentity is a verified OpenID Connect token, as the API layer established it.
type WebIdentity struct {
	// Provider is the issuer without its scheme ("oidc.example.com/id/ABC"): its name in
	// trust policies and the prefix of its condition keys.
	Provider string
	Subject  string
	// Audience is the client id the token was issued to (one the provider is configured with).
	Audience string
}

// AssumeRoleWithWebIdentity makes a role session for the holder of a verified web identity
// token, if the role's trust policy allows sts:AssumeRoleWithWebIdentity to the provider. As
// in AWS, the trust policy names the provider as {"Federated":
// "arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH"} (keyhold also accepts the bare "HOST/PATH")
// and conditions on "HOST/PATH:sub" and "HOST/PATH:aud". The token's holder has no identity
// policies: the trust policy alone decides, and an explicit Deny in it wins under either name.
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, in AssumeRoleInput, id WebIdentity) (*RoleSession, error) {
	fed := &Caller{Principal: policy.Principal{Type: policy.PrincipalFederatedUser, Federated: id.Provider}}
	role, duration, err := s.checkAssumeRole(ctx, fed, &in)
	if errors.Is(err, ErrAccessDenied) {
		return nil, errorf(ErrAccessDenied, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	}
	if err != nil {
		return nil, err
	}
	if err := s.webTrustAllows(role, &in, id); err != nil {
		return nil, err
	}
	return s.mintSession(ctx, role, &in, duration, id.Provider)
}

// webTrustAllows evaluates the trust policy for the provider under its two names.
func (s *Service) webTrustAllows(role *iam.Role, in *AssumeRoleInput, id WebIdentity) error {
	denied := errorf(ErrAccessDenied, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	trust := role.Trust()
	if trust == nil {
		return denied
	}
	providerARN := "arn:" + s.cfg.ARNs.Partition + ":iam::" + role.Account + ":oidc-provider/" + id.Provider
	now := s.cfg.Now()
	pc := policy.NewContext()
	pc.Set(policy.KeyCurrentTime, now.UTC().Format(time.RFC3339))
	pc.Set(policy.KeyEpochTime, strconv.FormatInt(now.Unix(), 10))
	pc.Set(id.Provider+":sub", id.Subject)
	pc.Set(id.Provider+":aud", id.Audience)
	pc.Set("aws:FederatedProvider", providerARN)
	setAssumeRoleKeys(pc, in)
	allowed := false
	for _, name := range []string{providerARN, id.Provider} {
		p := policy.Principal{Type: policy.PrincipalFederatedUser, Federated: name}
		pc.SetPrincipal(p)
		d := policy.Decide(policy.Input{Model: policy.ModelKMS, Request: &policy.Request{Principal: p,
			Action: "sts:AssumeRoleWithWebIdentity", Resource: s.RoleARN(role), Context: pc}, Resource: trust, ResourceAccount: role.Account})
		if d.Reason == policy.DeniedExplicit {
			return denied
		}
		allowed = allowed || d.Allowed
	}
	if !allowed {
		return denied
	}
	return nil
}
