package sts

import (
	"context"
	"strconv"
	"time"

	"github.com/keyhold/keyhold/api/query"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/domain/iam"
)

// RoleService is what AssumeRole needs of the domain.
type RoleService interface {
	AssumeRole(ctx context.Context, in domain.AssumeRoleInput) (*domain.RoleSession, error)
}

// credentialsXML and assumedRoleUserXML are STS's shapes.
type credentialsXML struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

type assumedRoleUserXML struct {
	AssumedRoleId string
	Arn           string
}

func sessionXML(s *domain.RoleSession) (credentialsXML, assumedRoleUserXML) {
	return credentialsXML{AccessKeyId: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken,
			Expiration: s.Expiration.UTC().Format(time.RFC3339)},
		assumedRoleUserXML{AssumedRoleId: s.AssumedRoleID, Arn: s.ARN}
}

// assumeRole answers AssumeRole. Its authorization is the trust decision the domain makes
// (the role's trust policy with the caller's own policies, as AWS combines them), not the
// pipeline's identity-only check: a trust policy naming the caller suffices without any
// identity policy.
func (h *handlers) assumeRole(ctx context.Context, c *query.Call) (any, error) {
	in, err := sessionParams(c)
	if err != nil {
		return nil, err
	}
	if c.Param("SerialNumber") != "" || c.Param("TokenCode") != "" {
		return nil, &domain.Error{Kind: domain.ErrAccessDenied, Msg: "MultiFactorAuthentication failed, unable to validate MFA code."}
	}
	in.ExternalID = c.Param("ExternalId")
	in.SourceIdentity = c.Param("SourceIdentity")
	if in.Tags, err = stsTags(c); err != nil {
		return nil, err
	}
	if in.TransitiveTagKeys, err = stsList(c, "TransitiveTagKeys", 50); err != nil {
		return nil, err
	}
	c.Resource = in.RoleARN
	s, err := h.svc.AssumeRole(ctx, in)
	if err != nil {
		return nil, err
	}
	creds, user := sessionXML(s)
	type result struct {
		Credentials      credentialsXML
		AssumedRoleUser  assumedRoleUserXML
		PackedPolicySize int
		SourceIdentity   string `xml:",omitempty"`
	}
	return result{Credentials: creds, AssumedRoleUser: user, PackedPolicySize: s.PackedPolicySize, SourceIdentity: in.SourceIdentity}, nil
}

// sessionParams reads what AssumeRole and AssumeRoleWithWebIdentity share.
func sessionParams(c *query.Call) (domain.AssumeRoleInput, error) {
	var in domain.AssumeRoleInput
	var err error
	if in.RoleARN, err = c.Required("RoleArn"); err != nil {
		return in, err
	}
	if n := len(in.RoleARN); n < 20 || n > 2048 {
		return in, query.Errorf(query.ErrValidation, "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048")
	}
	if in.SessionName, err = c.Required("RoleSessionName"); err != nil {
		return in, err
	}
	if v := c.Param("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return in, query.Errorf(query.ErrInvalidParameter, "DurationSeconds must be a number.")
		}
		// An explicit value below the minimum (0 included) is refused here: to the domain, 0
		// means "not given".
		if n < domain.MinSessionDuration {
			return in, query.Errorf(query.ErrValidation, "1 validation error detected: Value '"+v+"' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
		}
		in.DurationSeconds = n
	}
	in.Policy = c.Param("Policy")
	// The 2,048-character quota (white space not counted) is the policy compiler's; this only
	// bounds the text before it is parsed.
	if len(in.Policy) > 8192 {
		return in, query.Errorf(query.ErrValidation, "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048")
	}
	for i := 1; ; i++ {
		v, ok := c.Params["PolicyArns.member."+strconv.Itoa(i)+".arn"]
		if !ok {
			break
		}
		if i > 10 {
			return in, query.Errorf(query.ErrValidation, "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10")
		}
		in.PolicyARNs = append(in.PolicyARNs, v[0])
	}
	return in, nil
}

// stsTags reads Tags.member.N.Key/Value.
func stsTags(c *query.Call) ([]iam.Tag, error) {
	var tags []iam.Tag
	for i := 1; ; i++ {
		p := "Tags.member." + strconv.Itoa(i) + "."
		k, hasK := c.Params[p+"Key"]
		v, hasV := c.Params[p+"Value"]
		if !hasK && !hasV {
			return tags, nil
		}
		if i > 50 {
			return nil, query.Errorf(query.ErrValidation, "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
		}
		var t iam.Tag
		if hasK {
			t.Key = k[0]
		}
		if hasV {
			t.Value = v[0]
		}
		tags = append(tags, t)
	}
}

// stsList reads Name.member.N.
func stsList(c *query.Call, name string, max int) ([]string, error) {
	var out []string
	for i := 1; ; i++ {
		v, ok := c.Params[name+".member."+strconv.Itoa(i)]
		if !ok {
			return out, nil
		}
		if i > max {
			return nil, query.Errorf(query.ErrValidation, "1 validation error detected: Value at '"+name+"' failed to satisfy constraint: Member must have length less than or equal to "+strconv.Itoa(max))
		}
		out = append(out, v[0])
	}
}
