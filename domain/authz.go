package domain

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/keyhold/keyhold/domain/policy"
)

// Authorization.
//
// Every decision keyhold makes about a caller goes through (*Service).authorize: KMS key
// operations after their key is resolved (authz_keys.go), account-level KMS actions
// (CreateKey, ListKeys, ...), and, through the exported Authorize, S3 and the IAM and STS
// APIs. It reads only the Caller the API layer put in the context (domain.WithCaller) and the
// policies compiled when they were written: no HSM call, no raft round trip, no JSON.
//
//   - A context marked AsSystem is keyhold's own work and is allowed.
//   - A context with no caller is refused (fail closed): a request path that forgot to attach
//     its caller cannot act at all.
//   - Otherwise policy.Decide decides, with the resource's policy when it has one: a key's
//     policy in ModelKMS (authz_keys.go; a key with the default policy in its own account is
//     decided on identity policies alone, which is what that policy amounts to), a bucket's
//     policy in ModelS3 (Authorize), a role's trust policy (STS). Without one, a resource of
//     the caller's own account is decided on identity policies (an account's root is allowed
//     everything there) and a resource of another account is refused. A KMS grant is looked
//     up only after a decision came out "no allow" (authzRequest.grant).
//
// Each decision is noted in the request's DecisionLog, when the API layer attached one
// (WithDecisionLog), so that the audit record names the decision and the statement behind it.

// authzRequest is one decision to make.
type authzRequest struct {
	action   string // "kms:Encrypt"
	resource string // the resource ARN; "*" for actions without a resource
	// account owns the resource; "" means the caller's own account.
	account string
	// resourcePolicy is the key or bucket policy; nil when the decision is on identity
	// policies alone.
	resourcePolicy *policy.Policy
	// model is the service's combination rule for resourcePolicy (policy.ModelKMS, ModelS3).
	model policy.Model
	// grant finds a KMS grant that allows the request when the policies did not: it runs only
	// after a decision without an explicit deny came out "no allow" (AWS: key policy, then
	// grants, then IAM; any explicit deny first). nil for requests grants cannot allow.
	grant func() *policy.GrantRef
	// keys sets the request's own condition keys (the caller's global keys are set by authorize).
	keys func(*policy.Context) error
	// ec is the request's encryption context (kms:EncryptionContext:*, kms:EncryptionContextKeys).
	ec map[string]string
}

// authorize decides req for the caller in ctx. It returns nil when allowed, an ErrAccessDenied
// error worded as AWS words it when not, or the error keys returned (an ambiguous encryption
// context).
func (s *Service) authorize(ctx context.Context, req authzRequest) error {
	if IsSystem(ctx) {
		return nil
	}
	c, ok := CallerFrom(ctx)
	if !ok {
		// No caller and no system mark: a path that forgot its caller. Refuse, and say so in
		// the log: it is a bug, not a client's mistake.
		s.log.Error("authorization without a caller refused", "action", req.action, "resource", req.resource)
		noteDecision(ctx, Decision{Action: req.action, Resource: req.resource, Allowed: false, Reason: "no caller", Statement: -1})
		return errorf(ErrAccessDenied, "User: anonymous is not authorized to perform: %s because the request carries no authenticated caller", req.action)
	}
	var d policy.Decision
	if rootAtHome(c, req) {
		// What Decide answers for an account's root with no policies in its own account,
		// without building the request's condition keys: no policy could read them. The
		// encryption context is still checked: an ambiguous one is refused for root too.
		if ambiguousContext(req.ec) {
			return keysError(policy.ErrAmbiguousContext)
		}
		d = policy.Decision{Allowed: true, Reason: policy.AllowedByIdentity, PolicyType: policy.PolicyIdentity,
			Principal: c.Principal.ARN, Action: req.action, Resource: req.resource}
	} else {
		var err error
		if d, err = s.decide(c, req); err != nil {
			return err
		}
		if !d.Allowed && d.Reason == policy.DeniedNoAllow && req.grant != nil {
			if g := req.grant(); g != nil {
				d.Allowed, d.Reason, d.PolicyType, d.Statement, d.Grant = true, policy.AllowedByGrant, policy.PolicyNone, policy.StatementRef{}, g
			}
		}
	}
	rec := Decision{Principal: c.Principal.ARN, Account: c.Principal.Account, Action: req.action, Resource: req.resource,
		Allowed: d.Allowed, Reason: reasonName(d), Policy: d.Statement.Policy, Sid: d.Statement.Sid, Statement: -1}
	if d.Grant != nil {
		rec.Grant = d.Grant.GrantID
	}
	if d.Statement.Policy != "" {
		rec.Statement = d.Statement.Index
	}
	noteDecision(ctx, rec)
	if !d.Allowed {
		return &Error{Kind: ErrAccessDenied, Msg: d.Message()}
	}
	return nil
}

