package node

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keyhold/keyhold/api"
)

// routeAuth is the authentication every route of every listener requires. A route added to a
// listener fails TestEveryRouteDeclaresItsAuthentication until it is listed here, which is where a
// reviewer sees what it exposes. KMS operations are not listed one by one: the API listener
// verifies SigV4 before it looks at X-Amz-Target (api/kms.go runKMS), and the test checks that
// every KMS route says so and refuses an unsigned call.
var routeAuth = map[string]api.Auth{
	"api * /": api.AuthSigV4, // S3, every operation: SigV4 before routing (api/s3.go runS3)

	"ops GET /metrics":           api.AuthOpen,
	"ops GET /healthz":           api.AuthOpen,
	"ops GET /readyz":            api.AuthOpen,
	"ops GET /v1/cluster/status": api.AuthOpen,
	"ops GET /v1/domain/status":  api.AuthOpen,
	"ops GET /v1/node/identity":  api.AuthOpen,
	// Proposals are what operators are asked to sign: public keys, hashes, verdicts.
	"ops GET /v1/admin/proposals":      api.AuthOpen,
	"ops GET /v1/admin/proposals/{id}": api.AuthOpen,

	"ops GET /v1/domain/token":                  api.AuthOperator,
	"ops POST /v1/admin/domain/import":          api.AuthOperator,
	"ops POST /v1/admin/proposals":              api.AuthOperator,
	"ops POST /v1/admin/proposals/{id}/approve": api.AuthOperator,
	"ops POST /v1/admin/proposals/{id}/reject":  api.AuthOperator,
	"ops GET /debug/pprof/":                     api.AuthOperator,
	"ops GET /debug/pprof/profile":              api.AuthOperator,

	// The peer API shares the raft port; the demux checks the member's pinned certificate
	// before a byte reaches it, and requireMember again per request.
	"peer POST /peer/v1/propose":    api.AuthMember,
	"peer POST /peer/v1/read-index": api.AuthMember,
	"peer GET /peer/v1/domain-key":  api.AuthMember,
	"peer POST /peer/v1/join":       api.AuthMember,
}

// TestEveryRouteDeclaresItsAuthentication lists every route of every listener with the
// authentication it requires, compares the list with routeAuth, and then calls every route
// without credentials: an open route answers, every other one refuses.
func TestEveryRouteDeclaresItsAuthentication(t *testing.T) {
	tn := newTestNode(t)
	tn.cfg.Pprof = true // pprof's routes exist only then; they are checked too
	tn.restart(t)
	routes := listenerRoutes(tn)
	seen := map[string]bool{}
	for _, r := range routes {
		name := r.String()
		seen[name] = true
		if r.Target != "" || r.Action != "" {
			// KMS, IAM and STS operations: SigV4, but for the one STS action a web identity
			// token authenticates.
			want := api.AuthSigV4
			if r.Action == "sts:AssumeRoleWithWebIdentity" {
				want = api.AuthWebIdentity
			}
			if r.Auth != want {
				t.Errorf("%s: declares %q, want %q", name, r.Auth, want)
			}
		} else if want, ok := routeAuth[name]; !ok {
			t.Errorf("%s (auth %q) is not in routeAuth: add it with the authentication it requires", name, r.Auth)
		} else if r.Auth != want {
			t.Errorf("%s: declares %q, routeAuth says %q", name, r.Auth, want)
		}
		if r.Auth == "" {
			t.Errorf("%s declares no authentication", name)
		}
	}
	for name := range routeAuth {
		if !seen[name] {
			t.Errorf("routeAuth lists %s, which no listener serves", name)
		}
	}
	for _, r := range routes {
		t.Run(strings.ReplaceAll(r.String(), "/", "_"), func(t *testing.T) {
			code, body := probeUnauthenticated(t, tn, r)
			switch r.Auth {
			case api.AuthOpen:
				if code == http.StatusUnauthorized || code == http.StatusForbidden || code >= 500 {
					t.Errorf("open route: %d %.200s", code, body)
				}
			case api.AuthOperator:
				if code != http.StatusUnauthorized {
					t.Errorf("operator route without a signature: %d %.200s, want 401", code, body)
				}
			case api.AuthMember:
				if code != http.StatusForbidden {
					t.Errorf("peer route with a non-member certificate: %d %.200s, want 403", code, body)
				}
			case api.AuthSigV4:
				if !strings.Contains(body, "MissingAuthenticationToken") && !strings.Contains(body, "AccessDenied") {
					t.Errorf("SigV4 route without a signature: %d %.200s, want MissingAuthenticationToken or AccessDenied", code, body)
				}
			case api.AuthWebIdentity:
				// No token at all: refused before any role is looked up.
				if code < 400 || code >= 500 {
					t.Errorf("web-identity route without a token: %d %.200s, want a 4xx refusal", code, body)
				}
			default:
				t.Errorf("no probe for authentication %q", r.Auth)
			}
		})
	}
}

// listenerRoutes is every route of the test node's listeners.
func listenerRoutes(tn *testNode) []api.Route {
	routes := tn.n.srv.Routes()
	for _, r := range tn.n.peerRoutes() {
		routes = append(routes, r.Route)
	}
	return routes
}

// probeUnauthenticated calls r with no credentials of any kind and returns the status and body.
func probeUnauthenticated(t *testing.T, tn *testNode, r api.Route) (int, string) {
	t.Helper()
	if r.Listener == "peer" {
		return probePeer(t, tn, r)
	}
	base := "http://" + tn.n.opsLn.Addr().String()
	if r.Listener == "api" {
		base = tn.n.APIURL()
	}
	method := r.Method
	if method == "*" {
		method = http.MethodGet
	}
	path := strings.ReplaceAll(r.Path, "{id}", "0123456789abcdef0123456789abcdef")
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader("{}")
	}
	if svc, action, ok := strings.Cut(r.Action, ":"); ok {
		version := map[string]string{"iam": "2010-05-08", "sts": "2011-06-15"}[svc]
		body = strings.NewReader("Action=" + action + "&Version=" + version)
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.Target != "" {
		req.Header.Set("X-Amz-Target", r.Target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	}
	if r.Action != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode, string(b)
}

// probePeer calls a peer route through the peer API's handler as a TLS connection presenting a
// certificate of no member would reach it: the demux's own check comes first in production,
// so this checks the second line, requireMember, on every route.
func probePeer(t *testing.T, tn *testNode, r api.Route) (int, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "not-a-member"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(r.Method, r.Path, strings.NewReader("{}"))
	req.TLS = &tls.ConnectionState{HandshakeComplete: true, PeerCertificates: []*x509.Certificate{cert}}
	rec := httptest.NewRecorder()
	tn.n.peerHandler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}
