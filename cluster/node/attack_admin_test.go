package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/api/adminauth"
	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/softhsm"
)

// The attacks in this file need nothing but a TCP connection to a node's ops listener: no
// credentials, no operator key. Each reads as the attacker's steps, then what keyhold refuses.

// signer signs an admin request (nil: the request goes unsigned).
type signer func(r *http.Request, body []byte)

// signedBy signs requests with an Ed25519 key, as keyholdctl does.
func signedBy(t *testing.T, priv ed25519.PrivateKey) signer {
	return func(r *http.Request, body []byte) {
		if err := adminauth.Sign(r, body, priv, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

// adminCall sends one request to the ops listener at base and returns its status and body.
func adminCall(t *testing.T, base, method, path string, body []byte, sign signer) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if sign != nil {
		sign(req, body)
	}
	return sendAdmin(t, req, body)
}

func sendAdmin(t *testing.T, req *http.Request, body []byte) (int, []byte) {
	t.Helper()
	req.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func opsBase(tn *testNode) string { return "http://" + tn.n.opsLn.Addr().String() }

// devOperator is the dev operator's signing key, which keyhold dev writes for keyholdctl.
func devOperator(t *testing.T, dir string) ed25519.PrivateKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "operator.key"))
	if err != nil {
		t.Fatal(err)
	}
	priv, _, err := ceremony.ReadOperatorKey(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func newOperatorKey(t *testing.T) ed25519.PrivateKey {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func getStatus(t *testing.T, base string) domain.DomainStatus {
	t.Helper()
	code, b := adminCall(t, base, "GET", "/v1/domain/status", nil, nil)
	var st domain.DomainStatus
	if code != 200 || json.Unmarshal(b, &st) != nil {
		t.Fatalf("GET /v1/domain/status: %d %s", code, b)
	}
	return st
}

// submitSigned submits a proposal signed (inside) by by, the request signed by auth.
func submitSigned(t *testing.T, base string, p *ceremony.Proposal, by ed25519.PrivateKey, auth signer) (int, []byte) {
	t.Helper()
	signed, _, err := ceremony.SignNewProposal(p, by)
	if err != nil {
		t.Fatal(err)
	}
	return adminCall(t, base, "POST", "/v1/admin/proposals", signed, auth)
}

// importBody is the import request: the token, and the keys the caller asks the node to trust
// (the field the old API took; the node now refuses a body that has it).
func importBody(t *testing.T, tok []byte, trusted ...ed25519.PublicKey) []byte {
	in := map[string]any{"token": tok}
	if len(trusted) > 0 {
		raw := [][]byte{}
		for _, k := range trusted {
			raw = append(raw, k)
		}
		in["trusted"] = raw
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// forgeToken builds what the attacker needs from the open status endpoint: the node's own
// domain record at epoch+1, with the attacker as its only operator (1-of-1), and an export
// approval signed by the attacker's key.
func forgeToken(t *testing.T, st domain.DomainStatus, mallory ed25519.PrivateKey) []byte {
	t.Helper()
	d := ceremony.Domain{ID: st.DomainID, CreatedAt: time.Now().UTC().Truncate(time.Second), DKVersions: st.DKVersions,
		CurrentDK: st.CurrentDK, Operators: []ceremony.Operator{{Name: "mallory", PublicKey: mallory.Public().(ed25519.PublicKey)}},
		Quorum: 1, Epoch: st.Epoch + 1}
	for _, m := range st.Members {
		d.Members = append(d.Members, ceremony.Member{NodeID: m.NodeID, Address: m.Address, IdentityKey: m.IdentityKey})
	}
	record := ceremony.RecordBytes(&d)
	h := sha256.Sum256(record)
	p := ceremony.NewProposal(ceremony.KindExportToken, d.ID, d.Epoch, time.Now(), time.Hour)
	p.RecordHash = h[:]
	export, _, err := ceremony.SignNewProposal(p, mallory)
	if err != nil {
		t.Fatal(err)
	}
	tok := ceremony.DomainToken{Version: 1, Record: record, Export: export}
	return tok.Marshal()
}

// TestAttackImportWithOwnOperatorKeys: the attacker forges a domain token for the live domain at
// epoch+1 naming their own key as the only operator, signs its export approval with that key,
// and imports it, naming that key as "trusted". Had the node accepted it, the attacker would
// admit a node whose "HSM identity key" is an RSA key they hold, have the leader's HSM wrap the
// domain key to it, export it and unwrap it: the domain key in plaintext. keyhold verifies an
// import only against trust anchors it holds itself, and refuses any import on a node that has
// a domain, even of a genuine token.
func TestAttackImportWithOwnOperatorKeys(t *testing.T) {
	tn := newCeremonyNode(t)
	base := opsBase(tn)
	dev := devOperator(t, tn.dir)
	mallory := newOperatorKey(t)
	before := getStatus(t, base)

	tok := forgeToken(t, before, mallory)
	for name, auth := range map[string]signer{"Unsigned": nil, "SignedByAttacker": signedBy(t, mallory)} {
		code, body := adminCall(t, base, "POST", "/v1/admin/domain/import", importBody(t, tok, mallory.Public().(ed25519.PublicKey)), auth)
		if code == 200 {
			t.Errorf("%s: the forged token was imported: %s", name, body)
			stealDomainKey(t, base, mallory)
			return
		}
	}
	// Even an operator cannot get a token trusted by keys it names itself, or overwrite a live
	// domain by import.
	code, body := adminCall(t, base, "POST", "/v1/admin/domain/import", importBody(t, tok, mallory.Public().(ed25519.PublicKey)), signedBy(t, dev))
	if code == 200 {
		t.Fatalf("operator-authenticated import of the forged token, trusting the attacker: accepted: %s", body)
	}
	code, body = adminCall(t, base, "POST", "/v1/admin/domain/import", importBody(t, tok), signedBy(t, dev))
	if code != http.StatusConflict {
		t.Fatalf("operator-authenticated import of the forged token: got %d %s, want 409 (the node has a domain)", code, body)
	}
	after := getStatus(t, base)
	if after.Epoch != before.Epoch || len(after.Operators) != 1 || !bytes.Equal(after.Operators[0].PublicKey, dev.Public().(ed25519.PublicKey)) {
		t.Fatalf("after the forged imports: epoch %d operators %+v; want epoch %d and the dev operator only", after.Epoch, after.Operators, before.Epoch)
	}

	// A genuine token, exported by the operators' own ceremony, is still refused on a node that
	// has a domain: import is for fresh nodes (disaster recovery), never a way to roll a live
	// domain's record back or forward.
	h, _ := hexBytes(before.RecordHash)
	p := ceremony.NewProposal(ceremony.KindExportToken, before.DomainID, before.Epoch, time.Now(), time.Hour)
	p.RecordHash = h
	if code, body := submitSigned(t, base, p, dev, signedBy(t, dev)); code != 200 {
		t.Fatalf("export ceremony: %d %s", code, body)
	}
	code, genuine := adminCall(t, base, "GET", "/v1/domain/token", nil, signedBy(t, dev))
	if code != 200 {
		t.Fatalf("GET /v1/domain/token as the operator: %d %s", code, genuine)
	}
	code, body = adminCall(t, base, "POST", "/v1/admin/domain/import", importBody(t, genuine, dev.Public().(ed25519.PublicKey)), signedBy(t, dev))
	if code == 200 {
		t.Fatalf("import of a genuine token onto a node with a domain: accepted: %s", body)
	}
	code, body = adminCall(t, base, "POST", "/v1/admin/domain/import", importBody(t, genuine), signedBy(t, dev))
	if code != http.StatusConflict || !bytes.Contains(body, []byte("only onto a node without a domain")) {
		t.Fatalf("import of a genuine token onto a node with a domain: got %d %s, want 409", code, body)
	}
}

// stealDomainKey finishes the attack once a forged import was accepted, to show what it is
// worth: admit a node with an RSA key the attacker holds, export, unwrap.
func stealDomainKey(t *testing.T, base string, mallory ed25519.PrivateKey) {
	t.Helper()
	auth := signedBy(t, mallory)
	st := getStatus(t, base)
	rk, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	p := ceremony.NewProposal(ceremony.KindAdmitNode, st.DomainID, st.Epoch, time.Now(), time.Hour)
	p.Member = &ceremony.Member{NodeID: "evil", Address: "127.0.0.1:1", IdentityKey: der}
	if code, body := submitSigned(t, base, p, mallory, auth); code != 200 {
		t.Fatalf("admitting the attacker's node: %d %s", code, body)
	}
	clustertest.Eventually(t, 30*time.Second, "the leader to wrap the domain key to the attacker's node", func() bool {
		st = getStatus(t, base)
		for _, m := range st.Members {
			if m.NodeID == "evil" && len(m.WrappedDKs) > 0 {
				return true
			}
		}
		return false
	})
	h, _ := hexBytes(st.RecordHash)
	p = ceremony.NewProposal(ceremony.KindExportToken, st.DomainID, st.Epoch, time.Now(), time.Hour)
	p.RecordHash = h
	if code, body := submitSigned(t, base, p, mallory, auth); code != 200 {
		t.Fatalf("exporting: %d %s", code, body)
	}
	_, tok := adminCall(t, base, "GET", "/v1/domain/token", nil, auth)
	pt, err := ceremony.ParseToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ceremony.ParseRecord(pt.Record)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rec.Members {
		if w, ok := m.Wrapped(st.CurrentDK); ok && m.NodeID == "evil" {
			dk, err := rsa.DecryptOAEP(sha1.New(), nil, rk, w, nil)
			if err != nil {
				t.Fatalf("the domain key was wrapped to the attacker's key (%d bytes) but did not unwrap: %v", len(w), err)
			}
			t.Fatalf("ATTACK SUCCEEDED: the domain key v%d in plaintext (%d bytes)", st.CurrentDK, len(dk))
		}
	}
	t.Fatal("the forged import was accepted (the domain key was not obtained)")
}

func hexBytes(s string) ([]byte, error) {
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			case c >= 'a' && c <= 'f':
				v |= byte(c - 'a' + 10)
			}
		}
		b[i] = v
	}
	return b, nil
}

// TestAttackAdminAPIWithoutOperatorKey: the attacker reaches the ops listener and calls every
// admin endpoint that changes state or returns domain material: unsigned, signed by a key that
// is no operator's, with a replayed genuine signature, and with a genuine signature moved to
// another body or path. Every call is 401 with a JSON error, and each lands in the audit trail.
func TestAttackAdminAPIWithoutOperatorKey(t *testing.T) {
	tn := newTestNode(t)
	base := opsBase(tn)
	dev := devOperator(t, tn.dir)
	mallory := newOperatorKey(t)
	st := getStatus(t, base)
	rot := ceremony.NewProposal(ceremony.KindRotateDK, st.DomainID, st.Epoch, time.Now(), time.Hour)
	rotSigned, _, err := ceremony.SignNewProposal(rot, mallory)
	if err != nil {
		t.Fatal(err)
	}
	verdict, _ := json.Marshal(ceremony.SignProposal(mallory, rotSigned, ceremony.VerdictApprove))
	calls := []struct {
		name, method, path string
		body               []byte
	}{
		{"SubmitProposal", "POST", "/v1/admin/proposals", rotSigned},
		{"ApproveProposal", "POST", "/v1/admin/proposals/0123456789abcdef0123456789abcdef/approve", verdict},
		{"RejectProposal", "POST", "/v1/admin/proposals/0123456789abcdef0123456789abcdef/reject", verdict},
		{"GetDomainToken", "GET", "/v1/domain/token", nil},
		{"ImportDomainToken", "POST", "/v1/admin/domain/import", importBody(t, forgeToken(t, st, mallory))},
		{"Pprof", "GET", "/debug/pprof/", nil},
	}
	unauth := 0
	want401 := func(t *testing.T, code int, body []byte) {
		t.Helper()
		var e struct {
			Error string `json:"error"`
		}
		if code != http.StatusUnauthorized || json.Unmarshal(body, &e) != nil || e.Error == "" {
			t.Errorf("got %d %s, want 401 with a JSON error", code, body)
		}
		unauth++
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			t.Run("Unsigned", func(t *testing.T) {
				code, body := adminCall(t, base, c.method, c.path, c.body, nil)
				if c.name == "Pprof" {
					// Profiling is off unless configured: the route does not exist.
					if code != http.StatusNotFound {
						t.Errorf("pprof without pprof: true: got %d, want 404", code)
					}
					return
				}
				want401(t, code, body)
			})
			if c.name == "Pprof" {
				return
			}
			t.Run("NotAnOperator", func(t *testing.T) {
				code, body := adminCall(t, base, c.method, c.path, c.body, signedBy(t, mallory))
				want401(t, code, body)
			})
			t.Run("Replayed", func(t *testing.T) {
				// The operator's genuine request, captured and sent again.
				req, _ := http.NewRequest(c.method, base+c.path, bytes.NewReader(c.body))
				signedBy(t, dev)(req, c.body)
				if code, body := sendAdmin(t, req, c.body); code == http.StatusUnauthorized {
					t.Fatalf("the genuine request: 401 %s", body)
				}
				code, body := sendAdmin(t, req, c.body)
				want401(t, code, body)
			})
			t.Run("OtherBody", func(t *testing.T) {
				req, _ := http.NewRequest(c.method, base+c.path, bytes.NewReader(c.body))
				signedBy(t, dev)(req, []byte("what the operator signed"))
				code, body := sendAdmin(t, req, c.body)
				want401(t, code, body)
			})
			t.Run("OtherPath", func(t *testing.T) {
				req, _ := http.NewRequest(c.method, base+"/v1/admin/proposals/ffffffffffffffffffffffffffffffff/reject", bytes.NewReader(c.body))
				signedBy(t, dev)(req, c.body)
				req2, _ := http.NewRequest(c.method, base+c.path, nil)
				req2.Header = req.Header
				code, body := sendAdmin(t, req2, c.body)
				want401(t, code, body)
			})
		})
	}
	if st2 := getStatus(t, base); st2.Epoch != st.Epoch || st2.CurrentDK != st.CurrentDK || len(st2.Operators) != 1 {
		t.Fatalf("the domain changed: epoch %d -> %d, DK %d -> %d", st.Epoch, st2.Epoch, st.CurrentDK, st2.CurrentDK)
	}

	// Every refused call has its audit record; the operator's own calls name the operator.
	tn.stop()
	recs := readAudit(t, tn.cfg.auditDir())
	refused, byDev := 0, 0
	devPrincipal := "ed25519:" + base64.StdEncoding.EncodeToString(dev.Public().(ed25519.PublicKey))
	for _, r := range recs {
		if r.API != "admin" {
			continue
		}
		if r.Outcome == "Unauthenticated" {
			refused++
			if r.Principal != "" {
				t.Errorf("an unauthenticated call's record names principal %q", r.Principal)
			}
		}
		if r.Principal == devPrincipal && r.Outcome != "Unauthenticated" {
			byDev++
		}
	}
	if refused != unauth {
		t.Errorf("audit: %d records of refused calls, want %d", refused, unauth)
	}
	if byDev == 0 {
		t.Errorf("audit: no record names the authenticated operator %s", devPrincipal)
	}
	if t.Failed() {
		var b strings.Builder
		for _, r := range recs {
			if r.API == "admin" {
				b.WriteString(r.Op + " " + r.Outcome + " " + r.Principal + "\n")
			}
		}
		t.Logf("admin audit records:\n%s", b.String())
	}
}

