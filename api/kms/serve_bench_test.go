package kms_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	awskms "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/api"
	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/domain/domaintest"
)

// capture is an http.RoundTripper that keeps a copy of the last request the SDK sent (headers
// and body, signed) before passing it on, so that a benchmark can replay the exact bytes.
type capture struct {
	mu   sync.Mutex
	next http.RoundTripper
	hdr  http.Header
	body []byte
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.hdr, c.body = r.Header.Clone(), b
	c.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(b))
	return c.next.RoundTrip(r)
}

// BenchmarkServeEncrypt measures the server side of one KMS Encrypt as root, from the handler
// to the response, with the whole pipeline on: SigV4 verification, the freshness gate, the
// caller, the quota, authorization, the wrap, the response encoding, the metrics and an audit
// record chained and buffered by a real audit.Writer (best effort here, so that the benchmark
// measures the request path and not the disk's fsync). The request is one the AWS SDK signed,
// replayed; no network. allocs/op is the allocations per request of keyhold's request path
// (plus the few of the replayed *http.Request).
func BenchmarkServeEncrypt(b *testing.B) {
	h := domaintest.New(b, domaintest.Options{})
	aw, err := audit.Open(b.TempDir(), audit.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = aw.Close() })
	handler := api.NewServer(api.Options{Service: h.Service, Region: "us-east-1", Logger: slog.New(slog.DiscardHandler), Audit: aw}).APIHandler()
	srv := httptest.NewServer(handler)
	b.Cleanup(srv.Close)
	akid, secret := h.Principal(b, "root", true)
	c := client(srv.URL, akid, secret)
	ctx := context.Background()
	key := must(c.CreateKey(ctx, &awskms.CreateKeyInput{}))
	cp := &capture{next: http.DefaultTransport}
	signed := awskms.New(c.Options(), func(o *awskms.Options) { o.HTTPClient = &http.Client{Transport: cp} })
	if _, err := signed.Encrypt(ctx, &awskms.EncryptInput{KeyId: key.KeyMetadata.KeyId, Plaintext: []byte("0123456789abcdef"),
		EncryptionContext: map[string]string{"app": "bench"}}); err != nil {
		b.Fatal(err)
	}
	u, host := srv.URL+"/", srv.Listener.Addr().String()
	serve := func() int {
		r := httptest.NewRequest(http.MethodPost, u, bytes.NewReader(cp.body))
		r.Header = cp.hdr
		r.Host = host
		r.RemoteAddr = "127.0.0.1:40000"
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		return w.Code
	}
	if code := serve(); code != http.StatusOK {
		b.Fatalf("replayed Encrypt: HTTP %d", code)
	}
	b.ReportAllocs()
	for b.Loop() {
		if code := serve(); code != http.StatusOK {
			b.Fatalf("HTTP %d", code)
		}
	}
}
