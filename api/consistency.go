package api

import (
	"context"
	"errors"
	"time"
)

// Consistency of what the API answers. Every request passes Options.Fresh first, before its
// signature is checked (the access key is replicated state too): a node that cannot show its
// replica is within its staleness bound answers errUnavailable, a 503 the AWS SDKs retry,
// instead of a NotFound, AccessDenied, InvalidCiphertext or unknown-access-key answer that could
// be wrong. A KMS read is checked again before it is answered, against the bound its admission
// was granted under, so a request held up (a slow HSM, a node paused mid-request) is not answered
// from a replica that went stale meanwhile. Writes go through raft and are linearizable; the
// KMS metadata reads below are linearizable too when Options.LinearRead is set. Everything else
// (the data plane, S3, credentials) is bounded-stale.

// linearizableKMS lists the KMS reads that wait for Options.LinearRead before they look at the
// replica: the metadata reads whose answer a caller may act on after a write elsewhere.
var linearizableKMS = map[string]bool{
	"DescribeKey":          true,
	"ListKeys":             true,
	"ListAliases":          true,
	"GetKeyRotationStatus": true,
	"ListKeyRotations":     true,
	"ListResourceTags":     true,
	"GetPublicKey":         true,
}

// errUnavailable is the answer of a node that cannot serve now: KMS DependencyTimeoutException
// and S3 ServiceUnavailable, both 503, which the AWS SDKs' default retryers retry.
var errUnavailable = errors.New("api: this node cannot serve now")

// unavailable is errUnavailable with its client message. Its cause is not logged per request (a
// stale node refuses thousands a second); the node logs when it stops and resumes serving.
func unavailable() error {
	return &publicError{errUnavailable, "This keyhold node cannot confirm that its state is current; retry the request (another node may answer)."}
}

// admit runs the freshness gate; the zero time means unbounded (no gate configured).
func (s *Server) admit(ctx context.Context) (time.Time, error) {
	if s.opts.Fresh == nil {
		return time.Time{}, nil
	}
	until, err := s.opts.Fresh(ctx)
	if err != nil {
		return time.Time{}, unavailable()
	}
	return until, nil
}

// linearize waits, for the KMS operations that are linearizable, until the replica reflects
// every write acknowledged before the request arrived.
func (s *Server) linearize(ctx context.Context, op string) (bool, error) {
	if s.opts.LinearRead == nil || !linearizableKMS[op] {
		return false, nil
	}
	if err := s.opts.LinearRead(ctx); err != nil {
		return true, unavailable()
	}
	return true, nil
}

// stillFresh refuses an answer computed past the bound the request was admitted under.
func stillFresh(until time.Time) error {
	if !until.IsZero() && time.Now().After(until) {
		return unavailable()
	}
	return nil
}
