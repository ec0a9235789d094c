package domain

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"strings"
	"time"

	"github.com/keyhold/keyhold/domain/policy"
	"github.com/keyhold/keyhold/wrap"
)

// CreatePrincipal creates a principal with a new access key. The secret is returned once, to be
// handed to its owner; the state keeps it only sealed under the current domain key.
func (s *Service) CreatePrincipal(ctx context.Context, name string, root bool) (accessKeyID string, secret []byte, err error) {
	raw := make([]byte, 10+30)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, dependencyError("generating an access key", err)
	}
	// AWS access key ids are 20 upper-case base32-like characters; "KHAK" marks keyhold's.
	accessKeyID = "KHAK" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw[:10])[:16]
	secret = []byte(base64.RawStdEncoding.EncodeToString(raw[10:]))[:40]
	clear(raw)
	created := s.now()
	err = s.proposeSealed(ctx, func() ([]byte, error) {
		dkv, dk, err := s.currentDomainKey(ctx)
		if err != nil {
			return nil, err
		}
		tok, err := wrap.SealKeyToken(dk, dkv, wrap.KindCredential, []byte(accessKeyID), secret)
		if err != nil {
			return nil, dependencyError("wrapping the access key", err)
		}
		p := Principal{AccessKeyID: accessKeyID, Name: name, DKVersion: dkv, Token: tok, CreatedAt: created, Root: root}
		return encode(cmdCreatePrincipal, createPrincipalCmd{Principal: p}), nil
	})
	if err != nil {
		clear(secret)
		return "", nil, err
	}
	return accessKeyID, secret, nil
}

// SecretKey returns the secret access key of a principal and its name, for SigV4 verification.
// The caller owns the returned slice and must clear it. Unwrapped secrets are cached (bounded,
// with a TTL, zeroed on eviction) so that authenticating a request needs no HSM call.
func (s *Service) SecretKey(ctx context.Context, accessKeyID string) ([]byte, string, error) {
	var p *Principal
	s.st.View(func(v *View) {
		if q := v.Principal(accessKeyID); q != nil {
			c := *q
			p = &c
		}
	})
	if p == nil {
		return nil, "", errorf(ErrAccessDenied, "The security token included in the request is invalid.")
	}
	if sec, ok := s.creds.get(accessKeyID, s.cfg.Now()); ok {
		return sec, p.Name, nil
	}
	sec, err := wrap.OpenKeyToken(s.domainKeys(ctx), wrap.KindCredential, []byte(accessKeyID), p.Token)
	if err != nil {
		return nil, "", dependencyError("unwrapping the access key", err)
	}
	s.creds.put(accessKeyID, sec, s.cfg.Now())
	return sec, p.Name, nil
}

// RootPrincipal returns the access key id of the domain's first account's root principal, if
// any (what dev mode and root_credentials_file hand out).
func (s *Service) RootPrincipal() (string, bool) {
	var id string
	s.st.View(func(v *View) {
		for _, p := range v.Principals() {
			// Other accounts' roots (create-account) are not the domain's: dev mode and
			// root_credentials_file must never hand one out as the first account's.
			if p.Root && (p.Account == "" || p.Account == v.s.arn.Account) {
				id = p.AccessKeyID
				return
			}
		}
	})
	return id, id != ""
}

// Authenticate returns the secret of an access key, for SigV4 verification, and its caller:
// who the key belongs to and the identity-based policies that apply. The caller owns the
// secret and must clear it. sessionToken is the request's X-Amz-Security-Token; long-term keys
// ignore it. The returned Caller has no request fields (source address, transport, region,
// time): the API layer fills them per request on a copy.
func (s *Service) Authenticate(ctx context.Context, accessKeyID, sessionToken string) ([]byte, *Caller, error) {
	if strings.HasPrefix(accessKeyID, stsKeyPrefix) {
		return nil, nil, errInvalidToken() // the STS session key's record is no access key
	}
	if isSessionKeyID(accessKeyID) {
		return s.authenticateSession(ctx, accessKeyID, sessionToken)
	}
	var p *Principal
	var account string
	// A key created through another node is usable here as soon as CreateAccessKey returned
	// there: an unknown key id catches the replica up once (lookup) before it is refused.
	s.lookup(ctx, func(v *View) bool {
		if q := v.Principal(accessKeyID); q != nil {
			c := *q
			p = &c
		}
		account = v.s.arn.Account
		return p != nil
	})
	if p == nil || p.Inactive {
		return nil, nil, errorf(ErrAccessDenied, "The security token included in the request is invalid.")
	}
	if p.Account != "" {
		account = p.Account
	}
	c := &Caller{AccessKeyID: accessKeyID}
	if p.Root || p.User == "" {
		c.Principal = policy.Principal{Type: policy.PrincipalRoot, ARN: "arn:" + s.cfg.ARNs.Partition + ":iam::" + account + ":root",
			Account: account, UserID: account}
	} else {
		// An IAM user's key: the user's ARN, id, tags and effective policies, derived once per
		// model change. A key whose user no longer exists is refused, never treated as root.
		u := s.userCaller(account, p.User)
		if u == nil {
			return nil, nil, errorf(ErrAccessDenied, "The security token included in the request is invalid.")
		}
		*c = *u
		c.AccessKeyID = accessKeyID
	}
	c.onUse = func(service, region string, at time.Time) { s.idents.noteUse(accessKeyID, service, region, at) }
	sec, _, err := s.SecretKey(ctx, accessKeyID)
	if err != nil {
		return nil, nil, err
	}
	return sec, c, nil
}