// decide builds the policy request for c and req and runs policy.Decide.
func (s *Service) decide(c *Caller, req authzRequest) (policy.Decision, error) {
	pc := policy.NewContext()
	setGlobalKeys(pc, c)
	if req.keys != nil {
		if err := req.keys(pc); err != nil {
			return policy.Decision{}, keysError(err)
		}
	}
	if err := pc.SetEncryptionContext(req.ec); err != nil {
		return policy.Decision{}, keysError(err)
	}
	r := &policy.Request{Principal: c.Principal, Action: req.action, Resource: req.resource, Context: pc}
	in := policy.Input{Model: policy.ModelIdentityOnly, Request: r, Identity: c.Identity, Session: c.Session}
	account := req.account
	if account == "" {
		account = c.Principal.Account
	}
	switch {
	case req.resourcePolicy != nil:
		in.Model, in.Resource, in.ResourceAccount = req.model, req.resourcePolicy, account
	case account != c.Principal.Account:
		// Another account's resource and no resource policy to open it: ModelS3 with no
		// bucket policy refuses every cross-account request and words the refusal as AWS does
		// ("no resource-based policy allows ...", or the missing identity allow first).
		in.Model, in.ResourceAccount = policy.ModelS3, account
	}
	return policy.Decide(in), nil
}

// keysError is the client's error for a request whose condition keys could not be built.
func keysError(err error) error {
	if errors.Is(err, policy.ErrAmbiguousContext) {
		return errorf(ErrValidation, "The encryption context has keys that differ only in case; keyhold refuses such contexts because condition keys are case-insensitive.")
	}
	return err
}

// ambiguousContext reports whether two keys of ec differ only in case (what
// policy.Context.SetEncryptionContext refuses), without allocating for the usual small context.
func ambiguousContext(ec map[string]string) bool {
	if len(ec) < 2 {
		return false
	}
	if len(ec) > 16 {
		return policy.NewContext().SetEncryptionContext(ec) != nil
	}
	var small [16]string
	keys := small[:0]
	for k := range ec {
		for _, o := range keys {
			if strings.EqualFold(k, o) {
				return true
			}
		}
		keys = append(keys, k)
	}
	return false
}

// rootAtHome reports whether c is an account's root user, with no identity or session policies,
// acting on a resource of its own account that has no resource policy: Decide allows that
// whatever the condition keys say.
func rootAtHome(c *Caller, req authzRequest) bool {
	return c.Principal.Type == policy.PrincipalRoot && len(c.Identity) == 0 && len(c.Session) == 0 &&
		req.resourcePolicy == nil && (req.account == "" || req.account == c.Principal.Account)
}

// Condition key names, lowercased once: policy.Context stores keys lowercased, and lowercasing
// a name that already is costs nothing per request.
var (
	lkSourceIP        = strings.ToLower(policy.KeySourceIp)
	lkSecureTransport = strings.ToLower(policy.KeySecureTransport)
	lkCurrentTime     = strings.ToLower(policy.KeyCurrentTime)
	lkEpochTime       = strings.ToLower(policy.KeyEpochTime)
	lkRequestedRegion = strings.ToLower(policy.KeyRequestedRegion)
	lkCallerAccount   = strings.ToLower(policy.KeyKMSCallerAccount)
	lkViaService      = strings.ToLower(policy.KeyKMSViaService)
	lkKeySpec         = strings.ToLower(policy.KeyKMSKeySpec)
	lkKeyUsage        = strings.ToLower(policy.KeyKMSKeyUsage)
	lkKeyOrigin       = strings.ToLower(policy.KeyKMSKeyOrigin)
	lkResourceAliases = strings.ToLower(policy.KeyKMSResourceAliases)
	lkRequestAlias    = strings.ToLower(policy.KeyKMSRequestAlias)
	lkEncryptionAlg   = strings.ToLower(policy.KeyKMSEncryptionAlgorithm)
	lkSigningAlg      = strings.ToLower(policy.KeyKMSSigningAlgorithm)
	lkMessageType     = strings.ToLower(policy.KeyKMSMessageType)
	lkMacAlg          = "kms:macalgorithm"
	lkKeyPairSpec     = "kms:datakeypairspec"
	lkKeyAgreementAlg = "kms:keyagreementalgorithm"
)

