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
// no values is absent. A Context is built per request and is not safe for concurrent use:
// a read may fill the keys of a deferred KeySource (SetKeySource).
//
// A request sets a dozen or two keys, so they are kept in a slice scanned in order rather
// than a map: building one costs a single allocation (the Context with its inline entries)
// instead of a map's several, and a lookup compares a few short strings. A Context is used
// through its pointer and never copied by value (a copy would share the inline entries).
type Context struct {
	kv     []ctxEntry
	inline [contextInline]ctxEntry
	// lazy provides keys not set yet; nil once it has filled them (or when there is none).
	lazy KeySource
}

// KeySource sets condition keys on demand: keys that cost something to build (the principal
// family, for one) and that most policies never read. A Context asks it to fill
// its keys the first time one of them is read or set, so a decision reads exactly what it
// would have read had they been set up front.
type KeySource interface {
	// ProvidesKey reports whether FillKeys sets the (lowercased) key.
	ProvidesKey(lower string) bool
	// FillKeys sets every key the source provides.
	FillKeys(c *Context)
}

// SetKeySource defers the keys src provides until one of them is read or set. A Context has
// one source at a time; setting another first fills the keys of the one pending.
func (c *Context) SetKeySource(src KeySource) {
	c.fill()
	c.lazy = src
}

// fill runs the pending key source, once.
func (c *Context) fill() {
	if src := c.lazy; src != nil {
		c.lazy = nil
		src.FillKeys(c)
	}
}

// fillFor fills the pending key source if it provides the lowercased key k.
func (c *Context) fillFor(k string) {
	if c.lazy != nil && c.lazy.ProvidesKey(k) {
		c.fill()
	}
}

// contextInline is how many keys a Context holds before its entries move to the heap: the
// global keys, the KMS keys of a key operation and a small encryption context.
const contextInline = 20

// ctxEntry is one condition key (lowercased) and its values. A single value is kept in one,
// so that Set needs no slice of its own for it.
type ctxEntry struct {
	key  string
	vals []string
	one  [1]string
}

// NewContext returns an empty Context.
func NewContext() *Context {
	c := &Context{}
	c.kv = c.inline[:0]
	return c
}

// Set sets a key to one or more values (a multivalued key such as kms:EncryptionContextKeys
// takes several); Set with no values removes the key.
func (c *Context) Set(key string, values ...string) {
	c.setLower(lowerKey(key), values)
}

// setLower is Set for a key already lowercased. values is copied, never kept, so that the
// variadic slice of a Set call can stay on the caller's stack.
func (c *Context) setLower(k string, values []string) {
	if c.kv == nil {
		c.kv = c.inline[:0]
	}
	// Fill a deferred source first, so that its later filling cannot overwrite this value.
	c.fillFor(k)
	i := c.index(k)
	if len(values) == 0 {
		if i >= 0 {
			last := len(c.kv) - 1
			c.kv[i] = c.kv[last]
			c.kv[last] = ctxEntry{}
			c.kv = c.kv[:last]
		}
		return
	}
	if i < 0 {
		c.kv = append(c.kv, ctxEntry{key: k})
		i = len(c.kv) - 1
	}
	e := &c.kv[i]
	if len(values) == 1 {
		e.one[0], e.vals = values[0], nil
		return
	}
	e.vals = append([]string(nil), values...)
}

// setOwned sets a lowercased key to values (two or more), which the caller hands over and
// does not change afterwards.
func (c *Context) setOwned(k string, values []string) {
	if len(values) < 2 {
		c.setLower(k, values)
		return
	}
	c.setLower(k, values[:1])
	c.kv[c.index(k)].vals = values
}

func (c *Context) index(lower string) int {
	for i := range c.kv {
		if c.kv[i].key == lower {
			return i
		}
	}
	return -1
}

// Get returns a key's values; nil when the key is absent.
func (c *Context) Get(key string) []string { return c.get(lowerKey(key)) }

func (c *Context) get(lower string) []string {
	if c == nil {
		return nil
	}
	i := c.index(lower)
	if i < 0 && c.lazy != nil && c.lazy.ProvidesKey(lower) {
		c.fill()
		i = c.index(lower)
	}
	if i < 0 {
		return nil
	}
	e := &c.kv[i]
	if e.vals != nil {
		return e.vals
	}
	// A three-index slice, so that a caller appending to the result cannot write into the
	// entry behind it.
	return e.one[:1:1]
}

// lowerKey is strings.ToLower(key) without an allocation for the condition keys keyhold sets
// on every request (their names are mixed case: aws:PrincipalArn, kms:EncryptionContextKeys).
func lowerKey(key string) string {
	if l, ok := loweredKeys[key]; ok {
		return l
	}
	return strings.ToLower(key)
}

// loweredKeys maps each well-known condition key name, as spelled in keys.go, to its lowercase
// form. It is built once and only read.
var loweredKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		KeyPrincipalArn, KeyPrincipalAccount, KeyPrincipalType, KeyUsername, KeyUserID, KeySourceIp,
		KeySecureTransport, KeyCurrentTime, KeyEpochTime, KeyRequestedRegion,
		KeyKMSEncryptionContextKeys, KeyKMSCallerAccount, KeyKMSViaService, KeyKMSKeySpec,
		KeyKMSKeyUsage, KeyKMSKeyOrigin, KeyKMSEncryptionAlgorithm, KeyKMSSigningAlgorithm,
		KeyKMSMessageType, KeyKMSRequestAlias, KeyKMSResourceAliases, KeyKMSGrantOperations,
		KeyKMSGranteePrincipal, KeyKMSRetiringPrincipal, KeyKMSGrantIsForAWSResource,
		KeyS3ServerSideEncryption, KeyS3ServerSideEncryptionKMSKeyID, KeyS3Prefix, KeyS3Delimiter,
		KeyS3MaxKeys,
	} {
		m[k] = strings.ToLower(k)
	}
	return m
}()

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
