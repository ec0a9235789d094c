package audit

import (
	"context"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// API names the surface a record came from.
type API string

// The APIs keyhold audits. The zero value is invalid.
const (
	KMS   API = "kms"
	S3    API = "s3"
	Admin API = "admin"
	// Peer is the node-to-node API on the raft port (forwarded proposals, read indexes, domain
	// key fetches, joins); Principal is the calling node's certificate subject.
	Peer API = "peer"
	// IAM and STS are the Query-protocol identity APIs on the API listener.
	IAM API = "iam"
	STS API = "sts"
)

// Record is one API call. It has no field for plaintexts, data keys, ciphertexts or secrets,
// so none can end up in the trail.
type Record struct {
	Time        time.Time
	RequestID   string
	API         API
	Operation   string
	Principal   string // an ARN for SigV4 callers, "ed25519:<base64 public key>" for operators
	AccessKeyID string
	SourceIP    string

	Key       string // the KMS key used (an ARN once resolved, else the reference the caller sent)
	SourceKey string // ReEncrypt's source key
	Bucket    string
	Object    string
	// Resource is the IAM or STS entity a call acted on (a user, role or policy ARN).
	Resource string

	Proposal     string // ceremony proposal id
	ProposalKind string

	// EncryptionContext is recorded in full, as CloudTrail does; it is authenticated data, not
	// secret. SourceEncryptionContext is ReEncrypt's source context.
	EncryptionContext       map[string]string
	SourceEncryptionContext map[string]string

	// Authorization (issue 13): the caller's account, and the decision that settled the
	// request: Decision is "Allow" or "Deny" ("" when no policy decision was made: an
	// unauthenticated request, an admin or peer call), DecisionReason why ("allowed by
	// identity-based policy", "explicit deny", "no allow", ...), DecidingPolicy and
	// DecidingStatement the policy and statement (its Sid, else "#<index>") that decided, or
	// "grant" and the grant id when a KMS grant allowed the request. The trail names
	// statements; the client's AccessDenied message never does.
	Account           string
	Decision          string
	DecisionReason    string
	DecidingPolicy    string
	DecidingStatement string

	Outcome  string // "OK" or the error code the caller got
	Duration time.Duration
}

// Handler receives audit records. It is shaped like slog.Handler: Handle is called once per API
// call on the request's goroutine, must be safe for concurrent use, and must not retain r or its
// maps after it returns. An error means the record may not have been stored; one wrapping
// ErrUnwritable (a Durable Writer) means the request it describes must not be answered, any
// other is counted or logged and the request answered anyway (best effort).
type Handler interface {
	Handle(ctx context.Context, r Record) error
}

// Fanout returns a Handler that hands each record to every h in turn and returns the first
// error. Nil handlers are skipped.
func Fanout(hs ...Handler) Handler {
	out := make(fanout, 0, len(hs))
	for _, h := range hs {
		if h != nil {
			out = append(out, h)
		}
	}
	return out
}

type fanout []Handler

func (f fanout) Handle(ctx context.Context, r Record) error {
	var first error
	for _, h := range f {
		if err := h.Handle(ctx, r); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// appendFields appends r's fields in the order and encoding doc.go fixes, each preceded by a
// comma.
func appendFields(b []byte, r *Record) []byte {
	b = append(b, `,"time":"`...)
	b = r.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendField(b, "request_id", r.RequestID)
	b = appendField(b, "api", string(r.API))
	b = appendField(b, "op", r.Operation)
	b = appendField(b, "principal", r.Principal)
	b = appendField(b, "access_key_id", r.AccessKeyID)
	b = appendField(b, "source_ip", r.SourceIP)
	b = appendField(b, "key", r.Key)
	b = appendField(b, "source_key", r.SourceKey)
	b = appendField(b, "bucket", r.Bucket)
	b = appendField(b, "object", r.Object)
	b = appendField(b, "proposal", r.Proposal)
	b = appendField(b, "proposal_kind", r.ProposalKind)
	b = appendMap(b, "encryption_context", r.EncryptionContext)
	b = appendMap(b, "source_encryption_context", r.SourceEncryptionContext)
	b = appendField(b, "account", r.Account)
	b = appendField(b, "decision", r.Decision)
	b = appendField(b, "decision_reason", r.DecisionReason)
	b = appendField(b, "deciding_policy", r.DecidingPolicy)
	b = appendField(b, "deciding_statement", r.DecidingStatement)
	b = appendField(b, "outcome", r.Outcome)
	b = append(b, `,"duration_us":`...)
	return strconv.AppendInt(b, r.Duration.Microseconds(), 10)
}

func appendField(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":`...)
	return appendString(b, v)
}

func appendMap(b []byte, name string, m map[string]string) []byte {
	if len(m) == 0 {
		return b
	}
	var small [8]string // most contexts have a few pairs: no allocation for them
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":{`...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string: '"', '\' and control characters escaped, invalid
// UTF-8 replaced by U+FFFD, everything else as is.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
