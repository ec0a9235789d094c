package domain

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"
	"github.com/keyhold/keyhold/domain/ststoken"
)

// STS session limits, as AWS's.
const (
	// MinSessionDuration is the shortest session AssumeRole grants (seconds).
	MinSessionDuration = 900
	// DefaultSessionDuration is a session's length when the request names none.
	DefaultSessionDuration = 3600
	// ChainedSessionLimit caps a session made by a role session (role chaining).
	ChainedSessionLimit = 3600
	// maxPackedPolicy is the budget PackedPolicySize is a percentage of: session policy and
	// session tags together.
	maxPackedPolicy = 4096
)

// AssumeRoleInput is an AssumeRole (or AssumeRoleWithWebIdentity) request.
type AssumeRoleInput struct {
	RoleARN     string
	SessionName string
	// DurationSeconds is 0 for the default (3600).
	DurationSeconds int
	// Policy is an inline session policy ("" for none); PolicyARNs managed session policies.
	Policy     string
	PolicyARNs []string
	// Tags are session tags; TransitiveTagKeys those of them that pass on to chained sessions.
	Tags              []iam.Tag
	TransitiveTagKeys []string
	ExternalID        string
	SourceIdentity    string
}

// RoleSession is what AssumeRole returns: the temporary credentials and who they are.
type RoleSession struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	// AssumedRoleID is "AROA...:session"; ARN the session's assumed-role ARN.
	AssumedRoleID string
	ARN           string
	// PackedPolicySize is the session policies and tags as a percentage of the allowed size.
	PackedPolicySize int
}

// AssumeRole makes a role session for the caller in ctx, if the role's trust policy (and, for
// an account trusted as a whole or across accounts, the caller's own policies) allows
// sts:AssumeRole. Nothing is written to the replicated state: the session lives in its sealed
// token.
func (s *Service) AssumeRole(ctx context.Context, in AssumeRoleInput) (*RoleSession, error) {
	caller, ok := CallerFrom(ctx)
	if !ok {
		return nil, errorf(ErrAccessDenied, "The request has no authenticated caller.")
	}
	role, duration, err := s.checkAssumeRole(ctx, caller, &in)
	if err != nil {
		return nil, err
	}
	pc := stsRequestContext(caller)
	pc.SetPrincipal(caller.Principal)
	setAssumeRoleKeys(pc, &in)
	if in.ExternalID != "" {
		pc.Set("sts:ExternalId", in.ExternalID)
	}
	if err := s.trustAllows(caller, role, "sts:AssumeRole", pc); err != nil {
		return nil, err
	}
	// Inherited transitive tags are session tags too: the role must allow sts:TagSession.
	if err := inheritTransitiveTags(caller, &in); err != nil {
		return nil, err
	}
	if err := s.trustAllowsExtras(caller, role, &in, pc); err != nil {
		return nil, err
	}
	return s.mintSession(ctx, role, &in, duration, "")
}

