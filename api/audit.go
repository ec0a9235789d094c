package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/api/kms"
	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/s3"
)

// Every KMS, S3 and admin request produces exactly one audit.Record, built at the end of its
// pipeline (api/kms and api/s3 ServeHTTP, serveAdmin) from fields the pipeline already holds, and handed to
// Options.Audit. Records never carry request or response bodies: no plaintexts, data keys,
// ciphertexts, secrets or SSE-C keys.
//
// The trail fails closed (audit.Options.Durable): auditedAPI and auditedOps refuse a request
// at once, with a retryable error, while the trail cannot be written, and hold its response
// (audit.Held) until its record is on disk; a record that cannot be stored turns the response
// into that same refusal. With audit_mode best_effort the Handler accepts records without
// waiting and is always healthy, so nothing is refused.

// auditWait bounds how long a request waits for its record's fsync; a disk that hangs longer
// gets the request refused.
const auditWait = 30 * time.Second

type heldKey struct{}

// emitAudit hands r to the audit handler and tells the request's Held (if any) how that went.
func (s *Server) emitAudit(ctx context.Context, r audit.Record) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditWait)
	err := s.audit.Handle(wctx, r)
	cancel()
	if h, ok := ctx.Value(heldKey{}).(*audit.Held); ok && errors.Is(err, audit.ErrUnwritable) {
		h.Recorded(err) // fail closed: the response becomes the refusal
	}
	if err != nil {
		s.log.Error("audit record not stored", "api", string(r.API), "operation", r.Operation, "request_id", r.RequestID, "err", err)
	}
}

// auditedAPI gates and holds every API listener request (KMS and S3).
func (s *Server) auditedAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse := func(w http.ResponseWriter) {
			if r.Method == http.MethodPost && r.Header.Get("X-Amz-Target") != "" {
				kms.WriteAuditRefusal(w, auditRefusalMsg)
				return
			}
			s3.WriteAuditRefusal(w, r, auditRefusalMsg)
		}
		s.serveHeld(w, r, next, refuse)
	})
}

// auditedOps gates and holds the ops listener's audited requests: admin calls and pprof
// (api/admin records them). Health, readiness, metrics and cluster status are neither gated nor
// recorded: they must keep answering (and /readyz must say why) while the trail is down.
func (s *Server) auditedOps(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics", "/v1/cluster/status":
			next.ServeHTTP(w, r)
			return
		}
		refuse := func(w http.ResponseWriter) {
			pipeline.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": auditRefusalMsg})
		}
		s.serveHeld(w, r, next, refuse)
	})
}

// serveHeld refuses r while the trail cannot be written, else serves it through a Held that is
// released once its record is stored.
func (s *Server) serveHeld(w http.ResponseWriter, r *http.Request, next http.Handler, refuse func(http.ResponseWriter)) {
	if err := audit.Healthy(s.audit); err != nil {
		s.auditRefused.Add(1)
		w.Header().Set("X-Amzn-RequestId", pipeline.NewRequestID())
		w.Header().Set("X-Amz-Request-Id", w.Header().Get("X-Amzn-RequestId"))
		w.Header().Set("Retry-After", "1")
		refuse(w)
		return
	}
	h := audit.Hold(w)
	next.ServeHTTP(h, r.WithContext(context.WithValue(r.Context(), heldKey{}, h)))
	h.Release(func(w http.ResponseWriter) {
		s.auditRefused.Add(1)
		w.Header().Set("Retry-After", "1")
		refuse(w)
	})
}

// The refusal while the trail cannot be written: a 503 every AWS SDK retries.
const auditRefusalMsg = "The audit trail cannot be written; the request was not performed or not answered. Retry later."
