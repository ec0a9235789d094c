package api

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/domain"
)

// The admin API (ops listener) is what keyholdctl talks to. It needs no SigV4 credentials:
// every write carries operator signatures, which domain.State.Apply verifies on every replica
// against the replicated operator set; reads return no key material (wrapped domain keys are
// wrapped to member HSMs). Bind the ops listener to a management network.
//
//	GET  /v1/domain/status                  DomainStatus (JSON)
//	GET  /v1/domain/token                   the last exported domain token (application/cbor)
//	POST /v1/admin/domain/import            {"token": b64, "trusted": [b64 Ed25519 keys]}
//	GET  /v1/node/identity                  {"node_id", "identity_key": b64 PKIX DER, "tls_pin": b64 SHA-256 of the peer certificate's SPKI, or null}
//	GET  /v1/admin/proposals                [ProposalView]
//	GET  /v1/admin/proposals/{id}           ProposalView
//	POST /v1/admin/proposals                body: signed proposal (canonical CBOR) -> {"id"}
//	POST /v1/admin/proposals/{id}/approve   body: Signature (JSON)
//	POST /v1/admin/proposals/{id}/reject    body: Signature (JSON)

// adminTimeout bounds one admin write: a ceremony's raft round trip, not its HSM work (which the
// leader does in the background).
const adminTimeout = 30 * time.Second

// ProposalView is a proposal as the admin API returns it.
type ProposalView struct {
	ID          string             `json:"id"`
	Kind        string             `json:"kind"`
	Status      string             `json:"status"`
	Epoch       uint64             `json:"epoch"`
	Approvals   int                `json:"approvals"`
	Rejections  int                `json:"rejections"`
	SubmittedAt time.Time          `json:"submitted_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	NotAfter    time.Time          `json:"not_after"`
	Proposal    []byte             `json:"proposal"` // canonical CBOR: what an approver signs
	Signers     [][]byte           `json:"signers"`
	Decoded     *domain.Proposal   `json:"decoded,omitempty"`
	Signatures  []domain.Signature `json:"-"`
}

func proposalView(r *domain.ProposalRecord) ProposalView {
	v := ProposalView{
		ID: r.ID, Kind: r.Kind.String(), Status: r.Status.String(), Epoch: r.Epoch,
		SubmittedAt: r.SubmittedAt, UpdatedAt: r.UpdatedAt, NotAfter: r.NotAfter, Proposal: r.Signed.Proposal,
	}
	for _, s := range r.Signed.Signatures {
		v.Signers = append(v.Signers, s.PublicKey)
		if s.Verdict == domain.VerdictApprove {
			v.Approvals++
		} else {
			v.Rejections++
		}
	}
	if p, err := domain.ParseProposal(r.Signed.Proposal); err == nil {
		v.Decoded = p
	}
	return v
}

func (s *Server) registerAdmin(mux *http.ServeMux) {
	handle := func(pattern, op string, h func(w http.ResponseWriter, r *http.Request, a *adminCall)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { s.serveAdmin(w, r, op, h) })
	}
	handle("GET /v1/domain/status", "GetDomainStatus", func(w http.ResponseWriter, r *http.Request, a *adminCall) {
		writeJSON(w, http.StatusOK, s.svc.Status())
	})
	handle("GET /v1/domain/token", "GetDomainToken", func(w http.ResponseWriter, r *http.Request, a *adminCall) {
		tok, err := s.svc.DomainToken()
		if err != nil {
			s.adminError(w, r, a, err)
			return
		}
		w.Header().Set("Content-Type", "application/cbor")
		_, _ = w.Write(tok)
	})
	handle("GET /v1/node/identity", "GetNodeIdentity", func(w http.ResponseWriter, r *http.Request, a *adminCall) {
		id, key, err := s.svc.Identity()
		if err != nil {
			s.adminError(w, r, a, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"node_id": id, "identity_key": key, "tls_pin": s.svc.TLSPin()})
	})
	handle("GET /v1/admin/proposals", "ListProposals", func(w http.ResponseWriter, r *http.Request, a *adminCall) {
		out := []ProposalView{}
		for _, p := range s.svc.Proposals() {
			out = append(out, proposalView(p))
		}
		writeJSON(w, http.StatusOK, out)
	})
	handle("GET /v1/admin/proposals/{id}", "GetProposal", func(w http.ResponseWriter, r *http.Request, a *adminCall) {
		a.proposal = r.PathValue("id")
		p, err := s.svc.Proposal(a.proposal)
		if err != nil {
			s.adminError(w, r, a, err)
			return
		}
		a.kind = p.Kind.String()
		writeJSON(w, http.StatusOK, proposalView(p))
	})
	handle("POST /v1/admin/proposals", "SubmitProposal", func(w http.ResponseWriter, r *http.Request, a *adminCall) {
		body, ok := s.adminBody(w, r, a, domain.MaxSignedProposal)
		if !ok {
			return
		}
		if sp, p, err := domain.ParseSignedProposal(body); err == nil {
			a.kind = p.Kind.String()
			if len(sp.Signatures) > 0 {
				a.operator(sp.Signatures[0].PublicKey)
			}
		}
		ctx, cancel := contextWithTimeout(r, adminTimeout)
		defer cancel()
		id, err := s.svc.SubmitProposal(ctx, body)
		if err != nil {
			s.adminError(w, r, a, err)
			return
		}
		a.proposal = id
		p, _ := s.svc.Proposal(id)
		writeJSON(w, http.StatusOK, proposalView(p))
	})
	verdict := func(w http.ResponseWriter, r *http.Request, a *adminCall) {
		a.proposal = r.PathValue("id")
		body, ok := s.adminBody(w, r, a, 4<<10)
		if !ok {
			return
		}
		var sig domain.Signature
		if err := json.Unmarshal(body, &sig); err != nil {
			a.outcome = "ValidationError"
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be a JSON signature"})
			return
		}
		a.operator(sig.PublicKey)
		ctx, cancel := contextWithTimeout(r, adminTimeout)
		defer cancel()
		if err := s.svc.SignProposalVerdict(ctx, a.proposal, sig); err != nil {
			s.adminError(w, r, a, err)
			return
		}
		p, err := s.svc.Proposal(a.proposal)
		if err != nil {
			s.adminError(w, r, a, err)
			return
		}
		a.kind = p.Kind.String()
		writeJSON(w, http.StatusOK, proposalView(p))
	}
	handle("POST /v1/admin/proposals/{id}/approve", "ApproveProposal", verdict)
	handle("POST /v1/admin/proposals/{id}/reject", "RejectProposal", verdict)
	handle("POST /v1/admin/domain/import", "ImportDomainToken", func(w http.ResponseWriter, r *http.Request, a *adminCall) {
		body, ok := s.adminBody(w, r, a, 2*domain.MaxTokenBytes)
		if !ok {
			return
		}
		var in struct {
			Token   []byte   `json:"token"`
			Trusted [][]byte `json:"trusted"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			a.outcome = "ValidationError"
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be {\"token\":..., \"trusted\": [...]}"})
			return
		}
		var trusted []ed25519.PublicKey
		for _, k := range in.Trusted {
			if len(k) == ed25519.PublicKeySize {
				trusted = append(trusted, k)
			}
		}
		ctx, cancel := contextWithTimeout(r, adminTimeout)
		defer cancel()
		if err := s.svc.ImportDomainToken(ctx, in.Token, trusted); err != nil {
			s.adminError(w, r, a, err)
			return
		}
		writeJSON(w, http.StatusOK, s.svc.Status())
	})
}

