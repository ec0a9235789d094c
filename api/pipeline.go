package api

import (
	"context"
	"time"

	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/domain/policy"
)

// shared is the Server as the protocol packages see it: the pipeline.Pipeline every KMS, S3
// and admin request goes through. It is a separate type so that these methods stay off
// Server's exported API, which cmd/keyhold builds against.
type shared struct{ s *Server }

var _ pipeline.Pipeline = shared{}

// Admit implements pipeline.Pipeline: the freshness gate (consistency.go).
func (p shared) Admit(ctx context.Context) (time.Time, error) { return p.s.admit(ctx) }

func (p shared) Recheck(admitted time.Time) error {
	if f := p.s.opts.StillFresh; f != nil && f(admitted) != nil {
		return pipeline.Unavailable()
	}
	return nil
}

// LinearRead implements pipeline.Pipeline with Options.LinearRead.
func (p shared) LinearRead(ctx context.Context) (bool, error) {
	if p.s.opts.LinearRead == nil {
		return false, nil
	}
	return true, p.s.opts.LinearRead(ctx)
}

// Authorize implements pipeline.Pipeline with Options.Authorizer (the domain's policy
// decision unless a test replaced it).
func (p shared) Authorize(ctx context.Context, action, resource string, keys ...func(*policy.Context)) error {
	return p.s.authz.Authorize(ctx, action, resource, keys...)
}

// Observe implements pipeline.Pipeline with the request metrics.
func (p shared) Observe(api, op, code string, d time.Duration) {
	p.s.m.ObserveRequest(api, op, code, d)
}

// Emit implements pipeline.Pipeline with the audit trail (audit.go).
func (p shared) Emit(ctx context.Context, r audit.Record) { p.s.emitAudit(ctx, r) }
