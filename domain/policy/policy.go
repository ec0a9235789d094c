package policy

// Kind says where a policy is attached, which decides the elements its statements must have.
// The zero value is invalid.
type Kind uint8

const (
	// KindInvalid is the zero value; Parse refuses it.
	KindInvalid Kind = iota
	// KindIdentity is an IAM identity policy (user, group or role; inline or managed). It has no
	// Principal element.
	KindIdentity
	// KindSession is a session policy passed to AssumeRole; it has the grammar of an identity
	// policy and only ever limits.
	KindSession
	// KindResource is a resource-based policy: a KMS key policy or an S3 bucket policy. Every
	// statement names a Principal or NotPrincipal.
	KindResource
	// KindTrust is a role's trust policy: a resource-based policy whose resource is the role
	// itself, so Resource may be omitted.
	KindTrust
)

// Effect is a statement's Effect. The zero value is invalid.
type Effect uint8

const (
	// EffectInvalid is the zero value.
	EffectInvalid Effect = iota
	// EffectAllow is "Allow".
	EffectAllow
	// EffectDeny is "Deny".
	EffectDeny
)

func (e Effect) String() string {
	switch e {
	case EffectAllow:
		return "Allow"
	case EffectDeny:
		return "Deny"
	}
	return "Invalid"
}

// Version strings. A policy without a Version is read with 2008-10-17 semantics, in which
// "${...}" is literal text.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Policy is a parsed and compiled policy document: immutable after Parse, safe for concurrent
// Evaluate calls. The exported fields describe the document as written (canonicalised: every
// multi-valued element is a slice, conditions are sorted); the unexported ones are what
// evaluation runs on.
type Policy struct {
	Name       string // set from ParseOptions.Name: how decisions refer to this policy
	Kind       Kind
	Version    string // "", Version2008 or Version2012
	ID         string // the Id element
	Statements []Statement
}

// Statement is one statement of a policy.
type Statement struct {
	Sid    string
	Effect Effect
	// Principal is the Principal or NotPrincipal element (NotPrincipal set); nil in identity
	// and session policies.
	Principal    *PrincipalElement
	NotPrincipal bool
	Actions      []string
	NotAction    bool
	Resources    []string // nil only in a trust policy that omits Resource
	NotResource  bool
	Conditions   []Condition

	actions    []pattern
	resources  []arnPattern
	principals []principalMatcher
	conds      []cond
}

// PrincipalElement is a Principal or NotPrincipal element.
type PrincipalElement struct {
	Wildcard  bool     // the bare string "*"
	AWS       []string // as written: "*", account ids, account root ARNs, user/role/session ARNs
	Service   []string
	Federated []string
}

// principalMatcher is one compiled principal entry.
type principalMatcher struct {
	kind  principalKind
	value string
}

type principalKind uint8

const (
	pmAny principalKind = iota + 1
	pmAccount
	pmARN
	pmService
	pmFederated
)
