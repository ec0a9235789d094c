package admin

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/api/adminauth"
	"github.com/keyhold/keyhold/api/adminclient"
	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/domain"
)

// The admin API (ops listener) is what keyholdctl talks to. It needs no SigV4 credentials; an
// operator's Ed25519 key authenticates it instead (package adminauth: a signed Authorization
// header bound to method, host, path, query, body hash and time, replay-protected). Routes
// marked "operator" below answer 401 unless the signer is an operator of the domain (before a
// domain exists: a configured bootstrap or recovery operator; domain.Service.AdminSigner).
// Ceremony writes are verified twice: the request's signer here, and every approval signature
// in Apply, on every replica, against the replicated operator set.
//
// The open routes return nothing an operator key protects: the domain status (ids, epoch,
// operators' and members' public keys, record hash), this node's HSM identity public key (the
// input of an admit-node proposal, public by design), and proposals (what operators are asked
// to sign, and who signed: approvers read them before signing). The domain token is
// operator-only: it is the whole record with every wrapped domain key.
//
//	GET  /v1/domain/status                  open      DomainStatus (JSON)
//	GET  /v1/node/identity                  open      {"node_id", "identity_key": b64 PKIX DER,
//	                                                  "tls_pin": b64 SHA-256 of the peer certificate's SPKI, or null}
//	GET  /v1/admin/proposals                open      [adminclient.ProposalView]
//	GET  /v1/admin/proposals/{id}           open      adminclient.ProposalView
//	GET  /v1/domain/token                   operator  the last exported domain token (application/cbor)
//	POST /v1/admin/domain/import            operator  {"token": b64}; trusted keys come from the node's config
//	POST /v1/admin/proposals                operator  body: signed proposal (canonical CBOR) -> {"id"}
//	POST /v1/admin/proposals/{id}/approve   operator  body: Signature (JSON)
//	POST /v1/admin/proposals/{id}/reject    operator  body: Signature (JSON)
//	GET  /debug/pprof/...                   operator  only with Options.Pprof (pprof.go)

// adminTimeout bounds one admin write: a ceremony's raft round trip, not its HSM work (which the
// leader does in the background).
const adminTimeout = 30 * time.Second

// proposalView is a proposal record as the admin API returns it.
func proposalView(r *domain.ProposalRecord) adminclient.ProposalView {
	v := adminclient.ProposalView{
		ID: r.ID, Kind: r.Kind.String(), Status: r.Status.String(), Epoch: r.Epoch,
		SubmittedAt: r.SubmittedAt, UpdatedAt: r.UpdatedAt, NotAfter: r.NotAfter, Proposal: r.Signed.Proposal,
		Delivery: r.Delivery,
	}
	for _, s := range r.Signed.Signatures {
		v.Signers = append(v.Signers, s.PublicKey)
		if s.Verdict == ceremony.VerdictApprove {
			v.Approvals++
		} else {
			v.Rejections++
		}
	}
	if p, err := ceremony.ParseProposal(r.Signed.Proposal); err == nil {
		v.Decoded = p
	}
	return v
}

// adminRoute is one admin endpoint: whether it needs an operator's signature, and how large a
// body it reads (0: none).
type adminRoute struct {
	pattern, op string
	operator    bool
	limit       int64
	h           func(w http.ResponseWriter, r *http.Request, a *adminCall)
}

// Register adds the admin routes to mux; each is served through serveAdmin (authentication,
// then exactly one audit record).
func (s *Server) Register(mux *http.ServeMux) {
	for _, rt := range s.routes() {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { s.serveAdmin(w, r, rt) })
	}
}

// Route is an admin route as the root api's route inventory lists it.
type Route struct {
	Pattern  string // a net/http pattern, "METHOD /path"
	Operator bool   // needs an operator's signature (adminauth)
}

// Routes lists the admin API's routes and whether each needs an operator.
func (s *Server) Routes() []Route {
	var out []Route
	for _, rt := range s.routes() {
		out = append(out, Route{Pattern: rt.pattern, Operator: rt.operator})
	}
	return out
}

