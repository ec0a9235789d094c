package pipeline

import (
	"context"
	"time"

	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/api/sigv4"
)

// Pipeline is what a protocol package needs of the shared request pipeline. The root api's
// Server implements it; tests may use the root api too, so nothing else needs to.
type Pipeline interface {
	// Admit runs the freshness gate (root api consistency.go) before anything replicated is
	// read, the access key included. It returns the time until which an answer computed from the
	// replica is within the staleness bound (zero: unbounded), or ErrUnavailable.
	Admit(ctx context.Context) (until time.Time, err error)
	// Recheck decides an answer computed past the until that Admit returned: nil when the node
	// stayed within the staleness bound without a break since admitted, else ErrUnavailable.
	Recheck(admitted time.Time) error
	// LinearRead waits until the replica reflects every write acknowledged before the call.
	// configured is false, without waiting, when the node serves bounded-stale reads only.
	LinearRead(ctx context.Context) (configured bool, err error)
	// Authorize decides whether who may perform action (an IAM-style name, "kms:Encrypt").
	Authorize(ctx context.Context, who sigv4.Identity, action string) error
	// Charge spends one request of op from the quota it counts against in the account of the
	// caller ctx carries (api/quota: api is "kms", "s3", "iam" or "sts"; a KMS op may be
	// qualified with its key class, "Sign:RSA"). Call it once the caller is authenticated
	// (after WithCaller), before the operation does any work. It returns ErrThrottled, with
	// the API's client message, when the quota is spent; a ctx without a caller is not charged.
	Charge(ctx context.Context, api, op string) error
	// Observe records one request's outcome in the metrics: api is "kms", "s3" or "admin", code
	// "OK" or the AWS error code. Operation and code are closed sets (never key ids).
	Observe(api, op, code string, d time.Duration)
	// Emit hands one request's audit record to the trail. When the trail is durable the
	// response is held until the record is stored, and refused if it cannot be.
	Emit(ctx context.Context, r audit.Record)
}

// StillFresh refuses an answer computed past the bound a request was admitted under, so a
// request held up (a slow HSM, a paused node) is not answered from a replica gone stale since.
func StillFresh(until time.Time) error {
	if !until.IsZero() && time.Now().After(until) {
		return Unavailable()
	}
	return nil
}
