package admin_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/api"
	"github.com/keyhold/keyhold/api/adminauth"
	"github.com/keyhold/keyhold/api/adminclient"
	"github.com/keyhold/keyhold/domain/domaintest"
)

// These tests drive the real admin handlers, behind the real root api ops listener, over an
// httptest server, through api/adminclient (the client keyholdctl uses), with real Ed25519
// operator signatures. The domain is a real domain.Service over an in-memory state.

func newAdmin(t *testing.T) (*adminclient.Client, *domaintest.Harness, string) {
	t.Helper()
	h := domaintest.New(t, domaintest.Options{})
	srv := httptest.NewServer(api.NewServer(api.Options{Service: h.Service, Region: "us-east-1",
		Logger: slog.New(slog.DiscardHandler), Pprof: true}).OpsHandler())
	t.Cleanup(srv.Close)
	op := h.Operator
	return &adminclient.Client{Addr: srv.URL, Signer: func() (ed25519.PrivateKey, error) { return op, nil }}, h, srv.URL
}

func TestOpenReads(t *testing.T) {
	c, _, _ := newAdmin(t)
	st, err := c.Status()
	if err != nil || !st.Initialised || len(st.Operators) != 1 {
		t.Fatalf("Status: %+v %v", st, err)
	}
	ps, err := c.Proposals()
	if err != nil || len(ps) != 0 {
		t.Fatalf("Proposals: %+v %v", ps, err)
	}
	// The harness has no HSM: the identity read says so, as a 501.
	if _, err := c.Identity(); err == nil || !strings.Contains(err.Error(), "HTTP 501") {
		t.Fatalf("Identity without an HSM: %v", err)
	}
	if _, err := c.Proposal("nope"); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("Proposal of a missing id: %v", err)
	}
}

// TestCeremonyThroughTheAdminAPI: an operator submits an add-operator proposal; with quorum 1
// the proposer's own approval carries it, and the domain gains the operator.
func TestCeremonyThroughTheAdminAPI(t *testing.T) {
	c, h, _ := newAdmin(t)
	st, _ := c.Status()
	newPub, _, _ := ed25519.GenerateKey(rand.Reader)
	p := ceremony.NewProposal(ceremony.KindAddOperator, st.DomainID, st.Epoch, time.Now(), 0)
	p.Operator = &ceremony.Operator{Name: "second", PublicKey: newPub}
	signed, id, err := ceremony.SignNewProposal(p, h.Operator)
	if err != nil {
		t.Fatal(err)
	}
	var v adminclient.ProposalView
	if _, err := c.Do(http.MethodPost, "/v1/admin/proposals", "application/cbor", signed, &v); err != nil {
		t.Fatal(err)
	}
	if v.ID != id || v.Kind != "add-operator" || v.Approvals != 1 {
		t.Fatalf("submitted: %+v", v)
	}
	got, err := c.Proposal(id)
	if err != nil || got.ID != id || got.Decoded == nil {
		t.Fatalf("Proposal: %+v %v", got, err)
	}
	if st, _ := c.Status(); len(st.Operators) != 2 {
		t.Fatalf("after add-operator: %d operators", len(st.Operators))
	}
	// A verdict on a decided proposal is a conflict; a body that is not a signature is a 400.
	sig := ceremony.SignProposal(h.Operator, got.Proposal, ceremony.VerdictReject)
	b, _ := json.Marshal(sig)
	if _, err := c.Do(http.MethodPost, "/v1/admin/proposals/"+id+"/reject", "application/json", b, nil); err == nil {
		t.Fatal("a verdict on a decided proposal was accepted")
	}
	if _, err := c.Do(http.MethodPost, "/v1/admin/proposals/"+id+"/approve", "application/json", []byte("{"), nil); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Fatalf("malformed verdict: %v", err)
	}
	// An import names only its token; anything else is refused before the domain sees it.
	if _, err := c.Do(http.MethodPost, "/v1/admin/domain/import", "application/json", []byte(`{"token":"","trusted":[]}`), nil); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Fatalf("import with extra fields: %v", err)
	}
	// No token was exported yet.
	if _, err := c.Do(http.MethodGet, "/v1/domain/token", "", nil, nil); err == nil {
		t.Fatal("domain token before any export")
	}
}

// TestOperatorRoutesRefuseOthers: operator routes answer 401 to unsigned requests, to keys that
// are not operators, and to a replayed request; nothing is changed.
func TestOperatorRoutesRefuseOthers(t *testing.T) {
	_, h, url := newAdmin(t)
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	send := func(req *http.Request) int {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/v1/domain/token", nil)
	if got := send(req); got != http.StatusUnauthorized {
		t.Errorf("unsigned: %d", got)
	}
	req, _ = http.NewRequest(http.MethodGet, url+"/v1/domain/token", nil)
	if err := adminauth.Sign(req, nil, stranger, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := send(req); got != http.StatusUnauthorized {
		t.Errorf("signed by a stranger: %d", got)
	}
	req, _ = http.NewRequest(http.MethodGet, url+"/debug/pprof/", nil)
	if err := adminauth.Sign(req, nil, h.Operator, time.Now()); err != nil {
		t.Fatal(err)
	}
	replay := req.Clone(req.Context())
	if got := send(req); got != http.StatusOK {
		t.Errorf("pprof signed by the operator: %d", got)
	}
	if got := send(replay); got != http.StatusUnauthorized {
		t.Errorf("replayed: %d", got)
	}
	req, _ = http.NewRequest(http.MethodPost, url+"/v1/admin/proposals", bytes.NewReader(make([]byte, ceremony.MaxSignedProposal+1)))
	if got := send(req); got != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", got)
	}
	if st := h.Service.Status(); len(st.Operators) != 1 {
		t.Errorf("refused requests changed the domain: %d operators", len(st.Operators))
	}
}
