package policy

import "strings"

// Model selects the service rules for combining resource-based and identity-based policies.
// The zero value is invalid.
type Model uint8

const (
	// ModelInvalid is the zero value.
	ModelInvalid Model = iota
	// ModelIdentityOnly: the resource has no resource-based policy (IAM, STS and account-level
	// KMS actions such as CreateKey or ListKeys); identity policies alone decide.
	ModelIdentityOnly
	// ModelKMS: the KMS rule. The key policy is the primary control: it must allow, either by
	// naming the caller (then it suffices) or by trusting the caller's account (then identity
	// policies must allow as well). Even the account's root user needs the key policy. A grant
	// is a further allow source.
	ModelKMS
	// ModelS3: the S3 bucket policy rule. For a caller of the bucket's own account an allow in
	// either the identity policies or the bucket policy (naming the caller) suffices; across
	// accounts both must allow.
	ModelS3
)

// PolicyType names the kind of policy that decided, for messages.
type PolicyType uint8

const (
	// PolicyNone: no single policy decided (an allow from a grant, the root user, ...).
	PolicyNone PolicyType = iota
	// PolicyIdentity is an identity-based policy.
	PolicyIdentity
	// PolicyResource is a resource-based policy (key policy, bucket policy).
	PolicyResource
	// PolicySession is a session policy.
	PolicySession
)

func (t PolicyType) phrase() string {
	switch t {
	case PolicyIdentity:
		return "identity-based policy"
	case PolicyResource:
		return "resource-based policy"
	case PolicySession:
		return "session policy"
	}
	return "policy"
}

// Input is everything one authorization decision looks at.
type Input struct {
	Model   Model
	Request *Request
	// Identity holds the caller's identity policies: a user's inline and managed policies and
	// its groups' policies, or a role session's role policies. Ignored for the root user, which
	// is allowed everything in its own account as far as identity policies go.
	Identity []*Policy
	// Session holds the session policies of a role session; nil when the session has none (a
	// session without session policies is limited by nothing more than its role's policies).
	Session []*Policy
	// Resource is the key policy or bucket policy; nil when there is none.
	Resource *Policy
	// ResourceAccount owns the resource; "" means the caller's own account.
	ResourceAccount string
	// Grant, when non-nil, is a KMS grant that allows this request (the caller has checked
	// grantee, operations and constraints). Explicit denies still win over it.
	Grant *GrantRef
}

// GrantRef names the grant that allowed a request.
type GrantRef struct {
	GrantID string
}

// Reason says why a decision came out as it did. The zero value is invalid.
type Reason uint8

const (
	// ReasonInvalid is the zero value.
	ReasonInvalid Reason = iota
	// AllowedByIdentity: identity policies allowed (and, where needed, the resource policy).
	AllowedByIdentity
	// AllowedByResource: the resource-based policy allowed the caller directly.
	AllowedByResource
	// AllowedByGrant: a KMS grant allowed the request.
	AllowedByGrant
	// DeniedExplicit: a Deny statement applied; Decision.PolicyType says in which policy.
	DeniedExplicit
	// DeniedNoAllow: nothing allowed; Decision.PolicyType names the policy type whose allow was
	// missing (the first AWS's message would name).
	DeniedNoAllow
)

// Decision is the outcome of Decide.
type Decision struct {
	Allowed    bool
	Reason     Reason
	PolicyType PolicyType   // the policy type that decided (or lacked an allow)
	Statement  StatementRef // the deciding statement, when a statement decided
	Grant      *GrantRef    // the grant, for AllowedByGrant
	// Principal, Action and Resource are copied from the request for the message.
	Principal string
	Action    string
	Resource  string
}