func (s *Server) routes() []adminRoute {
	routes := []adminRoute{
		{"GET /v1/domain/status", "GetDomainStatus", false, 0, func(w http.ResponseWriter, r *http.Request, a *adminCall) {
			pipeline.WriteJSON(w, http.StatusOK, s.svc.Status())
		}},
		{"GET /v1/domain/token", "GetDomainToken", true, 0, func(w http.ResponseWriter, r *http.Request, a *adminCall) {
			tok, err := s.svc.DomainToken()
			if err != nil {
				s.adminError(w, r, a, err)
				return
			}
			w.Header().Set("Content-Type", "application/cbor")
			_, _ = w.Write(tok)
		}},
		{"GET /v1/node/identity", "GetNodeIdentity", false, 0, func(w http.ResponseWriter, r *http.Request, a *adminCall) {
			id, key, err := s.svc.Identity(r.Context())
			if err != nil {
				s.adminError(w, r, a, err)
				return
			}
			pipeline.WriteJSON(w, http.StatusOK, adminclient.NodeIdentity{NodeID: id, IdentityKey: key, TLSPin: s.svc.TLSPin()})
		}},
		{"GET /v1/admin/proposals", "ListProposals", false, 0, func(w http.ResponseWriter, r *http.Request, a *adminCall) {
			out := []adminclient.ProposalView{}
			for _, p := range s.svc.Proposals() {
				out = append(out, proposalView(p))
			}
			pipeline.WriteJSON(w, http.StatusOK, out)
		}},
		{"GET /v1/admin/proposals/{id}", "GetProposal", false, 0, func(w http.ResponseWriter, r *http.Request, a *adminCall) {
			p, err := s.svc.Proposal(r.Context(), a.proposal)
			if err != nil {
				s.adminError(w, r, a, err)
				return
			}
			a.kind = p.Kind.String()
			pipeline.WriteJSON(w, http.StatusOK, proposalView(p))
		}},
		{"POST /v1/admin/proposals", "SubmitProposal", true, ceremony.MaxSignedProposal, s.submitProposal},
		{"POST /v1/admin/proposals/{id}/approve", "ApproveProposal", true, 4 << 10, s.proposalVerdict},
		{"POST /v1/admin/proposals/{id}/reject", "RejectProposal", true, 4 << 10, s.proposalVerdict},
		{"POST /v1/admin/domain/import", "ImportDomainToken", true, 2 * ceremony.MaxTokenBytes, s.importDomainToken},
	}
	if s.pprof {
		routes = append(routes, pprofRoutes()...)
	}
	return routes
}

func (s *Server) submitProposal(w http.ResponseWriter, r *http.Request, a *adminCall) {
	if _, p, err := ceremony.ParseSignedProposal(a.body); err == nil {
		a.kind = p.Kind.String()
	}
	ctx, cancel := contextWithTimeout(r, adminTimeout)
	defer cancel()
	id, err := s.svc.SubmitProposal(ctx, a.body)
	if err != nil {
		s.adminError(w, r, a, err)
		return
	}
	a.proposal = id
	p, _ := s.svc.Proposal(r.Context(), id)
	pipeline.WriteJSON(w, http.StatusOK, proposalView(p))
}

func (s *Server) proposalVerdict(w http.ResponseWriter, r *http.Request, a *adminCall) {
	var sig ceremony.Signature
	if err := json.Unmarshal(a.body, &sig); err != nil {
		a.outcome = "ValidationError"
		pipeline.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be a JSON signature"})
		return
	}
	ctx, cancel := contextWithTimeout(r, adminTimeout)
	defer cancel()
	if err := s.svc.SignProposalVerdict(ctx, a.proposal, sig); err != nil {
		s.adminError(w, r, a, err)
		return
	}
	p, err := s.svc.Proposal(r.Context(), a.proposal)
	if err != nil {
		s.adminError(w, r, a, err)
		return
	}
	a.kind = p.Kind.String()
	pipeline.WriteJSON(w, http.StatusOK, proposalView(p))
}