// freshNode starts a bootstrap node with no domain, as `keyhold serve` starts before the init
// ceremony; configure adjusts its config first.
func freshNode(t *testing.T, configure func(*Config)) *testNode {
	t.Helper()
	tn := newCeremonyNodeConfig(t, configure)
	return tn
}

// TestAttackInitOnFreshBootstrapNode: a node has just started with bootstrap: true and waits
// for its operators' init ceremony. The attacker gets there first with an init-domain proposal
// naming their own key as the only operator (1-of-1). keyhold refuses it: a bootstrap node
// accepts only an init authenticated by, and approved by, an operator key configured on it.
func TestAttackInitOnFreshBootstrapNode(t *testing.T) {
	mallory := newOperatorKey(t)
	initBy := func(base string, by ed25519.PrivateKey, auth signer) (int, []byte) {
		p := ceremony.NewProposal(ceremony.KindInitDomain, "d00000000000000000000000000000aa", 0, time.Now(), time.Hour)
		p.Operators = []ceremony.Operator{{Name: "mallory", PublicKey: by.Public().(ed25519.PublicKey)}}
		p.Quorum, p.Rules = 1, &ceremony.QuorumRules{}
		return submitSigned(t, base, p, by, auth)
	}
	refused := func(t *testing.T, tn *testNode, code int, body []byte) {
		t.Helper()
		if code == 200 {
			t.Errorf("the attacker's init-domain was accepted: %s", body)
		}
		_, b := adminCall(t, opsBase(tn), "GET", "/v1/admin/proposals", nil, nil)
		if !bytes.Equal(bytes.TrimSpace(b), []byte("[]")) {
			t.Errorf("proposals after the attack: %s, want none", b)
		}
	}
	t.Run("NoBootstrapKeyConfigured", func(t *testing.T) {
		tn := freshNode(t, nil)
		for name, auth := range map[string]signer{"Unsigned": nil, "SignedByAttacker": signedBy(t, mallory)} {
			code, body := initBy(opsBase(tn), mallory, auth)
			refused(t, tn, code, body)
			if t.Failed() {
				t.Fatalf("%s", name)
			}
		}
	})
	t.Run("BootstrapKeyConfigured", func(t *testing.T) {
		alice := newOperatorKey(t)
		pubFile := filepath.Join(t.TempDir(), "alice.key.pub")
		if err := os.WriteFile(pubFile, ceremony.MarshalOperatorPublicKey(alice.Public().(ed25519.PublicKey)), 0o644); err != nil {
			t.Fatal(err)
		}
		tn := freshNode(t, func(c *Config) { c.BootstrapOperatorKeys = pubFile })
		base := opsBase(tn)
		// The attacker's requests are not authenticated: they hold no bootstrap key.
		for name, auth := range map[string]signer{"Unsigned": nil, "SignedByAttacker": signedBy(t, mallory)} {
			code, body := initBy(base, mallory, auth)
			if code != http.StatusUnauthorized {
				t.Errorf("%s: got %d %s, want 401", name, code, body)
			}
		}
		// A request the bootstrap operator authenticated (replayed, or her own by mistake) still
		// cannot carry an init that she did not approve.
		code, body := initBy(base, mallory, signedBy(t, alice))
		if code != http.StatusForbidden {
			t.Errorf("alice's request carrying mallory's init: got %d %s, want 403", code, body)
		}
		refused(t, tn, code, body)
		// Her own init is accepted.
		if code, body := initBy(base, alice, signedBy(t, alice)); code != 200 {
			t.Fatalf("the bootstrap operator's init: %d %s", code, body)
		}
		clustertest.Eventually(t, 30*time.Second, "the domain to be initialised", func() bool { return getStatus(t, base).Initialised })
	})
}