// Decide applies AWS's evaluation logic for the cases keyhold serves:
//
//  1. An explicit Deny in any identity, session or resource-based policy denies.
//  2. Identity side: the root user is allowed everything by identity policies; anyone else needs
//     an Allow in an identity policy. With session policies, the session policies must allow too.
//  3. Resource side, by Model (see the Model constants); a resource policy that names a role
//     session's ARN is not limited by its session policies, one that names its role or account is.
//  4. Across accounts, both the caller's identity side and the resource policy must allow.
//
// Decide does not allocate.
func Decide(in Input) Decision {
	r := in.Request
	d := Decision{Principal: r.Principal.ARN, Action: r.Action, Resource: r.Resource}
	if d.Principal == "" {
		d.Principal = "anonymous"
	}

	// 1. Explicit denies, reported identity first, then session, then resource.
	idAllow := Result{Outcome: NotApplicable}
	for _, p := range in.Identity {
		res := p.Evaluate(r)
		if res.Outcome == ExplicitDeny {
			return d.deny(DeniedExplicit, PolicyIdentity, res.Statement)
		}
		if res.Outcome == Allow && idAllow.Outcome != Allow {
			idAllow = res
		}
	}
	sessAllow := Result{Outcome: NotApplicable}
	for _, p := range in.Session {
		res := p.Evaluate(r)
		if res.Outcome == ExplicitDeny {
			return d.deny(DeniedExplicit, PolicySession, res.Statement)
		}
		if res.Outcome == Allow && sessAllow.Outcome != Allow {
			sessAllow = res
		}
	}
	resRes := Result{Outcome: NotApplicable}
	if in.Resource != nil {
		resRes = in.Resource.Evaluate(r)
		if resRes.Outcome == ExplicitDeny {
			return d.deny(DeniedExplicit, PolicyResource, resRes.Statement)
		}
	}

	// 2. The identity side.
	isRoot := r.Principal.Type == PrincipalRoot
	hasSession := len(in.Session) > 0
	sessionOK := !hasSession || sessAllow.Outcome == Allow
	identityOK := (isRoot || idAllow.Outcome == Allow) && sessionOK

	// 3. The resource side. A direct allow of a session's own ARN escapes its session policy.
	resDirect := resRes.Outcome == Allow && (resRes.Match == MatchDirect || resRes.Match == MatchRole && sessionOK)
	resAccount := resRes.Outcome == Allow && resRes.Match == MatchAccount
	// Service principals and anonymous callers have no account and no identity policies: the
	// resource policy alone speaks for them, so they are never "cross-account".
	accountless := r.Principal.Account == "" || r.Principal.Type == PrincipalService || r.Principal.Type == PrincipalAnonymous
	crossAccount := in.ResourceAccount != "" && !accountless && in.ResourceAccount != r.Principal.Account

	// missing names the policy type whose allow is lacking, in the order AWS reports them.
	missing := func() Decision {
		switch {
		case idAllow.Outcome != Allow && !isRoot && !accountless && (in.Model == ModelIdentityOnly || crossAccount || resAccount || in.Model == ModelS3 && !resDirect):
			return d.deny(DeniedNoAllow, PolicyIdentity, StatementRef{})
		case hasSession && !sessionOK && (in.Model == ModelIdentityOnly || !resDirect):
			return d.deny(DeniedNoAllow, PolicySession, StatementRef{})
		}
		return d.deny(DeniedNoAllow, PolicyResource, StatementRef{})
	}

	switch in.Model {
	case ModelIdentityOnly:
		if identityOK {
			return d.allow(AllowedByIdentity, PolicyIdentity, idAllow.Statement)
		}
	case ModelKMS:
		switch {
		case in.Resource == nil:
			// A KMS key always has a key policy; a missing one allows nobody.
		case crossAccount:
			if (resDirect || resAccount) && identityOK {
				return d.allow(AllowedByIdentity, PolicyIdentity, idAllow.Statement)
			}
		case resDirect:
			return d.allow(AllowedByResource, PolicyResource, resRes.Statement)
		case resAccount && identityOK:
			return d.allow(AllowedByIdentity, PolicyIdentity, idAllow.Statement)
		}
		if in.Grant != nil {
			d.Allowed, d.Reason, d.Grant = true, AllowedByGrant, in.Grant
			return d
		}
	case ModelS3:
		switch {
		case crossAccount:
			if (resDirect || resAccount) && identityOK {
				return d.allow(AllowedByIdentity, PolicyIdentity, idAllow.Statement)
			}
		case resDirect:
			return d.allow(AllowedByResource, PolicyResource, resRes.Statement)
		case identityOK:
			return d.allow(AllowedByIdentity, PolicyIdentity, idAllow.Statement)
		}
	default:
		return d.deny(DeniedNoAllow, PolicyNone, StatementRef{})
	}
	return missing()
}

func (d Decision) allow(reason Reason, t PolicyType, s StatementRef) Decision {
	d.Allowed, d.Reason, d.PolicyType, d.Statement = true, reason, t, s
	return d
}

func (d Decision) deny(reason Reason, t PolicyType, s StatementRef) Decision {
	d.Allowed, d.Reason, d.PolicyType, d.Statement = false, reason, t, s
	return d
}

// Message renders an AccessDenied message the way AWS words it, e.g.
//
//	User: arn:aws:iam::111122223333:user/app1 is not authorized to perform: kms:ScheduleKeyDeletion
//	on resource: arn:aws:kms:us-east-1:111122223333:key/... because no identity-based policy
//	allows the kms:ScheduleKeyDeletion action
//
// or "... with an explicit deny in a resource-based policy", followed for an identity-based or
// session policy by ": " and the policy's name when that is an ARN (a managed policy), as AWS
// does. It discloses no statement or policy content; the Decision keeps the statement for logs. Message
// returns "" for an allowed decision.
func (d Decision) Message() string {
	if d.Allowed {
		return ""
	}
	msg := "User: " + d.Principal + " is not authorized to perform: " + d.Action
	if d.Resource != "" {
		msg += " on resource: " + d.Resource
	}
	if d.Reason == DeniedExplicit {
		article := "a "
		if d.PolicyType == PolicyIdentity {
			article = "an "
		}
		msg += " with an explicit deny in " + article + d.PolicyType.phrase()
		// Since 2026 AWS appends the ARN of a denying identity-based or session policy (the
		// caller's own policies); an inline policy has no ARN, and resource policies are never
		// named.
		if d.PolicyType != PolicyResource && strings.HasPrefix(d.Statement.Policy, "arn:") {
			msg += ": " + d.Statement.Policy
		}
		return msg
	}
	return msg + " because no " + d.PolicyType.phrase() + " allows the " + d.Action + " action"
}
