package sigv4

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// kmsRequestSigning builds a KMS call whose signature covers only the headers in signed (of
// Content-Type and X-Amz-Target); the others are added after signing.
func kmsRequestSigning(t *testing.T, body []byte, signed ...string) *http.Request {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:8100/", bytes.NewReader(body))
	all := map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.DescribeKey"}
	for _, h := range signed {
		r.Header.Set(h, all[h])
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds(testAKID, testSecret), r, sha256Hex(body), "kms", testRegion, t0); err != nil {
		t.Fatal(err)
	}
	for h, v := range all {
		if r.Header.Get(h) == "" {
			r.Header.Set(h, v)
		}
	}
	return r
}

// TestSignedHeadersRequired: the headers that decide what a request does must be in its
// signature, whatever else is right about it.
func TestSignedHeadersRequired(t *testing.T) {
	body := []byte(`{"KeyId":"alias/x"}`)
	s3Body := []byte("hello")
	tests := []struct {
		name    string
		req     func() *http.Request
		service string
		hash    string
		want    []string // the headers named, nil for success
	}{
		{"kms signs both", func() *http.Request { return kmsRequestSigning(t, body, "Content-Type", "X-Amz-Target") }, "kms", sha256Hex(body), nil},
		{"kms target unsigned", func() *http.Request { return kmsRequestSigning(t, body, "Content-Type") }, "kms", sha256Hex(body), []string{"x-amz-target"}},
		{"kms content type unsigned", func() *http.Request { return kmsRequestSigning(t, body, "X-Amz-Target") }, "kms", sha256Hex(body), []string{"content-type"}},
		{"kms neither signed", func() *http.Request { return kmsRequestSigning(t, body) }, "kms", sha256Hex(body), []string{"x-amz-target", "content-type"}},
		{"presigned GET with unsigned copy source", func() *http.Request {
			r := presignedGet(t, "http://h", "b", "k", 60, t0)
			r.Header.Set("X-Amz-Copy-Source", "/other/secret")
			return r
		}, "s3", "", []string{"x-amz-copy-source"}},
		{"presigned GET with two unsigned headers", func() *http.Request {
			r := presignedGet(t, "http://h", "b", "k", 60, t0)
			r.Header.Set("X-Amz-Server-Side-Encryption-Customer-Key", "a2V5")
			r.Header.Set("x-amz-acl", "public-read")
			return r
		}, "s3", "", []string{"x-amz-acl", "x-amz-server-side-encryption-customer-key"}},
		{"presigned GET with an unsigned content sha", func() *http.Request {
			// Exempt, as in S3: the value is the canonical request's last line.
			r := presignedGet(t, "http://h", "b", "k", 60, t0)
			r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
			return r
		}, "s3", "", nil},
		{"presigned GET with a non-amz header", func() *http.Request {
			r := presignedGet(t, "http://h", "b", "k", 60, t0)
			r.Header.Set("Range", "bytes=0-1")
			r.Header.Set("X-Amzn-Trace-Id", "Root=1")
			return r
		}, "s3", "", nil},
		{"header-signed s3 with unsigned header", func() *http.Request {
			r := s3Request(t, http.MethodPut, "http://h", "b", "k", "", UnsignedPayload, s3Body, t0)
			r.Header.Set("X-Amz-Copy-Source", "/other/secret")
			return r
		}, "s3", "", []string{"x-amz-copy-source"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newVerifier(t0.Add(time.Second)).Verify(tc.req(), tc.service, tc.hash)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			var e *HeadersNotSignedError
			if !errors.As(err, &e) || !errors.Is(err, ErrHeadersNotSigned) || !slices.Equal(e.Headers, tc.want) {
				t.Fatalf("got %v, want ErrHeadersNotSigned naming %v", err, tc.want)
			}
		})
	}
}
