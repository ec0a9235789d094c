package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// rawKMS sends a KMS request signed at signTime (unsigned when akid is empty) and returns the
// status and the __type of the answer.
func rawKMS(t *testing.T, tn *testNode, op, body, akid, secret string, signTime time.Time) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, tn.url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	if akid != "" {
		sum := sha256.Sum256([]byte(body))
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
			req, hex.EncodeToString(sum[:]), "kms", "us-east-1", signTime)
		if err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Type string `json:"__type"`
	}
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e.Type
}

func TestSigV4(t *testing.T) {
	tn := newTestNode(t)
	now := time.Now()
	cases := []struct {
		name, op, body, akid, secret string
		at                           time.Time
		status                       int
		code                         string
	}{
		{"valid", "ListKeys", "{}", tn.akid, tn.secret, now, 200, ""},
		{"unsigned", "ListKeys", "{}", "", "", now, 400, "MissingAuthenticationTokenException"},
		{"wrong secret", "ListKeys", "{}", tn.akid, "not-the-secret", now, 400, "InvalidSignatureException"},
		{"unknown access key", "ListKeys", "{}", "KHAKUNKNOWNUNKNOWN00", tn.secret, now, 400, "UnrecognizedClientException"},
		{"16 minutes slow", "ListKeys", "{}", tn.akid, tn.secret, now.Add(-16 * time.Minute), 400, "InvalidSignatureException"},
		{"16 minutes fast", "ListKeys", "{}", tn.akid, tn.secret, now.Add(16 * time.Minute), 400, "InvalidSignatureException"},
		{"14 minutes slow", "ListKeys", "{}", tn.akid, tn.secret, now.Add(-14 * time.Minute), 200, ""},
		{"unknown operation", "Frobnicate", "{}", tn.akid, tn.secret, now, 400, "UnknownOperationException"},
		{"malformed JSON", "Encrypt", "{not json", tn.akid, tn.secret, now, 400, "SerializationException"},
		{"wrong JSON type", "Encrypt", `{"KeyId": 7}`, tn.akid, tn.secret, now, 400, "SerializationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, code := rawKMS(t, tn, tc.op, tc.body, tc.akid, tc.secret, tc.at)
			if status != tc.status || code != tc.code {
				t.Fatalf("got %d %q, want %d %q", status, code, tc.status, tc.code)
			}
		})
	}
	t.Run("tampered body", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, tn.url+"/", strings.NewReader(`{"Limit": 1}`))
		req.Header.Set("X-Amz-Target", "TrentService.ListKeys")
		sum := sha256.Sum256([]byte(`{"Limit": 2}`))
		_ = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: tn.akid, SecretAccessKey: tn.secret},
			req, hex.EncodeToString(sum[:]), "kms", "us-east-1", time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("tampered body accepted: %d", resp.StatusCode)
		}
	})
	t.Run("oversize body", func(t *testing.T) {
		status, code := rawKMS(t, tn, "Encrypt", `{"Plaintext":"`+strings.Repeat("A", 70<<10)+`"}`, tn.akid, tn.secret, now)
		if status != 400 || code != "ValidationException" {
			t.Fatalf("got %d %q", status, code)
		}
	})
	t.Run("SDK with wrong secret", func(t *testing.T) {
		_, err := tn.client(tn.akid, "wrong").ListKeys(ctx(), &kms.ListKeysInput{})
		clustertest.WantCode(t, err, "InvalidSignatureException")
	})
}

func TestOpsEndpoints(t *testing.T) {
	tn := newTestNode(t)
	createKey(t, tn.kms, "metrics")
	ops := "http://" + tn.n.opsLn.Addr().String()
	get := func(path string) (int, string) {
		resp, err := http.Get(ops + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := get("/healthz"); st != 200 {
		t.Fatalf("/healthz: %d", st)
	}
	// Readiness needs a read index confirmed within max_staleness, which the background loop
	// (freshness.go) gets after start: poll for it.
	clustertest.Eventually(t, 10*time.Second, "/readyz answers 200", func() bool { st, _ := get("/readyz"); return st == 200 })
	st, body := get("/v1/cluster/status")
	var cs clusterStatus
	if err := json.Unmarshal([]byte(body), &cs); err != nil || st != 200 {
		t.Fatalf("/v1/cluster/status: %d %s", st, body)
	}
	if cs.NodeID != "node1" || cs.RaftState != "Leader" || cs.LeaderID != "node1" || cs.DomainKeyVersion != 1 || !cs.Ready || cs.Term == 0 {
		t.Fatalf("status: %+v", cs)
	}
	var metrics string
	wants := []string{
		`keyhold_api_requests_total{api="kms",code="OK",operation="CreateKey"} 1`,
		`keyhold_api_request_duration_seconds_bucket{api="kms",operation="CreateKey"`,
		`keyhold_hsm_operation_duration_seconds_count`,
		`keyhold_key_cache_misses_total`,
		`keyhold_raft_leader 1`,
		`keyhold_domain_key_version 1`,
	}
	clustertest.Eventually(t, 10*time.Second, "/metrics has "+strings.Join(wants, ", "), func() bool {
		_, metrics = get("/metrics")
		for _, want := range wants {
			if !strings.Contains(metrics, want) {
				return false
			}
		}
		return true
	})
	// No secret reaches the metrics.
	if strings.Contains(metrics, tn.secret) || bytes.Contains([]byte(metrics), []byte(tn.akid)) {
		t.Fatal("/metrics exposes credentials")
	}
	_, err := tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/nope"), Plaintext: []byte("x")})
	clustertest.WantCode(t, err, "NotFoundException")
	// The request is counted once its response has been written, so the client can see the
	// answer a moment before the metric: poll.
	clustertest.Eventually(t, 10*time.Second, "errors by code are counted", func() bool {
		_, metrics = get("/metrics")
		return strings.Contains(metrics, `keyhold_api_requests_total{api="kms",code="NotFoundException",operation="Encrypt"} 1`)
	})
}
