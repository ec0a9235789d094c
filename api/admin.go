package api

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

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
//	GET  /v1/node/identity                  {"node_id", "identity_key": b64 PKIX DER}
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
	mux.HandleFunc("GET /v1/domain/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.svc.Status())
	})
	mux.HandleFunc("GET /v1/domain/token", func(w http.ResponseWriter, r *http.Request) {
		tok, err := s.svc.DomainToken()
		if err != nil {
			s.adminError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/cbor")
		_, _ = w.Write(tok)
	})
	mux.HandleFunc("GET /v1/node/identity", func(w http.ResponseWriter, r *http.Request) {
		id, key, err := s.svc.Identity()
		if err != nil {
			s.adminError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"node_id": id, "identity_key": key})
	})
	mux.HandleFunc("GET /v1/admin/proposals", func(w http.ResponseWriter, r *http.Request) {
		out := []ProposalView{}
		for _, p := range s.svc.Proposals() {
			out = append(out, proposalView(p))
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /v1/admin/proposals/{id}", func(w http.ResponseWriter, r *http.Request) {
		p, err := s.svc.Proposal(r.PathValue("id"))
		if err != nil {
			s.adminError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, proposalView(p))
	})
	mux.HandleFunc("POST /v1/admin/proposals", func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.adminBody(w, r, domain.MaxSignedProposal)
		if !ok {
			return
		}
		ctx, cancel := contextWithTimeout(r, adminTimeout)
		defer cancel()
		id, err := s.svc.SubmitProposal(ctx, body)
		if err != nil {
			s.adminError(w, r, err)
			return
		}
		s.audit.Info("admin", "action", "SubmitProposal", "proposal", id, "outcome", "ok")
		p, _ := s.svc.Proposal(id)
		writeJSON(w, http.StatusOK, proposalView(p))
	})
	verdict := func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.adminBody(w, r, 4<<10)
		if !ok {
			return
		}
		var sig domain.Signature
		if err := json.Unmarshal(body, &sig); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be a JSON signature"})
			return
		}
		ctx, cancel := contextWithTimeout(r, adminTimeout)
		defer cancel()
		id := r.PathValue("id")
		if err := s.svc.SignProposalVerdict(ctx, id, sig); err != nil {
			s.adminError(w, r, err)
			return
		}
		s.audit.Info("admin", "action", "SignProposal", "proposal", id, "verdict", sig.Verdict, "outcome", "ok")
		p, err := s.svc.Proposal(id)
		if err != nil {
			s.adminError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, proposalView(p))
	}
	mux.HandleFunc("POST /v1/admin/proposals/{id}/approve", verdict)
	mux.HandleFunc("POST /v1/admin/proposals/{id}/reject", verdict)
	mux.HandleFunc("POST /v1/admin/domain/import", func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.adminBody(w, r, 2*domain.MaxTokenBytes)
		if !ok {
			return
		}
		var in struct {
			Token   []byte   `json:"token"`
			Trusted [][]byte `json:"trusted"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
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
			s.adminError(w, r, err)
			return
		}
		s.audit.Info("admin", "action", "ImportDomainToken", "outcome", "ok")
		writeJSON(w, http.StatusOK, s.svc.Status())
	})
}

func (s *Server) adminBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "request body too large or unreadable"})
		return nil, false
	}
	return b, true
}

// adminStatus maps domain sentinels to HTTP statuses for the admin API.
var adminStatus = []struct {
	err    error
	status int
}{
	{domain.ErrAccessDenied, http.StatusForbidden},
	{domain.ErrNotFound, http.StatusNotFound},
	{domain.ErrAlreadyExists, http.StatusConflict},
	{domain.ErrInvalidState, http.StatusConflict},
	{domain.ErrNoDomain, http.StatusConflict},
	{domain.ErrValidation, http.StatusBadRequest},
	{domain.ErrLimitExceeded, http.StatusTooManyRequests},
	{domain.ErrUnsupported, http.StatusNotImplemented},
}

func (s *Server) adminError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusServiceUnavailable, "the key service is unavailable"
	var de *domain.Error
	if errors.As(err, &de) {
		msg = de.ClientMessage()
		for _, e := range adminStatus {
			if errors.Is(err, e.err) {
				status = e.status
				break
			}
		}
	}
	s.log.Warn("admin request failed", "path", r.URL.Path, "status", status, "err", err)
	s.audit.Info("admin", "path", r.URL.Path, "outcome", "error", "status", status)
	writeJSON(w, status, map[string]string{"error": msg})
}

func contextWithTimeout(r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), d)
}