// adminCall is one admin request: what its handler learned, for the audit record.
type adminCall struct {
	principal, proposal, kind string
	outcome                   string // "" means OK
}

// operator names the signing operator as the principal: its Ed25519 public key, as
// `keyholdctl status` prints it.
func (a *adminCall) operator(pub []byte) {
	if len(pub) == ed25519.PublicKeySize {
		a.principal = "ed25519:" + base64.StdEncoding.EncodeToString(pub)
	}
}

// serveAdmin runs one admin handler and records exactly one audit record for it.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request, op string, h func(http.ResponseWriter, *http.Request, *adminCall)) {
	start := time.Now()
	rid := newRequestID()
	w.Header().Set("X-Amzn-RequestId", rid)
	a := &adminCall{}
	h(w, r, a)
	if a.outcome == "" {
		a.outcome = "OK"
	}
	s.emitAudit(r.Context(), audit.Record{Time: start, RequestID: rid, API: audit.Admin, Operation: op,
		Principal: a.principal, SourceIP: sourceIP(r), Proposal: a.proposal, ProposalKind: a.kind,
		Outcome: a.outcome, Duration: time.Since(start)})
}

func (s *Server) adminBody(w http.ResponseWriter, r *http.Request, a *adminCall, limit int64) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		a.outcome = "RequestTooLarge"
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "request body too large or unreadable"})
		return nil, false
	}
	return b, true
}

// adminStatus maps domain sentinels to HTTP statuses, and to the outcome audit records name.
var adminStatus = []struct {
	err    error
	status int
	code   string
}{
	{domain.ErrAccessDenied, http.StatusForbidden, "AccessDenied"},
	{domain.ErrNotFound, http.StatusNotFound, "NotFound"},
	{domain.ErrAlreadyExists, http.StatusConflict, "AlreadyExists"},
	{domain.ErrInvalidState, http.StatusConflict, "InvalidState"},
	{domain.ErrNoDomain, http.StatusConflict, "NoDomain"},
	{domain.ErrValidation, http.StatusBadRequest, "ValidationError"},
	{domain.ErrLimitExceeded, http.StatusTooManyRequests, "LimitExceeded"},
	{domain.ErrUnsupported, http.StatusNotImplemented, "Unsupported"},
}

func (s *Server) adminError(w http.ResponseWriter, r *http.Request, a *adminCall, err error) {
	status, code, msg := http.StatusServiceUnavailable, "ServiceUnavailable", "the key service is unavailable"
	var de *domain.Error
	if errors.As(err, &de) {
		msg = de.ClientMessage()
		for _, e := range adminStatus {
			if errors.Is(err, e.err) {
				status, code = e.status, e.code
				break
			}
		}
	}
	a.outcome = code
	s.log.Warn("admin request failed", "path", r.URL.Path, "status", status, "err", err)
	writeJSON(w, status, map[string]string{"error": msg})
}

func contextWithTimeout(r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), d)
}