// setGlobalKeys sets the aws: condition keys that come from the caller and its connection. The
// principal family is deferred (callerKeys): most policies read none of it, and building it is
// a good part of the cost of a user's context.
func setGlobalKeys(pc *policy.Context, c *Caller) {
	if c.SourceIP != "" {
		pc.Set(lkSourceIP, c.SourceIP)
	}
	pc.Set(lkSecureTransport, strconv.FormatBool(c.SecureTransport))
	if !c.Time.IsZero() {
		t := requestTimes.of(c.Time)
		pc.Set(lkCurrentTime, t.iso)
		pc.Set(lkEpochTime, t.epoch)
	}
	if c.Region != "" {
		pc.Set(lkRequestedRegion, c.Region)
	}
	pc.SetKeySource((*callerKeys)(c))
}

// callerKeys is the policy.KeySource of a caller's principal keys: aws:PrincipalArn,
// aws:PrincipalAccount, aws:PrincipalType, aws:userid, aws:username and aws:PrincipalTag/*.
// A conversion of the request's *Caller, so deferring them allocates nothing.
type callerKeys Caller

var (
	lkPrincipalArn     = strings.ToLower(policy.KeyPrincipalArn)
	lkPrincipalAccount = strings.ToLower(policy.KeyPrincipalAccount)
	lkPrincipalType    = strings.ToLower(policy.KeyPrincipalType)
	lkUserID           = strings.ToLower(policy.KeyUserID)
	lkUsername         = strings.ToLower(policy.KeyUsername)
	lkPrincipalTag     = strings.ToLower(policy.KeyPrincipalTagPrefix)
)

// ProvidesKey implements policy.KeySource.
func (k *callerKeys) ProvidesKey(lower string) bool {
	switch lower {
	case lkPrincipalArn, lkPrincipalAccount, lkPrincipalType, lkUserID, lkUsername:
		return true
	}
	return strings.HasPrefix(lower, lkPrincipalTag)
}

// FillKeys implements policy.KeySource.
func (k *callerKeys) FillKeys(pc *policy.Context) { pc.SetPrincipal(k.Principal) }

func reasonName(d policy.Decision) string {
	switch d.Reason {
	case policy.AllowedByIdentity:
		if d.Statement.Policy == "" {
			return "allowed: root of the account"
		}
		return "allowed by identity-based policy"
	case policy.AllowedByResource:
		return "allowed by resource-based policy"
	case policy.AllowedByGrant:
		return "allowed by grant"
	case policy.DeniedExplicit:
		return "explicit deny"
	case policy.DeniedNoAllow:
		return "no allow"
	}
	return ""
}

// Authorize decides whether the caller in ctx may perform action on resource (an ARN, or "*"
// for actions without one), with the request's own condition keys set by keys. It is the entry
// point for the API layers that authorize before they call the service (S3, IAM, STS). The
// resource's account is taken from the ARN; an S3 ARN (arn:aws:s3:::bucket[/key]) belongs to
// the bucket's owner. A denial is an ErrAccessDenied error with AWS's message.
func (s *Service) Authorize(ctx context.Context, action, resource string, keys ...func(*policy.Context)) error {
	req := authzRequest{action: action, resource: resource}
	if !strings.EqualFold(action, "s3:CreateBucket") {
		// CreateBucket makes a bucket of the caller's account; an existing name is the
		// service's answer (BucketAlreadyExists), not a refusal.
		var bp *policy.Policy
		req.account, bp = s.resourceOwner(resource)
		if bp != nil && !ownerRootManagesPolicy(ctx, action, req.account) {
			// A bucket policy decides with the caller's IAM policies as S3 combines them.
			req.resourcePolicy, req.model = bp, policy.ModelS3
		}
	}
	if len(keys) > 0 {
		req.keys = func(pc *policy.Context) error {
			for _, k := range keys {
				k(pc)
			}
			return nil
		}
	}
	return s.authorize(ctx, req)
}

