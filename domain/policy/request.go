package policy

import "strings"

// PrincipalType says what kind of identity made a request. The zero value is invalid.
type PrincipalType uint8

const (
	// PrincipalInvalid is the zero value; a request with it matches no principal.
	PrincipalInvalid PrincipalType = iota
	// PrincipalRoot is an account's root user (arn:aws:iam::ACCOUNT:root).
	PrincipalRoot
	// PrincipalUser is an IAM user.
	PrincipalUser
	// PrincipalAssumedRole is a role session made by AssumeRole.
	PrincipalAssumedRole
	// PrincipalFederatedUser is a session made by GetFederationToken.
	PrincipalFederatedUser
	// PrincipalService is an AWS service principal acting on its own behalf.
	PrincipalService
	// PrincipalAnonymous is an unauthenticated caller (S3 only).
	PrincipalAnonymous
)

// awsName is the value AWS gives aws:PrincipalType for the type.
func (t PrincipalType) awsName() string {
	switch t {
	case PrincipalRoot:
		return "Account"
	case PrincipalUser:
		return "User"
	case PrincipalAssumedRole:
		return "AssumedRole"
	case PrincipalFederatedUser:
		return "FederatedUser"
	case PrincipalService:
		return "Service"
	case PrincipalAnonymous:
		return "Anonymous"
	}
	return ""
}

// Principal is who makes a request, as SigV4 authentication established it.
type Principal struct {
	Type    PrincipalType
	ARN     string // arn:aws:iam::111122223333:user/app1, arn:aws:sts::111122223333:assumed-role/R/s, ...:root
	Account string // 12-digit account id
	UserID  string // AIDA... for users, "AROA...:session" for role sessions, the account id for root
	// RoleARN is the role behind an assumed-role session (arn:aws:iam::ACCOUNT:role/path/R): a
	// resource policy that names the role applies to its sessions.
	RoleARN string
	// Service is the service principal's name ("ec2.amazonaws.com") when Type is PrincipalService.
	Service string
	// Federated is the identity provider ("cognito-identity.amazonaws.com" or a SAML/OIDC provider
	// ARN) of a web-identity or SAML session, matched by {"Federated": ...}.
	Federated string
	Tags      map[string]string // principal tags, for aws:PrincipalTag/*
}

// Request is what a policy is evaluated against.
type Request struct {
	Principal Principal
	Action    string // "kms:Encrypt"; matched case-insensitively
	Resource  string // the resource ARN; "" for actions without a resource ("*" in policies)
	Context   *Context
}

// Context holds a request's condition keys. Key names are case-insensitive (IAM user guide,
// "Condition element": "Context key names are not case-sensitive"), so they are stored
// lowercased; values keep their case and each operator decides how to compare them. A key with
// no values is absent. A Context is built per request and is not safe for concurrent writes.
type Context struct {
	m map[string][]string
}

// NewContext returns an empty Context.
func NewContext() *Context { return &Context{m: make(map[string][]string, 16)} }

// Set sets a key to one or more values (a multivalued key such as kms:EncryptionContextKeys
// takes several); Set with no values removes the key.
func (c *Context) Set(key string, values ...string) {
	k := strings.ToLower(key)
	if len(values) == 0 {
		delete(c.m, k)
		return
	}
	c.m[k] = values
}

// Get returns a key's values; nil when the key is absent.
func (c *Context) Get(key string) []string { return c.get(strings.ToLower(key)) }

func (c *Context) get(lower string) []string {
	if c == nil {
		return nil
	}
	return c.m[lower]
}

// SetPrincipal sets the global keys AWS derives from the caller: aws:PrincipalArn (the role's
// ARN for a role session, as AWS does), aws:PrincipalAccount, aws:PrincipalType, aws:userid,
// aws:username (IAM users only) and aws:PrincipalTag/<key>.
func (c *Context) SetPrincipal(p Principal) {
	switch {
	case p.Type == PrincipalAssumedRole && p.RoleARN != "":
		c.Set("aws:PrincipalArn", p.RoleARN)
	case p.ARN != "":
		c.Set("aws:PrincipalArn", p.ARN)
	}
	if p.Account != "" {
		c.Set("aws:PrincipalAccount", p.Account)
	}
	if t := p.Type.awsName(); t != "" {
		c.Set("aws:PrincipalType", t)
	}
	if p.UserID != "" {
		c.Set("aws:userid", p.UserID)
	}
	if p.Type == PrincipalUser {
		if i := strings.LastIndexByte(p.ARN, '/'); i >= 0 {
			c.Set("aws:username", p.ARN[i+1:])
		}
	}
	for k, v := range p.Tags {
		c.Set("aws:PrincipalTag/"+k, v)
	}
}