// importDomainToken takes only the token: the keys an import is verified against are the
// node's configured recovery operators, never keys the request names (a request that tries is
// refused, so that an old keyholdctl's --trusted is not silently ignored).
func (s *Server) importDomainToken(w http.ResponseWriter, r *http.Request, a *adminCall) {
	var in struct {
		Token []byte `json:"token"`
	}
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		a.outcome = "ValidationError"
		pipeline.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `the body must be {"token": ...}: the operator keys an import is verified against are the node's recovery_operator_keys, not the request's`})
		return
	}
	ctx, cancel := contextWithTimeout(r, adminTimeout)
	defer cancel()
	if err := s.svc.ImportDomainToken(ctx, in.Token); err != nil {
		s.adminError(w, r, a, err)
		return
	}
	pipeline.WriteJSON(w, http.StatusOK, s.svc.Status())
}

// adminCall is one admin request: what its handler learned, for the audit record.
type adminCall struct {
	principal, proposal, kind string
	outcome                   string // "" means OK
	body                      []byte // read (up to the route's limit) before authentication
}

// operator names the authenticated operator as the principal: its Ed25519 public key, as
// `keyholdctl status` prints it.
func (a *adminCall) operator(pub []byte) {
	if len(pub) == ed25519.PublicKeySize {
		a.principal = "ed25519:" + base64.StdEncoding.EncodeToString(pub)
	}
}

// serveAdmin authenticates one admin request if its route needs it, runs its handler, and
// records exactly one audit record for it, refused or not.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request, rt adminRoute) {
	start := time.Now()
	rid := pipeline.NewRequestID()
	w.Header().Set("X-Amzn-RequestId", rid)
	a := &adminCall{proposal: r.PathValue("id")}
	if s.adminAuthenticate(w, r, rt, a) {
		rt.h(w, r, a)
	}
	if a.outcome == "" {
		a.outcome = "OK"
	}
	s.p.Emit(r.Context(), audit.Record{Time: start, RequestID: rid, API: audit.Admin, Operation: rt.op,
		Principal: a.principal, SourceIP: pipeline.SourceIP(r), Proposal: a.proposal, ProposalKind: a.kind,
		Outcome: a.outcome, Duration: time.Since(start)})
}

// adminAuthenticate reads the body of a route that takes one and, for an operator route,
// verifies its signature; it answers the request itself (401, 413) and returns false when the
// handler must not run. The body is read first because the signature covers its hash; the
// route's limit bounds what an unauthenticated caller can make the node read.
func (s *Server) adminAuthenticate(w http.ResponseWriter, r *http.Request, rt adminRoute, a *adminCall) bool {
	if rt.limit > 0 {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rt.limit))
		if err != nil {
			a.outcome = "RequestTooLarge"
			pipeline.WriteJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "request body too large or unreadable"})
			return false
		}
		a.body = b
	}
	if !rt.operator {
		return true
	}
	pub, err := s.adminAuth.Verify(r, a.body, s.svc.AdminSigner)
	if err != nil {
		a.outcome = "Unauthenticated"
		s.log.Warn("admin request refused: not authenticated", "path", r.URL.Path, "source_ip", pipeline.SourceIP(r), "err", err)
		w.Header().Set("WWW-Authenticate", adminauth.Scheme)
		pipeline.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": adminAuthMessage(err)})
		return false
	}
	a.operator(pub)
	return true
}

// adminAuthMessage tells the caller what to fix.
func adminAuthMessage(err error) string {
	switch {
	case errors.Is(err, adminauth.ErrMissing):
		return "this admin call must be signed by an operator key (keyholdctl --key)"
	case errors.Is(err, adminauth.ErrStale):
		return "the request's signing time is outside the allowed clock skew: check the clocks"
	case errors.Is(err, adminauth.ErrNotAllowed):
		return "the signing key is not an operator of this domain"
	case errors.Is(err, adminauth.ErrReplay):
		return "the request was already used: sign a new one"
	default:
		return "the operator signature of this request is malformed or does not match it"
	}
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
	pipeline.WriteJSON(w, status, map[string]string{"error": msg})
}

func contextWithTimeout(r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), d)
}