// checkAssumeRole validates the request and resolves the role. A role that does not exist is
// AccessDenied, as in AWS: STS does not tell a caller which roles exist.
func (s *Service) checkAssumeRole(ctx context.Context, caller *Caller, in *AssumeRoleInput) (*iam.Role, int, error) {
	if err := checkSessionName(in.SessionName); err != nil {
		return nil, 0, err
	}
	account, path, name, ok := s.parseRoleARN(in.RoleARN)
	if !ok {
		return nil, 0, errorf(ErrValidation, "%s is invalid", in.RoleARN)
	}
	if in.SourceIdentity != "" {
		if err := checkSTSPattern("sourceIdentity", in.SourceIdentity, 2, 64); err != nil {
			return nil, 0, err
		}
		if strings.HasPrefix(strings.ToLower(in.SourceIdentity), "aws:") {
			return nil, 0, errorf(ErrValidation, "SourceIdentity cannot begin with aws:")
		}
	}
	if n := utf8.RuneCountInString(in.ExternalID); in.ExternalID != "" && (n < 2 || n > 1224) {
		return nil, 0, errorf(ErrValidation, "1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must have length between 2 and 1224")
	}
	if err := checkSessionTags(in.Tags, in.TransitiveTagKeys); err != nil {
		return nil, 0, err
	}
	if len(in.PolicyARNs) > 10 {
		return nil, 0, errorf(ErrValidation, "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	var role *iam.Role
	s.st.View(func(v *View) { role = v.IAM().Role(account, name) })
	if role == nil && s.cfg.CatchUp != nil {
		// Created through another node a moment ago: catch up before saying it is not there.
		if err := s.cfg.CatchUp(ctx); err == nil {
			s.st.View(func(v *View) { role = v.IAM().Role(account, name) })
		}
	}
	if role == nil || role.Path != path || role.Name != name {
		return nil, 0, errorf(ErrAccessDenied, "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.Principal.ARN, in.RoleARN)
	}
	duration := in.DurationSeconds
	if duration == 0 {
		duration = DefaultSessionDuration
	}
	max := role.MaxSessionDuration
	if max == 0 {
		max = iam.MinRoleSession
	}
	if caller.Principal.Type == policy.PrincipalAssumedRole && duration > ChainedSessionLimit {
		return nil, 0, errorf(ErrValidation, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if duration < MinSessionDuration {
		return nil, 0, errorf(ErrValidation, "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", duration, MinSessionDuration)
	}
	if duration > max {
		return nil, 0, errorf(ErrValidation, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return role, duration, nil
}

// trustAllows decides whether caller may perform action (sts:AssumeRole, sts:TagSession, ...)
// on role: the trust policy is the resource policy, with KMS's combination rule, which is
// AWS's for roles too: a trust policy naming the caller (or its role) suffices; one trusting
// the caller's account as a whole needs the caller's identity policies to allow as well, and
// across accounts both must allow.
func (s *Service) trustAllows(caller *Caller, role *iam.Role, action string, pc *policy.Context) error {
	roleARN := s.RoleARN(role)
	trust := role.Trust()
	if trust == nil {
		return errorf(ErrAccessDenied, "User: %s is not authorized to perform: %s on resource: %s", caller.Principal.ARN, action, roleARN)
	}
	req := &policy.Request{Principal: caller.Principal, Action: action, Resource: roleARN, Context: pc}
	d := policy.Decide(policy.Input{Model: policy.ModelKMS, Request: req, Identity: caller.Identity,
		Session: caller.Session, Resource: trust, ResourceAccount: role.Account})
	if !d.Allowed {
		return errorf(ErrAccessDenied, "%s", d.Message())
	}
	return nil
}

// trustAllowsExtras checks the trust policy's permissions for what a session request adds:
// session tags need sts:TagSession, a source identity sts:SetSourceIdentity (AWS's rule).
func (s *Service) trustAllowsExtras(caller *Caller, role *iam.Role, in *AssumeRoleInput, pc *policy.Context) error {
	if len(in.Tags) > 0 || len(in.TransitiveTagKeys) > 0 {
		if err := s.trustAllows(caller, role, "sts:TagSession", pc); err != nil {
			return err
		}
	}
	if in.SourceIdentity != "" {
		return s.trustAllows(caller, role, "sts:SetSourceIdentity", pc)
	}
	return nil
}

// inheritTransitiveTags adds a chaining caller's transitive session tags to the new session's,
// as transitive again. As in AWS, a request cannot change an inherited tag's value, and the
// 50-tag limit counts both.
func inheritTransitiveTags(caller *Caller, in *AssumeRoleInput) error {
	for _, t := range caller.Transitive {
		given := false
		for _, u := range in.Tags {
			if strings.EqualFold(u.Key, t.Key) {
				if u.Value != t.Value {
					return errorf(ErrValidation, "The session tag %s is transitive from the calling session and cannot be changed.", t.Key)
				}
				given = true
			}
		}
		if !given {
			in.Tags = append(in.Tags, t)
		}
		found := false
		for _, k := range in.TransitiveTagKeys {
			found = found || strings.EqualFold(k, t.Key)
		}
		if !found {
			in.TransitiveTagKeys = append(in.TransitiveTagKeys, t.Key)
		}
	}
	if len(in.Tags) > 50 {
		return errorf(ErrValidation, "The session would have more than 50 tags with those inherited from the calling session.")
	}
	return nil
}

// setAssumeRoleKeys sets the request keys STS adds for a session request.
func setAssumeRoleKeys(pc *policy.Context, in *AssumeRoleInput) {
	pc.Set("sts:RoleSessionName", in.SessionName)
	if in.SourceIdentity != "" {
		pc.Set("sts:SourceIdentity", in.SourceIdentity)
	}
	if len(in.Tags) > 0 {
		keys := make([]string, 0, len(in.Tags))
		for _, t := range in.Tags {
			pc.Set("aws:RequestTag/"+t.Key, t.Value)
			keys = append(keys, t.Key)
		}
		pc.Set("aws:TagKeys", keys...)
	}
	if len(in.TransitiveTagKeys) > 0 {
		pc.Set("sts:TransitiveTagKeys", in.TransitiveTagKeys...)
	}
}

// stsRequestContext sets the global keys a caller's connection gives (source address,
// transport, time, region).
func stsRequestContext(c *Caller) *policy.Context {
	pc := policy.NewContext()
	if c.SourceIP != "" {
		pc.Set(policy.KeySourceIp, c.SourceIP)
	}
	pc.Set(policy.KeySecureTransport, strconv.FormatBool(c.SecureTransport))
	if !c.Time.IsZero() {
		pc.Set(policy.KeyCurrentTime, c.Time.UTC().Format(time.RFC3339))
		pc.Set(policy.KeyEpochTime, strconv.FormatInt(c.Time.Unix(), 10))
	}
	if c.Region != "" {
		pc.Set(policy.KeyRequestedRegion, c.Region)
	}
	return pc
}

// mintSession makes a session of role for a request the trust policy allowed: it checks the
// session policies, makes the access key and secret and seals them with the rest of the session
// into the token.
func (s *Service) mintSession(ctx context.Context, role *iam.Role, in *AssumeRoleInput, duration int, federated string) (*RoleSession, error) {
	if in.Policy != "" {
		if _, err := iam.Compile(in.Policy, iam.KindSession, "session policy"); err != nil {
			return nil, iamError(err)
		}
	}
	for _, arn := range in.PolicyARNs {
		found := false
		s.st.View(func(v *View) { found = v.IAM().ManagedPolicyByARN(role.Account, arn) != nil })
		if !found {
			return nil, errorf(ErrValidation, "The policy %s does not exist or is not attachable.", arn)
		}
	}
	packed := utf8.RuneCountInString(in.Policy)
	for _, t := range in.Tags {
		packed += len(t.Key) + len(t.Value)
	}
	size := packed * 100 / maxPackedPolicy
	if size > 100 {
		return nil, errorf(ErrPackedPolicyTooLarge, "Serialized token too large for session")
	}
	var raw [10 + 30]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, dependencyError("generating a session key", err)
	}
	akid := "ASIA" + base32.StdEncoding.EncodeToString(raw[:10])[:16]
	secret := base64.RawStdEncoding.EncodeToString(raw[10:])[:40]
	clear(raw[:])
	now := s.cfg.Now().UTC().Truncate(time.Second)
	c := &ststoken.Claims{
		AccessKeyID: akid, Secret: secret, Account: role.Account, RoleName: role.Name, RolePath: role.Path,
		RoleID: role.ID, SessionName: in.SessionName, Issued: now, Expires: now.Add(time.Duration(duration) * time.Second),
		SourceIdentity: in.SourceIdentity, Transitive: in.TransitiveTagKeys, Policy: in.Policy,
		PolicyARNs: in.PolicyARNs, Federated: federated,
	}
	for _, t := range in.Tags {
		c.Tags = append(c.Tags, ststoken.Tag{Key: t.Key, Value: t.Value})
	}
	key, kv, err := s.stsMintKey(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := ststoken.Seal(key, kv, c)
	clear(key)
	if errors.Is(err, ststoken.ErrTooLarge) {
		return nil, errorf(ErrPackedPolicyTooLarge, "Serialized token too large for session")
	}
	if err != nil {
		return nil, dependencyError("sealing the session token", err)
	}
	return &RoleSession{
		AccessKeyID: akid, SecretAccessKey: secret, SessionToken: tok, Expiration: c.Expires,
		AssumedRoleID: role.ID + ":" + in.SessionName,
		ARN:           s.sessionARN(role.Account, role.Name, in.SessionName), PackedPolicySize: size,
	}, nil
}

func (s *Service) sessionARN(account, role, session string) string {
	return "arn:" + s.cfg.ARNs.Partition + ":sts::" + account + ":assumed-role/" + role + "/" + session
}

// parseRoleARN splits arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
func (s *Service) parseRoleARN(arn string) (account, path, name string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:"+s.cfg.ARNs.Partition+":iam::")
	if !ok {
		return "", "", "", false
	}
	account, rest, ok = strings.Cut(rest, ":role/")
	if !ok || len(account) != 12 || strings.Trim(account, "0123456789") != "" {
		return "", "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	path, name = "/"+rest[:i+1], rest[i+1:]
	if name == "" || iam.CheckRoleName("roleName", name) != nil {
		return "", "", "", false
	}
	return account, path, name, true
}

// checkSessionName checks a role session name: 2 to 64 characters of [\w+=,.@-].
func checkSessionName(n string) error { return checkSTSPattern("roleSessionName", n, 2, 64) }

func checkSTSPattern(field, v string, min, max int) error {
	if err := iam.CheckNamePattern(field, v, min, max); err != nil {
		return iamError(err)
	}
	return nil
}

// checkSessionTags checks session tags as STS does: at most 50, keys 1..128 and values 0..256
// characters of the tag alphabet, no key twice (case-insensitively), transitive keys among the
// tags.
func checkSessionTags(tags []iam.Tag, transitive []string) error {
	if len(tags) > 50 {
		return errorf(ErrValidation, "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	if err := iam.CheckRoleTags(tags); err != nil {
		return iamError(err)
	}
	for _, k := range transitive {
		found := false
		for _, t := range tags {
			found = found || strings.EqualFold(t.Key, k)
		}
		if !found {
			return errorf(ErrValidation, "The transitive tag key %s is not among the session tags.", k)
		}
	}
	return nil
}
