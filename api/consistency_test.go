package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// gateServer is an API server whose freshness gate answers fresh; it has no key service, so a
// request the gate lets through fails later, in authentication.
func gateServer(t *testing.T, fresh func(context.Context) (time.Time, error)) *httptest.Server {
	t.Helper()
	s := NewServer(Options{Region: "us-east-1", Logger: slog.New(slog.DiscardHandler), Fresh: fresh, ObjectStore: nil})
	srv := httptest.NewServer(s.APIHandler())
	t.Cleanup(srv.Close)
	return srv
}

func kmsCall(t *testing.T, url, op string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"KeyId":"alias/x","Plaintext":"eA=="}`))
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	// An access key no node knows: while stale, that must not be what the node answers.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Type string `json:"__type"`
	}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, body.Type
}

// TestStaleNodeRefusesRetryably: a node whose gate says stale answers every KMS and S3 request
// with a 503 the SDKs retry, before looking up the access key; a fresh node goes on to
// authenticate.
func TestStaleNodeRefusesRetryably(t *testing.T) {
	stale := gateServer(t, func(context.Context) (time.Time, error) { return time.Time{}, errors.New("no leader") })
	for _, op := range []string{"Encrypt", "Decrypt", "DescribeKey", "CreateKey", "NoSuchOperation"} {
		status, code := kmsCall(t, stale.URL, op)
		if status != http.StatusServiceUnavailable || code != "DependencyTimeoutException" {
			t.Errorf("%s on a stale node: got %d %s, want 503 DependencyTimeoutException", op, status, code)
		}
	}
	resp, err := http.Get(stale.URL + "/some-bucket/some-key")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "<Code>ServiceUnavailable</Code>") {
		t.Errorf("S3 GET on a stale node: got %d %s, want 503 ServiceUnavailable", resp.StatusCode, b)
	}

	fresh := gateServer(t, func(context.Context) (time.Time, error) { return time.Now().Add(time.Second), nil })
	if status, code := kmsCall(t, fresh.URL, "Encrypt"); status != http.StatusBadRequest || code == "DependencyTimeoutException" {
		t.Errorf("Encrypt on a fresh node with an unknown access key: got %d %s, want a 400 authentication error", status, code)
	}
}
