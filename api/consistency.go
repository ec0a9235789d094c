package api

import (
	"context"
	"time"

	"github.com/keyhold/keyhold/api/pipeline"
)

// Consistency of what the API answers. Every request passes Options.Fresh first, before its
// signature is checked (the access key is replicated state too): a node that cannot show its
// replica is within its staleness bound answers pipeline.ErrUnavailable, a 503 the AWS SDKs retry,
// instead of a NotFound, AccessDenied, InvalidCiphertext or unknown-access-key answer that could
// be wrong. A KMS read is checked again before it is answered, against the bound its admission
// was granted under, so a request held up (a slow HSM, a node paused mid-request) is not answered
// from a replica that went stale meanwhile. Writes go through raft and are linearizable; the
// KMS metadata reads below are linearizable too when Options.LinearRead is set. Everything else
// (the data plane, S3, credentials) is bounded-stale.

// admit runs the freshness gate; the zero time means unbounded (no gate configured).
func (s *Server) admit(ctx context.Context) (time.Time, error) {
	if s.opts.Fresh == nil {
		return time.Time{}, nil
	}
	until, err := s.opts.Fresh(ctx)
	if err != nil {
		return time.Time{}, pipeline.Unavailable()
	}
	return until, nil
}