// newCeremonyNodeConfig is newCeremonyNode without `keyhold dev`'s domain init: the node is up,
// leads its single-voter raft, and has no domain.
func newCeremonyNodeConfig(t *testing.T, configure func(*Config)) *testNode {
	t.Helper()
	tok := softhsm.NewToken(t)
	dir := t.TempDir()
	soFile := filepath.Join(dir, "so-pin")
	if err := os.WriteFile(soFile, []byte(tok.SOPIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.NodeID = "node1"
	cfg.DataDir = filepath.Join(dir, "node1")
	cfg.APIAddr, cfg.OpsAddr, cfg.RaftAddr = "127.0.0.1:0", "127.0.0.1:0", clustertest.FreePort(t)
	cfg.HSM, cfg.HSMSOPINFile = tok.URI(), soFile
	cfg.HSMSessions, cfg.MemLock, cfg.SweepInterval = 4, false, time.Hour
	if configure != nil {
		configure(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return startFreshNode(t, cfg, dir)
}

// startFreshNode starts a node from cfg without `keyhold dev`'s domain init and waits until it
// leads its raft.
func startFreshNode(t *testing.T, cfg Config, dir string) *testNode {
	t.Helper()
	tn := &testNode{t: t, cfg: cfg, dir: dir, clock: &fakeClock{}}
	n, err := Start(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), tn.clock.now)
	if err != nil {
		t.Fatalf("startNode: %v", err)
	}
	tn.n = n
	t.Cleanup(tn.stop)
	wctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.raft.WaitForLeader(wctx); err != nil {
		t.Fatal(err)
	}
	return tn
}
