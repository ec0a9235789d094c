package domain

import (
	"context"
	"time"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"
)

// Caller is who makes a request and from where, as authentication established it: the API
// layer builds it once per request (after SigV4 verification, from the access key's principal
// and the connection) and hands it to the service in the context. Authorization reads only
// this; nothing in it comes from a field of the request being authorized.
type Caller struct {
	// Principal is the policy engine's view of the caller: type, ARN, account, user id, the
	// role behind a session, tags.
	Principal policy.Principal
	// AccessKeyID is the key the request was signed with (AKIA/KHAK long-term, ASIA session).
	AccessKeyID string
	// Identity holds the caller's identity-based policies, compiled: a user's inline and
	// attached policies and those of its groups, a role session's role policies. A root caller
	// needs none: root is allowed everything in its own account.
	Identity []*policy.Policy
	// Session holds the session policies a role session was created with (they narrow it).
	Session []*policy.Policy
	// Transitive holds a role session's transitive session tags: they pass on, unchangeable,
	// to the sessions it makes by assuming another role (role chaining).
	Transitive []iam.Tag
	// SourceIP is the connection's remote address (aws:SourceIp); no header is consulted.
	SourceIP string
	// SecureTransport is whether the request came over TLS (aws:SecureTransport).
	SecureTransport bool
	// Region is the region the request was signed for (aws:RequestedRegion).
	Region string
	// ViaService is set when a service calls KMS on the caller's behalf (S3 SSE-KMS:
	// "s3.<region>.amazonaws.com"), for kms:ViaService.
	ViaService string
	// Time is when the request was admitted (aws:CurrentTime, aws:EpochTime).
	Time time.Time
	// onUse records the access key's use (NoteUse, service_iam_auth.go).
	onUse func(service, region string, at time.Time)
}

// system marks the context of work keyhold does on its own behalf (ceremonies, re-wrapping,
// the SSE-S3 key of a bucket): it is not a principal and is never authorized against a policy.
// Only code inside the process can set it; there is no way to express it on the wire.
type systemKey struct{}

type callerKey struct{}

// WithCaller returns ctx carrying c, the authenticated caller of the request ctx belongs to.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller ctx carries, if any.
func CallerFrom(ctx context.Context) (*Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(*Caller)
	return c, ok && c != nil
}

// AsSystem returns ctx marked as keyhold's own work. A context with neither a caller nor this
// mark is refused by every authorization check (fail closed): a request path that forgot to
// attach its caller cannot act with the system's rights.
func AsSystem(ctx context.Context) context.Context {
	return context.WithValue(ctx, systemKey{}, true)
}

// IsSystem reports whether ctx was marked by AsSystem.
func IsSystem(ctx context.Context) bool {
	v, _ := ctx.Value(systemKey{}).(bool)
	return v
}
