package domain

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"github.com/keyhold/keyhold/domain/policy"
	"regexp"
	"slices"
	"strings"

	"github.com/keyhold/keyhold/wrap"
)

// CreateGrantInput is CreateGrant's request.
type CreateGrantInput struct {
	KeyRef            string
	GranteePrincipal  string
	RetiringPrincipal string
	Operations        []string
	Constraints       *GrantConstraints
	Name              string
}

// grantTokenPrefix starts every grant token keyhold issues. Grants are in force as soon as
// CreateGrant returns, so a token is only a way to name the grant (RetireGrant takes one) and
// is accepted wherever KMS takes GrantTokens.
const grantTokenPrefix = "khgt1."

func grantToken(id string) string {
	return grantTokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(id))
}

// grantIDFromToken returns the grant id a token names.
func grantIDFromToken(tok string) (string, bool) {
	rest, ok := strings.CutPrefix(tok, grantTokenPrefix)
	if !ok {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) != 64 {
		return "", false
	}
	return string(b), true
}

// CheckGrantTokens validates the GrantTokens parameter of any operation: at most 10 tokens of
// 1 to 8,192 characters. Their content is not needed (grants take effect at once).
func CheckGrantTokens(tokens []string) error {
	if len(tokens) > 10 {
		return errorf(ErrValidation, "1 validation error detected: Value at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	for _, t := range tokens {
		if len(t) < 1 || len(t) > 8192 {
			return errorf(ErrValidation, "1 validation error detected: Value at 'grantTokens' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 8192, Member must have length greater than or equal to 1]")
		}
	}
	return nil
}

// principalARN matches what a grant may name as its grantee or retiring principal: an account,
// an IAM user or role, a role session, or a service principal.
var principalARN = regexp.MustCompile(`^(arn:aws[a-z-]*:iam::\d{12}:(root|user/.+|role/.+)|arn:aws[a-z-]*:sts::\d{12}:assumed-role/[^/]+/.+|[a-z0-9.-]+\.amazonaws\.com)$`)

// CreateGrant creates a grant on a key (by key id or ARN: KMS takes no alias here) and returns
// its id and token. A request repeating an existing grant's Name and parameters returns that
// grant, as KMS's idempotency does.
func (s *Service) CreateGrant(ctx context.Context, in CreateGrantInput) (id, token string, err error) {
	g, err := s.checkGrant(in)
	if err != nil {
		return "", "", err
	}
	ctx = withAccess(ctx, keyAccess{action: "kms:CreateGrant", extra: grantConditionKeys(ctx, g), newGrant: g})
	keyID, err := s.resolve(ctx, in.KeyRef, false)
	if err != nil {
		return "", "", err
	}
	g.KeyID = keyID
	if in.Name != "" {
		var found string
		s.st.View(func(v *View) {
			for _, old := range v.Grants(keyID) {
				if old.sameRequest(g) {
					found = old.ID
					return
				}
			}
		})
		if found != "" {
			return found, grantToken(found), nil
		}
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", "", dependencyError("creating a grant id", err)
	}
	g.ID = hex.EncodeToString(raw[:])
	g.IssuingAccount = "arn:" + s.cfg.ARNs.Partition + ":iam::" + s.grantAccount(ctx) + ":root"
	g.CreatedAt = s.now()
	if err := s.propose(ctx, encode(cmdCreateGrant, createGrantCmd{Grant: *g})); err != nil {
		return "", "", err
	}
	return g.ID, grantToken(g.ID), nil
}

// grantAccount is the account a grant is issued in: the caller's, or the first account for
// keyhold's own work.
func (s *Service) grantAccount(ctx context.Context) string {
	if c, ok := CallerFrom(ctx); ok && c.Principal.Account != "" {
		return c.Principal.Account
	}
	return s.cfg.ARNs.Account
}

// checkGrant validates CreateGrant's parameters as KMS does.
func (s *Service) checkGrant(in CreateGrantInput) (*Grant, error) {
	if in.GranteePrincipal == "" {
		return nil, errorf(ErrValidation, "1 validation error detected: Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null")
	}
	for _, p := range []string{in.GranteePrincipal, in.RetiringPrincipal} {
		if p != "" && (len(p) > 256 || !principalARN.MatchString(p)) {
			return nil, errorf(ErrValidation, "Invalid principal: %s", p)
		}
	}
	if len(in.Operations) == 0 {
		return nil, errorf(ErrValidation, "1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null")
	}
	ops := slices.Clone(in.Operations)
	slices.Sort(ops)
	ops = slices.Compact(ops)
	for _, op := range ops {
		if !slices.Contains(GrantOperations, op) {
			return nil, errorf(ErrValidation, "1 validation error detected: Value '[%s]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [%s]]", op, strings.Join(GrantOperations, ", "))
		}
		if in.Constraints != nil && contextFreeOperations[op] {
			return nil, errorf(ErrValidation, "Grant constraints are not applicable to the %s operation, which takes no encryption context.", op)
		}
	}
	if len(in.Name) > 256 {
		return nil, errorf(ErrValidation, "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to 256")
	}
	g := &Grant{Name: in.Name, GranteePrincipal: in.GranteePrincipal, RetiringPrincipal: in.RetiringPrincipal, Operations: ops}
	if c := in.Constraints; c != nil && (len(c.EncryptionContextEquals) > 0 || len(c.EncryptionContextSubset) > 0) {
		g.Constraints = &GrantConstraints{EncryptionContextEquals: c.EncryptionContextEquals, EncryptionContextSubset: c.EncryptionContextSubset}
		if len(c.EncryptionContextEquals) == 0 {
			g.Constraints.EncryptionContextEquals = nil
		}
		if len(c.EncryptionContextSubset) == 0 {
			g.Constraints.EncryptionContextSubset = nil
		}
	}
	return g, nil
}

// ListGrants lists the grants of a key, optionally one grant or one grantee's, after marker.
func (s *Service) ListGrants(ctx context.Context, ref string, limit int, marker, grantID, grantee string) ([]*Grant, string, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:ListGrants"})
	keyID, err := s.resolve(ctx, ref, false)
	if err != nil {
		return nil, "", err
	}
	var all []*Grant
	s.st.View(func(v *View) {
		for _, g := range v.Grants(keyID) {
			if (grantID == "" || g.ID == grantID) && (grantee == "" || g.GranteePrincipal == grantee) {
				all = append(all, g.clone())
			}
		}
	})
	return pageGrants(all, limit, marker)
}

// ListRetirableGrants lists the grants, on keys of the caller's account, whose retiring
// principal is principal, in grant id order. It walks the grants, not the keys: a node may hold a
// million keys and few grants.
func (s *Service) ListRetirableGrants(ctx context.Context, principal string, limit int, marker string) ([]*Grant, string, error) {
	if principal == "" {
		return nil, "", errorf(ErrValidation, "1 validation error detected: Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null")
	}
	if err := s.authorizeAccount(ctx, "kms:ListRetirableGrants", nil); err != nil {
		return nil, "", err
	}
	account := s.CallerAccount(ctx)
	var all []*Grant
	s.st.View(func(v *View) {
		for _, g := range v.s.grants.byID {
			if g.RetiringPrincipal != principal {
				continue
			}
			if k := v.Key(g.KeyID); k != nil && (IsSystem(ctx) || v.KeyAccount(k) == account) {
				all = append(all, g.clone())
			}
		}
	})
	slices.SortFunc(all, func(a, b *Grant) int { return strings.Compare(a.ID, b.ID) })
	return pageGrants(all, limit, marker)
}

// pageGrants cuts a page of at most limit (default 50, 1..100) grants after the grant whose id
// is marker.
func pageGrants(all []*Grant, limit int, marker string) ([]*Grant, string, error) {
	if limit == 0 {
		limit = 50
	}
	if err := checkRange("limit", limit, 1, 100); err != nil {
		return nil, "", err
	}
	start := 0
	if marker != "" {
		i := slices.IndexFunc(all, func(g *Grant) bool { return g.ID == marker })
		if i < 0 {
			return nil, "", errorf(ErrInvalidMarker, "Invalid marker: %s", marker)
		}
		start = i + 1
	}
	end := min(start+limit, len(all))
	next := ""
	if end < len(all) {
		next = all[end-1].ID
	}
	return all[start:end], next, nil
}

// RetireGrant removes a grant named by its token, or by key and grant id. Policies do not
// decide it (KMS: kms:RetireGrant cannot be granted by a policy): the caller must be the
// grant's retiring principal, its grantee when the grant allows RetireGrant, or the account
// that issued it.
func (s *Service) RetireGrant(ctx context.Context, token, keyRef, grantID string) error {
	var keyID wrap.KeyID
	switch {
	case token != "":
		id, ok := grantIDFromToken(token)
		if !ok {
			return errorf(ErrInvalidGrantToken, "The grant token is not valid.")
		}
		grantID = id
	case keyRef != "" && grantID != "":
		// The grant decides who may retire it, not the key's policies: the key is only parsed
		// from its reference, never authorized.
		r, err := s.cfg.ARNs.parseKeyRef(keyRef)
		if err != nil {
			return err
		}
		if r.alias != "" {
			return errorf(ErrNotFound, "Alias is not allowed here: specify the key with its key ID or key ARN, not '%s'", keyRef)
		}
		keyID = r.id
	default:
		return errorf(ErrValidation, "Specify a grant token, or a key id and a grant id.")
	}
	var g *Grant
	s.lookup(ctx, func(v *View) bool {
		if x := v.Grant(grantID); x != nil && (keyID == wrap.KeyID{} || x.KeyID == keyID) {
			g = x.clone()
		}
		return g != nil
	})
	if g == nil {
		return errorf(ErrNotFound, "Grant ID %s not found", grantID)
	}
	if !IsSystem(ctx) {
		c, ok := CallerFrom(ctx)
		if !ok {
			return errorf(ErrAccessDenied, "The request has no authenticated caller.")
		}
		p := c.Principal
		issuer := "arn:" + s.cfg.ARNs.Partition + ":iam::" + p.Account + ":root"
		allowed := g.RetiringPrincipal != "" && (g.RetiringPrincipal == p.ARN || p.RoleARN != "" && g.RetiringPrincipal == p.RoleARN) ||
			g.matchesGrantee(p) && g.allowsOperation("RetireGrant") ||
			g.IssuingAccount == issuer && p.ARN == issuer
		if !allowed {
			return errorf(ErrAccessDenied, "User: %s is not authorized to perform: kms:RetireGrant on resource: %s because it is neither the grant's retiring principal nor its grantee with RetireGrant", p.ARN, s.cfg.ARNs.Key(g.KeyID))
		}
	}
	return s.propose(ctx, encode(cmdRemoveGrant, removeGrantCmd{KeyID: g.KeyID, GrantID: g.ID}))
}

// RevokeGrant removes a grant of a key; the key's policies decide who may (kms:RevokeGrant).
func (s *Service) RevokeGrant(ctx context.Context, keyRef, grantID string) error {
	ctx = withAccess(ctx, keyAccess{action: "kms:RevokeGrant"})
	keyID, err := s.resolve(ctx, keyRef, false)
	if err != nil {
		return err
	}
	found := s.lookup(ctx, func(v *View) bool {
		g := v.Grant(grantID)
		return g != nil && g.KeyID == keyID
	})
	if !found {
		return errorf(ErrNotFound, "Grant ID %s not found", grantID)
	}
	return s.propose(ctx, encode(cmdRemoveGrant, removeGrantCmd{KeyID: keyID, GrantID: grantID}))
}

// grantConditionKeys sets the condition keys CreateGrant is authorized with:
// kms:GrantOperations, kms:GranteePrincipal, kms:RetiringPrincipal, kms:GrantConstraintType
// and kms:GrantIsForAWSResource (true when an integrated service creates the grant for its
// caller).
func grantConditionKeys(ctx context.Context, g *Grant) func(*policy.Context) {
	return func(pc *policy.Context) {
		pc.Set(policy.KeyKMSGrantOperations, g.Operations...)
		pc.Set(policy.KeyKMSGranteePrincipal, g.GranteePrincipal)
		if g.RetiringPrincipal != "" {
			pc.Set(policy.KeyKMSRetiringPrincipal, g.RetiringPrincipal)
		}
		if c := g.Constraints; c != nil {
			var types []string
			if c.EncryptionContextEquals != nil {
				types = append(types, "EncryptionContextEquals")
			}
			if c.EncryptionContextSubset != nil {
				types = append(types, "EncryptionContextSubset")
			}
			pc.Set("kms:GrantConstraintType", types...)
		}
		forService := "false"
		if c, ok := CallerFrom(ctx); ok && c.ViaService != "" {
			forService = "true"
		}
		pc.Set(policy.KeyKMSGrantIsForAWSResource, forService)
	}
}
