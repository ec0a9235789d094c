package domain

import (
	"context"

	"github.com/keyhold/keyhold/domain/policy"
)

// checkPolicyName refuses a policy name other than "default", as KMS does.
func checkPolicyName(name string) error {
	if name != KeyPolicyName {
		return errorf(ErrNotFound, "No such policy exists: %s. The only valid policy name is default.", name)
	}
	return nil
}

// GetKeyPolicy returns the text of a key's policy (the default policy when it has none of its
// own). ref is a key id or key ARN: KMS takes no alias here.
func (s *Service) GetKeyPolicy(ctx context.Context, ref, name string) (string, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:GetKeyPolicy"})
	if name == "" {
		name = KeyPolicyName
	}
	id, err := s.resolve(ctx, ref, false)
	if err != nil {
		return "", err
	}
	if err := checkPolicyName(name); err != nil {
		return "", err
	}
	var text string
	s.st.View(func(v *View) {
		if k := v.Key(id); k != nil {
			text = s.cfg.ARNs.PolicyText(k, v.KeyAccount(k))
		}
	})
	if text == "" {
		return "", errorf(ErrNotFound, "Key '%s' does not exist", s.cfg.ARNs.Key(id))
	}
	return text, nil
}

// ListKeyPolicies returns the names of a key's policies: always "default".
func (s *Service) ListKeyPolicies(ctx context.Context, ref string) ([]string, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:ListKeyPolicies"})
	if _, err := s.resolve(ctx, ref, false); err != nil {
		return nil, err
	}
	return []string{KeyPolicyName}, nil
}

// PutKeyPolicy replaces a customer managed key's policy. Unless bypass is set, the new policy
// must still let the caller change the policy (KMS's lockout safety check): a key nobody can
// administer any more cannot be repaired.
func (s *Service) PutKeyPolicy(ctx context.Context, ref, name, doc string, bypass bool) error {
	ctx = withAccess(ctx, keyAccess{action: "kms:PutKeyPolicy"})
	if name == "" {
		name = KeyPolicyName
	}
	id, err := s.resolve(ctx, ref, false)
	if err != nil {
		return err
	}
	if err := checkPolicyName(name); err != nil {
		return err
	}
	if err := checkLen("policy", len(doc), 1, MaxPolicy); err != nil {
		return err
	}
	p, err := parseKeyPolicy(doc)
	if err != nil {
		return err
	}
	var account string
	s.st.View(func(v *View) {
		if k := v.Key(id); k != nil {
			account = v.KeyAccount(k)
		}
	})
	if !bypass {
		if err := s.checkLockout(ctx, s.cfg.ARNs.Key(id), account, p); err != nil {
			return err
		}
	}
	return s.propose(ctx, encode(cmdPutKeyPolicy, putKeyPolicyCmd{ID: id, Policy: doc}))
}

// checkLockout is KMS's policy lockout safety check: the new policy, with the caller's own IAM
// policies, must allow the caller kms:PutKeyPolicy on the key, decided with the condition keys
// the caller's request has. keyhold's own work (no caller,
// system context) is not checked.
func (s *Service) checkLockout(ctx context.Context, keyARN, account string, p *policy.Policy) error {
	if IsSystem(ctx) {
		return nil
	}
	c, ok := CallerFrom(ctx)
	if !ok {
		return errorf(ErrAccessDenied, "The request has no authenticated caller.")
	}
	// The caller's global condition keys (aws:SourceIp, aws:SecureTransport, aws:CurrentTime,
	// aws:RequestedRegion, ...) as its own requests carry them: a policy that admits the
	// caller only from its network must pass the check from that network.
	rc := policy.NewContext()
	setGlobalKeys(rc, c)
	rc.Set(lkCallerAccount, c.Principal.Account)
	if c.ViaService != "" {
		rc.Set(lkViaService, c.ViaService)
	}
	d := policy.Decide(policy.Input{Model: policy.ModelKMS,
		Request:  &policy.Request{Principal: c.Principal, Action: "kms:PutKeyPolicy", Resource: keyARN, Context: rc},
		Identity: c.Identity, Session: c.Session, Resource: p, ResourceAccount: account})
	if !d.Allowed {
		return errorf(ErrMalformedPolicy, "The new key policy will not allow you to update the key policy in the future.")
	}
	return nil
}
