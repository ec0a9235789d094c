package domain

import (
	"context"
	"strings"

	"github.com/keyhold/keyhold/domain/policy"
	"github.com/keyhold/keyhold/wrap"
)

// KMS authorization.
//
// Each public key operation states what it asks for (withAccess: the IAM action and the
// request's condition values) before it resolves its key. resolve, the one place a key
// reference becomes a key, then looks the reference up in the caller's account only (a bare
// key id or alias of another account is not found, as in AWS; a key ARN of another account is
// refused with AccessDeniedException) and authorizes the action against the key's ARN with the
// condition keys KMS sets. Operations that find their key elsewhere (Decrypt without a KeyId,
// from the ciphertext) call authorizeKey themselves. A resolve without a stated access and
// without the system mark is refused: fail closed.

// keyAccess is what a key operation asks for.
type keyAccess struct {
	action string
	// ec is the request's encryption context (kms:EncryptionContext:*, kms:EncryptionContextKeys).
	ec map[string]string
	// The request's algorithm parameters, for the condition keys of the same names.
	encryptionAlg, signingAlg, messageType, macAlg, keyPairSpec, keyAgreementAlg string
	// requestTags are the tags the request sets (aws:RequestTag/*, aws:TagKeys); tagKeys the
	// tag keys it names without values (UntagResource: aws:TagKeys).
	requestTags map[string]string
	tagKeys     []string
	// extra sets an operation's own condition keys (CreateGrant's kms:Grant* keys).
	extra func(*policy.Context)
	// newGrant is the grant CreateGrant would create: a grant may allow creating it only if
	// it is within that grant's own operations and constraints (GrantToCreate).
	newGrant *Grant
}

