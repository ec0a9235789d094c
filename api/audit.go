package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"

	"github.com/keyhold/keyhold/api/audit"
)

// Every KMS, S3 and admin request produces exactly one audit.Record, built at the end of its
// pipeline (serveKMS, serveS3, serveAdmin) from fields the pipeline already holds, and handed to
// Options.Audit. Records never carry request or response bodies: no plaintexts, data keys,
// ciphertexts, secrets or SSE-C keys.

// emitAudit hands r to the audit handler. The request has been answered by now, so a failure is
// logged (and counted by the handler) rather than returned.
func (s *Server) emitAudit(ctx context.Context, r audit.Record) {
	if err := s.audit.Handle(context.WithoutCancel(ctx), r); err != nil {
		s.log.Error("audit record not stored", "api", string(r.API), "operation", r.Operation, "request_id", r.RequestID, "err", err)
	}
}

// sourceIP is the caller's address as the listener saw it.
func sourceIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// requestedKey digs the key reference out of a failed KMS request's body, so that the record
// names the key the caller asked for even when the handler never got to it. Only failures pay
// for the second decode.
func requestedKey(body []byte) string {
	if len(body) == 0 || !bytes.Contains(body, []byte("KeyId")) {
		return ""
	}
	var v struct {
		KeyID            string `json:"KeyId"`
		TargetKeyID      string `json:"TargetKeyId"`
		DestinationKeyID string `json:"DestinationKeyId"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	switch {
	case v.KeyID != "":
		return v.KeyID
	case v.DestinationKeyID != "":
		return v.DestinationKeyID
	}
	return v.TargetKeyID
}