// AuthorizeWithResourcePolicy is Authorize for a resource with a resource-based policy (a role's
// trust policy, a key or bucket policy): rp and model (policy.ModelKMS,
// policy.ModelS3) decide with the caller's identity policies as AWS combines them, across
// accounts too. account owns the resource ("" for the caller's own).
func (s *Service) AuthorizeWithResourcePolicy(ctx context.Context, action, resource, account string, rp *policy.Policy, model policy.Model, keys ...func(*policy.Context)) error {
	req := authzRequest{action: action, resource: resource, account: account, resourcePolicy: rp, model: model}
	if len(keys) > 0 {
		req.keys = func(pc *policy.Context) error {
			for _, k := range keys {
				k(pc)
			}
			return nil
		}
	}
	return s.authorize(ctx, req)
}

// resourceOwner returns the account that owns the resource an ARN names ("" when the ARN
// names none: then the caller's own account is assumed) and, for a bucket or an object in
// it, the bucket's compiled policy (nil when it has none).
func (s *Service) resourceOwner(arn string) (string, *policy.Policy) {
	if bucket, ok := strings.CutPrefix(arn, "arn:"+s.cfg.ARNs.Partition+":s3:::"); ok {
		bucket, _, _ = strings.Cut(bucket, "/")
		var (
			owner string
			bp    *policy.Policy
		)
		s.st.View(func(v *View) {
			if b := v.s.buckets[bucket]; b != nil {
				owner, bp = v.s.bucketAccount(b), v.s.bucketPols[bucket]
			}
		})
		return owner, bp
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 {
		return parts[4], nil
	}
	return "", nil
}

// Decision is one authorization decision, as the audit record shows it.
type Decision struct {
	Principal string // the caller's ARN
	Account   string // the caller's account
	Action    string
	Resource  string
	Allowed   bool
	Reason    string // "allowed by identity-based policy", "explicit deny", "no allow", ...
	// Policy, Sid and Statement name the statement that decided (Statement is its index in
	// the policy, -1 when no statement decided: the root user, or no allow at all).
	Policy    string
	Sid       string
	Statement int
	// Grant is the id of the KMS grant that allowed the request, if a grant did.
	Grant string
}

// DecisionLog collects the decisions made for one request. It is safe for concurrent use.
type DecisionLog struct {
	mu        sync.Mutex
	decisions []Decision
}

type decisionLogKey struct{}

// WithDecisionLog returns ctx carrying a new DecisionLog, which the API layer reads back for
// the request's audit record.
func WithDecisionLog(ctx context.Context) (context.Context, *DecisionLog) {
	l := &DecisionLog{}
	return context.WithValue(ctx, decisionLogKey{}, l), l
}

// Decisions returns a copy of the decisions noted so far, in order.
func (l *DecisionLog) Decisions() []Decision {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Decision(nil), l.decisions...)
}

// Settled returns the decision that settled the request: the first refusal if there was one,
// else the first allow (the operation's own action; later ones are what it did on the caller's
// behalf, such as S3's kms:Decrypt); ok is false when no decision was made.
func (l *DecisionLog) Settled() (d Decision, ok bool) {
	if l == nil {
		return Decision{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.decisions {
		if !x.Allowed {
			return x, true
		}
	}
	if len(l.decisions) > 0 {
		return l.decisions[0], true
	}
	return Decision{}, false
}

// maxDecisions bounds a request's log: a request makes a few decisions (CopyObject: four).
const maxDecisions = 16

func noteDecision(ctx context.Context, d Decision) {
	l, _ := ctx.Value(decisionLogKey{}).(*DecisionLog)
	if l == nil {
		return
	}
	l.mu.Lock()
	if len(l.decisions) < maxDecisions {
		l.decisions = append(l.decisions, d)
	}
	l.mu.Unlock()
}

// ViaService returns ctx with its caller marked as acting through service (keyhold's S3
// endpoint calling KMS on the caller's behalf: "s3.<region>.amazonaws.com"), for
// kms:ViaService. A context without a caller is returned as is.
func ViaService(ctx context.Context, service string) context.Context {
	c, ok := CallerFrom(ctx)
	if !ok {
		return ctx
	}
	cp := *c
	cp.ViaService = service
	return WithCaller(ctx, &cp)
}

// CallerAccount returns the account of the caller in ctx: the caller's, or for keyhold's own
// work without a caller, the domain's first account.
func (s *Service) CallerAccount(ctx context.Context) string {
	if c, ok := CallerFrom(ctx); ok && c.Principal.Account != "" {
		return c.Principal.Account
	}
	return s.cfg.ARNs.Account
}