// tagMap is tags as a map, for aws:RequestTag/*.
func tagMap(tags []Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// setTagKeys sets aws:RequestTag/<key> for each tag and aws:TagKeys to the tag keys (and keys).
func setTagKeys(pc *policy.Context, tags map[string]string, keys []string) {
	if len(tags) == 0 && len(keys) == 0 {
		return
	}
	all := append([]string(nil), keys...)
	for k, v := range tags {
		pc.Set("aws:RequestTag/"+k, v)
		all = append(all, k)
	}
	pc.Set("aws:TagKeys", all...)
}

type accessKey struct{}

// withAccess returns ctx stating what the key operation in progress asks for.
func withAccess(ctx context.Context, a keyAccess) context.Context {
	return context.WithValue(ctx, accessKey{}, a)
}

type actionKey struct{}

// WithAction names the IAM action of the operation the API layer serves when one service
// method serves two operations (GenerateDataKey serves GenerateDataKeyWithoutPlaintext too, as
// GenerateDataKeyPair serves GenerateDataKeyPairWithoutPlaintext). The method honours it only
// for those operations' actions.
func WithAction(ctx context.Context, action string) context.Context {
	return context.WithValue(ctx, actionKey{}, action)
}

// actionFrom returns the action WithAction set when it is one of allowed, else def.
func actionFrom(ctx context.Context, def string, allowed ...string) string {
	a, _ := ctx.Value(actionKey{}).(string)
	for _, x := range allowed {
		if a == x {
			return a
		}
	}
	return def
}

// keyRefAccount returns the account a key reference names explicitly (a key or alias ARN),
// "" for a bare key id or alias name.
func keyRefAccount(ref string) string {
	if !strings.HasPrefix(ref, "arn:") {
		return ""
	}
	parts := strings.SplitN(ref, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// refuseForeignRef refuses a key or alias ARN of another account than the caller's that names
// no key, with the AccessDenied a key not shared with the caller gets.
func (s *Service) refuseForeignRef(ctx context.Context, a keyAccess, ref, account string) error {
	if IsSystem(ctx) {
		return nil
	}
	other := keyRefAccount(ref)
	if other == "" || other == account {
		return nil
	}
	return s.authorize(ctx, authzRequest{action: a.action, resource: ref, account: other})
}

// authorizeKey authorizes a (from ctx) on key id; alias is the alias name the request used,
// if it used one (kms:RequestAlias).
func (s *Service) authorizeKey(ctx context.Context, id wrap.KeyID, alias string) error {
	if IsSystem(ctx) {
		return nil
	}
	a, ok := ctx.Value(accessKey{}).(keyAccess)
	if !ok {
		s.log.Error("key operation without a stated access refused", "key_id", id.String())
		return errorf(ErrAccessDenied, "The request is not authorized: the operation did not state its action.")
	}
	var (
		spec, usage, origin, account string
		kp                           *policy.Policy
		isDefault, found             bool
	)
	s.st.View(func(v *View) {
		if k := v.Key(id); k != nil {
			found = true
			spec, usage, origin, account = k.KeySpec, k.KeyUsage, k.Origin, v.KeyAccount(k)
			kp, isDefault = v.keyPolicy(k, s.cfg.ARNs)
		}
	})
	if !found {
		return errorf(ErrNotFound, "Key '%s' does not exist", s.cfg.ARNs.In(s.CallerAccount(ctx)).Key(id))
	}
	c, _ := CallerFrom(ctx)
	req := authzRequest{action: a.action, resource: s.cfg.ARNs.In(account).Key(id), account: account, ec: a.ec}
	home := c != nil && account == c.Principal.Account
	switch {
	case home && isDefault:
		// The default key policy trusts the key's account and nothing else, so for a caller of
		// that account it decides exactly as the caller's IAM policies do: evaluate those alone
		// (and keep the root's fast path). Across accounts it refuses, below.
	case !home && !crossAccountActions[a.action]:
		// Key management stays with the key's account whatever the key policy says (AWS lets
		// other accounts use a key, never administer it): no resource policy, so refused.
	default:
		if kp == nil {
			kp = allowsNothing // a stored policy the parser now refuses grants nothing
		}
		req.resourcePolicy, req.model = kp, policy.ModelKMS
	}
	if c != nil && (home || crossAccountActions[a.action]) {
		op := strings.TrimPrefix(a.action, "kms:")
		req.grant = func() *policy.GrantRef {
			var ref *policy.GrantRef
			// A grant is in force on every node once CreateGrant returned: a replica that has
			// not applied it yet catches up before it refuses (lookup, as for a new key).
			s.lookup(ctx, func(v *View) bool {
				var g *Grant
				if a.newGrant != nil {
					g = v.GrantToCreate(id, c.Principal, a.newGrant)
				} else {
					g = v.GrantFor(id, c.Principal, op, a.ec)
				}
				if g != nil {
					ref = &policy.GrantRef{GrantID: g.ID}
				}
				return ref != nil
			})
			return ref
		}
	}
	req.keys = func(pc *policy.Context) error {
		if c != nil {
			pc.Set(lkCallerAccount, c.Principal.Account)
			if c.ViaService != "" {
				pc.Set(lkViaService, c.ViaService)
			}
		}
		pc.Set(lkKeySpec, spec)
		pc.Set(lkKeyUsage, usage)
		pc.Set(lkKeyOrigin, origin)
		var aliases []string
		s.st.View(func(v *View) { aliases = v.AliasesOf(id) })
		if len(aliases) > 0 {
			// kms:ResourceAliases holds alias names ("alias/x"), as AWS's does.
			pc.Set(lkResourceAliases, aliases...)
		}
		if alias != "" {
			pc.Set(lkRequestAlias, alias)
		}
		setIf(pc, lkEncryptionAlg, a.encryptionAlg)
		setIf(pc, lkSigningAlg, a.signingAlg)
		setIf(pc, lkMessageType, a.messageType)
		setIf(pc, lkMacAlg, a.macAlg)
		setIf(pc, lkKeyPairSpec, a.keyPairSpec)
		setIf(pc, lkKeyAgreementAlg, a.keyAgreementAlg)
		setTagKeys(pc, a.requestTags, a.tagKeys)
		if a.extra != nil {
			a.extra(pc)
		}
		return nil
	}
	return s.authorize(ctx, req)
}

// crossAccountActions are the KMS actions a principal of another account may perform on a key
// when the key policy (or a grant) and its own IAM policies allow it: using the key, reading its
// metadata and managing grants, as AWS documents. Administering a key stays with its account.
var crossAccountActions = map[string]bool{
	"kms:CreateGrant": true, "kms:Decrypt": true, "kms:DescribeKey": true, "kms:DeriveSharedSecret": true,
	"kms:Encrypt": true, "kms:GenerateDataKey": true, "kms:GenerateDataKeyPair": true,
	"kms:GenerateDataKeyPairWithoutPlaintext": true, "kms:GenerateDataKeyWithoutPlaintext": true,
	"kms:GenerateMac": true, "kms:GetKeyRotationStatus": true, "kms:GetPublicKey": true,
	"kms:ListGrants": true, "kms:ReEncryptFrom": true, "kms:ReEncryptTo": true, "kms:RetireGrant": true,
	"kms:RevokeGrant": true, "kms:Sign": true, "kms:Verify": true, "kms:VerifyMac": true,
}

// allowsNothing stands for a key policy that cannot be read: it has no statement, so it allows
// nobody, and the key fails closed.
var allowsNothing = &policy.Policy{Name: "key policy", Kind: policy.KindResource}

func setIf(pc *policy.Context, key, v string) {
	if v != "" {
		pc.Set(key, v)
	}
}

// authorizeAccount authorizes an account-level KMS action (CreateKey, ListKeys, ListAliases,
// GenerateRandom): resource "*", the caller's own account.
func (s *Service) authorizeAccount(ctx context.Context, action string, keys func(*policy.Context)) error {
	req := authzRequest{action: action, resource: "*"}
	c, _ := CallerFrom(ctx)
	req.keys = func(pc *policy.Context) error {
		if c != nil {
			pc.Set(lkCallerAccount, c.Principal.Account)
			if c.ViaService != "" {
				pc.Set(lkViaService, c.ViaService)
			}
		}
		if keys != nil {
			keys(pc)
		}
		return nil
	}
	return s.authorize(ctx, req)
}

// authorizeAlias authorizes action on the alias name of the caller's account (CreateAlias,
// UpdateAlias and DeleteAlias need permission on the alias as well as on the key).
func (s *Service) authorizeAlias(ctx context.Context, action, name string) error {
	account := s.CallerAccount(ctx)
	return s.authorize(ctx, authzRequest{action: action, resource: s.cfg.ARNs.In(account).Alias(name), account: account})
}

// msgTypeOrRaw is kms:MessageType: the request's MessageType, RAW when omitted (AWS's default).
func msgTypeOrRaw(t string) string {
	if t == "" {
		return "RAW"
	}
	return t
}

// inCallerAccount reports whether key id belongs to the caller's account (any account for
// keyhold's own work).
func (s *Service) inCallerAccount(ctx context.Context, id wrap.KeyID) bool {
	if IsSystem(ctx) {
		return true
	}
	account := s.CallerAccount(ctx)
	ok := false
	s.st.View(func(v *View) {
		if k := v.Key(id); k != nil {
			ok = v.KeyAccount(k) == account
		}
	})
	return ok
}

// AuthorizeKeyUse decides whether the caller in ctx may perform action (an IAM action such as
// "kms:Decrypt") on the key ref names, with encryption context ec, without doing it. Callers
// that serve a request from material they cached (S3 Bucket Keys) call it on every request,
// so a cache never stands in for the caller's permission; KMS DryRun requests are answered
// with it. A ref of "" authorizes the account-level action (resource "*").
func (s *Service) AuthorizeKeyUse(ctx context.Context, action, ref string, ec map[string]string) error {
	if ref == "" {
		return s.authorizeAccount(ctx, action, nil)
	}
	_, err := s.resolve(withAccess(ctx, keyAccess{action: action, ec: ec, encryptionAlg: AlgorithmSymmetric}), ref, true)
	return err
}
