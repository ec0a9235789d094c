package audit

import (
	"context"
	"log/slog"
	"slices"
)

// SlogHandler returns a Handler that logs each record through l at Info, message "audit", one
// attribute per non-empty field. It is for operators who want the trail on stderr too; it is not
// tamper-evident.
func SlogHandler(l *slog.Logger) Handler { return slogHandler{l} }

type slogHandler struct{ l *slog.Logger }

func (h slogHandler) Handle(ctx context.Context, r Record) error {
	if !h.l.Enabled(ctx, slog.LevelInfo) {
		return nil
	}
	attrs := make([]slog.Attr, 0, 16)
	add := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	add("request_id", r.RequestID)
	add("api", string(r.API))
	add("op", r.Operation)
	add("principal", r.Principal)
	add("access_key_id", r.AccessKeyID)
	add("source_ip", r.SourceIP)
	add("key", r.Key)
	add("source_key", r.SourceKey)
	add("bucket", r.Bucket)
	add("object", r.Object)
	add("resource", r.Resource)
	add("proposal", r.Proposal)
	add("proposal_kind", r.ProposalKind)
	// Logs carry the context's key names only: the values stay in the trail's 0600 files, as the
	// rest of keyhold never logs encryption contexts.
	if n := len(r.EncryptionContext) + len(r.SourceEncryptionContext); n > 0 {
		keys := make([]string, 0, n)
		for k := range r.EncryptionContext {
			keys = append(keys, k)
		}
		for k := range r.SourceEncryptionContext {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		attrs = append(attrs, slog.Any("encryption_context_keys", slices.Compact(keys)))
	}
	add("account", r.Account)
	add("decision", r.Decision)
	add("decision_reason", r.DecisionReason)
	add("deciding_policy", r.DecidingPolicy)
	add("deciding_statement", r.DecidingStatement)
	add("outcome", r.Outcome)
	attrs = append(attrs, slog.Duration("duration", r.Duration))
	h.l.LogAttrs(ctx, slog.LevelInfo, "audit", attrs...)
	return nil
}
