package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

const (
	testAKID   = "AKIAKEYHOLDTEST0001"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testRegion = "us-east-1"
)

var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// memStore is an in-memory CredentialStore returning copies, as the contract asks.
type memStore map[string]string

func (m memStore) Credential(_ context.Context, id, _ string) (Credential, error) {
	s, ok := m[id]
	if !ok {
		return Credential{}, fmt.Errorf("lookup %q: %w", id, ErrUnknownAccessKey)
	}
	return Credential{Secret: []byte(s), Principal: "principal-" + id}, nil
}

func newVerifier(now time.Time) *Verifier {
	return &Verifier{Store: memStore{testAKID: testSecret}, Region: testRegion, Now: func() time.Time { return now }}
}

func creds(akid, secret string) aws.Credentials {
	return aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// kmsRequest builds a KMS JSON 1.1 call and signs it with the AWS SDK's signer.
func kmsRequest(t testing.TB, base string, body []byte, c aws.Credentials, region string, at time.Time) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, base+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "TrentService.Encrypt")
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, sha256Hex(body), "kms", region, at); err != nil {
		t.Fatal(err)
	}
	return r
}

// s3Request builds an S3 request the way the S3 client does: the key escaped with the SDK's
// path escaping, x-amz-content-sha256 set, and path escaping disabled in the signer.
func s3Request(t testing.TB, method, base, bucket, key, rawQuery, payloadHash string, body []byte, at time.Time) *http.Request {
	t.Helper()
	u := base + "/" + bucket + "/" + httpbinding.EscapePath(key, false)
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	r, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	err = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
		SignHTTP(context.Background(), creds(testAKID, testSecret), r, payloadHash, "s3", testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// verifyServer is a real HTTP server on 127.0.0.1 whose handler runs Verify on what it receives
// and reports the result in the status line, so tests see the request exactly as net/http
// hands it to keyhold.
func verifyServer(t *testing.T, v *Verifier) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		service, hash := "kms", sha256Hex(body)
		if r.Header.Get("X-Amz-Target") == "" {
			service, hash = "s3", ""
		}
		res, err := v.Verify(r, service, hash)
		if err != nil {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, sentinelName(err))
			return
		}
		_, _ = io.WriteString(w, res.Identity.Principal)
	}))
	t.Cleanup(srv.Close)
	return srv
}

var sentinels = []error{ErrMissingAuth, ErrMalformedAuth, ErrUnknownAccessKey, ErrSignatureMismatch,
	ErrRequestExpired, ErrClockSkew, ErrWrongRegion, ErrContentSHA256Mismatch, ErrHeadersNotSigned}

func sentinelName(err error) string {
	if err == nil {
		return "ok"
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "unmapped: " + err.Error()
}

func send(t *testing.T, r *http.Request) string {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		return "ok"
	}
	return string(b)
}

func TestVerifyOverHTTP(t *testing.T) {
	srv := verifyServer(t, newVerifier(t0))
	keys := []string{"plain.txt", "with space/and+plus=eq.txt", "ünïcödé/日本語.bin", "a//double//slash", "dots/./and/../x",
		"specials!$&'()*,;:@~", "percent%20literal"}
	for _, key := range keys {
		t.Run("s3 PUT "+key, func(t *testing.T) {
			body := []byte("object body")
			r := s3Request(t, http.MethodPut, srv.URL, "bucket", key, "", sha256Hex(body), body, t0)
			if got := send(t, r); got != "ok" {
				t.Fatalf("got %q, want ok", got)
			}
		})
	}
	queries := []string{"list-type=2&prefix=a%20b%2Bc&delimiter=%2F", "acl", "tagging=&versionId=3%3D%3D",
		"prefix=%E6%97%A5&max-keys=10&b=2&a=1&a=0", "prefix=a-b&prefix=a%2Fb"}
	for _, q := range queries {
		t.Run("s3 GET ?"+q, func(t *testing.T) {
			r := s3Request(t, http.MethodGet, srv.URL, "bucket", "", q, UnsignedPayload, nil, t0)
			if got := send(t, r); got != "ok" {
				t.Fatalf("got %q, want ok", got)
			}
		})
	}
	t.Run("kms Encrypt", func(t *testing.T) {
		body := []byte(`{"KeyId":"alias/x","Plaintext":"aGVsbG8="}`)
		if got := send(t, kmsRequest(t, srv.URL, body, creds(testAKID, testSecret), testRegion, t0)); got != "ok" {
			t.Fatalf("got %q, want ok", got)
		}
	})
	t.Run("kms tampered body", func(t *testing.T) {
		body := []byte(`{"KeyId":"alias/x"}`)
		r := kmsRequest(t, srv.URL, body, creds(testAKID, testSecret), testRegion, t0)
		r.Body = io.NopCloser(strings.NewReader(`{"KeyId":"alias/y"}`))
		if got, want := send(t, r), ErrSignatureMismatch.Error(); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("s3 presigned GET", func(t *testing.T) {
		r := presignedGet(t, srv.URL, "bucket", "dir/my key+1.txt", 900, t0)
		if got := send(t, r); got != "ok" {
			t.Fatalf("got %q, want ok", got)
		}
	})
}

// presignedGet presigns a GET with the SDK the way the S3 presigner does (UNSIGNED-PAYLOAD).
func presignedGet(t testing.TB, base, bucket, key string, expires int, at time.Time) *http.Request {
	t.Helper()
	u := fmt.Sprintf("%s/%s/%s?X-Amz-Expires=%d&x-id=GetObject", base, bucket, httpbinding.EscapePath(key, false), expires)
	r, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, hdr, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
		PresignHTTP(context.Background(), creds(testAKID, testSecret), r, UnsignedPayload, "s3", testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(http.MethodGet, signed, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		if !strings.EqualFold(k, "host") {
			out.Header[k] = vs
		}
	}
	return out
}

func TestVerifyOutcomes(t *testing.T) {
	kmsBody := []byte(`{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}`)
	good := func() *http.Request {
		return kmsRequest(t, "http://127.0.0.1:8100", kmsBody, creds(testAKID, testSecret), testRegion, t0)
	}
	s3Body := []byte("hello")
	tests := []struct {
		name    string
		req     func() *http.Request
		service string
		hash    string
		now     time.Time
		want    error
	}{
		{"kms ok", good, "kms", sha256Hex(kmsBody), t0, nil},
		{"unknown key", func() *http.Request {
			return kmsRequest(t, "http://h", kmsBody, creds("AKIAUNKNOWN", testSecret), testRegion, t0)
		}, "kms", sha256Hex(kmsBody), t0, ErrUnknownAccessKey},
		{"wrong secret", func() *http.Request {
			return kmsRequest(t, "http://h", kmsBody, creds(testAKID, testSecret+"x"), testRegion, t0)
		}, "kms", sha256Hex(kmsBody), t0, ErrSignatureMismatch},
		{"wrong region", func() *http.Request {
			return kmsRequest(t, "http://h", kmsBody, creds(testAKID, testSecret), "eu-west-1", t0)
		}, "kms", sha256Hex(kmsBody), t0, ErrWrongRegion},
		{"wrong service", good, "s3", "", t0, ErrMalformedAuth},
		{"tampered header", func() *http.Request {
			r := good()
			r.Header.Set("X-Amz-Target", "TrentService.Decrypt")
			return r
		}, "kms", sha256Hex(kmsBody), t0, ErrSignatureMismatch},
		{"tampered body", good, "kms", sha256Hex([]byte("{}")), t0, ErrSignatureMismatch},
		{"tampered query", func() *http.Request {
			r := good()
			r.URL.RawQuery = "a=1"
			return r
		}, "kms", sha256Hex(kmsBody), t0, ErrSignatureMismatch},
		{"tampered path", func() *http.Request {
			r := good()
			r.URL.Path = "/other"
			return r
		}, "kms", sha256Hex(kmsBody), t0, ErrSignatureMismatch},
		{"tampered host", func() *http.Request {
			r := good()
			r.Host = "evil:8100"
			return r
		}, "kms", sha256Hex(kmsBody), t0, ErrSignatureMismatch},
		{"kms content sha header disagrees", func() *http.Request {
			r := good()
			r.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
			return r
		}, "kms", sha256Hex(kmsBody), t0, ErrContentSHA256Mismatch},
		{"kms without body hash", good, "kms", "", t0, ErrContentSHA256Mismatch},
		{"missing auth", func() *http.Request {
			r := good()
			r.Header.Del("Authorization")
			return r
		}, "kms", sha256Hex(kmsBody), t0, ErrMissingAuth},
		{"two Authorization headers", func() *http.Request {
			r := good()
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
			return r
		}, "kms", sha256Hex(kmsBody), t0, ErrMalformedAuth},
		{"header and presign", func() *http.Request {
			r := good()
			r.URL.RawQuery = "X-Amz-Signature=" + strings.Repeat("0", 64)
			return r
		}, "kms", sha256Hex(kmsBody), t0, ErrMalformedAuth},
		{"skew past, at boundary", good, "kms", sha256Hex(kmsBody), t0.Add(15 * time.Minute), nil},
		{"skew past, beyond", good, "kms", sha256Hex(kmsBody), t0.Add(15*time.Minute + time.Second), ErrClockSkew},
		{"skew future, at boundary", good, "kms", sha256Hex(kmsBody), t0.Add(-15 * time.Minute), nil},
		{"skew future, beyond", good, "kms", sha256Hex(kmsBody), t0.Add(-15*time.Minute - time.Second), ErrClockSkew},
		{"s3 signed payload", func() *http.Request {
			return s3Request(t, http.MethodPut, "http://h", "b", "k", "", sha256Hex(s3Body), s3Body, t0)
		}, "s3", sha256Hex(s3Body), t0, nil},
		{"s3 payload hash disagrees with body", func() *http.Request {
			return s3Request(t, http.MethodPut, "http://h", "b", "k", "", sha256Hex(s3Body), s3Body, t0)
		}, "s3", sha256Hex([]byte("other")), t0, ErrContentSHA256Mismatch},
		{"s3 unsigned payload", func() *http.Request {
			return s3Request(t, http.MethodPut, "http://h", "b", "k", "", UnsignedPayload, s3Body, t0)
		}, "s3", "", t0, nil},
		{"s3 bogus content sha", func() *http.Request {
			return s3Request(t, http.MethodPut, "http://h", "b", "k", "", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", s3Body, t0)
		}, "s3", "", t0, ErrMalformedAuth},
		{"s3 missing content sha", func() *http.Request {
			r := s3Request(t, http.MethodGet, "http://h", "b", "k", "", UnsignedPayload, nil, t0)
			r.Header.Del("X-Amz-Content-Sha256")
			return r
		}, "s3", "", t0, ErrMalformedAuth},
		{"s3 unsigned x-amz header added", func() *http.Request {
			r := s3Request(t, http.MethodPut, "http://h", "b", "k", "", UnsignedPayload, s3Body, t0)
			r.Header.Set("X-Amz-Server-Side-Encryption", "AES256")
			return r
		}, "s3", "", t0, ErrHeadersNotSigned},
		{"s3 tampered key", func() *http.Request {
			r := s3Request(t, http.MethodGet, "http://h", "b", "a b", "", UnsignedPayload, nil, t0)
			r.URL.RawPath, r.URL.Path = "/b/a+b", "/b/a+b"
			return r
		}, "s3", "", t0, ErrSignatureMismatch},
		{"presign ok", func() *http.Request { return presignedGet(t, "http://h", "b", "k", 60, t0) }, "s3", "", t0.Add(time.Minute), nil},
		{"presign expired", func() *http.Request { return presignedGet(t, "http://h", "b", "k", 60, t0) }, "s3", "", t0.Add(time.Minute + time.Second), ErrRequestExpired},
		{"presign not yet valid", func() *http.Request { return presignedGet(t, "http://h", "b", "k", 60, t0) }, "s3", "", t0.Add(-16 * time.Minute), ErrClockSkew},
		{"presign tampered expiry", func() *http.Request {
			r := presignedGet(t, "http://h", "b", "k", 60, t0)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=60", "X-Amz-Expires=6000", 1)
			return r
		}, "s3", "", t0.Add(2 * time.Minute), ErrSignatureMismatch},
		{"presign missing signature", func() *http.Request {
			r := presignedGet(t, "http://h", "b", "k", 60, t0)
			q := r.URL.Query()
			q.Del("X-Amz-Signature")
			r.URL.RawQuery = q.Encode()
			return r
		}, "s3", "", t0, ErrMalformedAuth},
		{"presign expires too long", func() *http.Request { return presignedGet(t, "http://h", "b", "k", 604801, t0) }, "s3", "", t0, ErrMalformedAuth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := newVerifier(tc.now).Verify(tc.req(), tc.service, tc.hash)
			if got, want := sentinelName(err), sentinelName(tc.want); got != want {
				t.Fatalf("got %v, want %s", err, want)
			}
			if err == nil && res.Identity != (Identity{AccessKeyID: testAKID, Principal: "principal-" + testAKID}) {
				t.Fatalf("got identity %+v, want %s", res.Identity, testAKID)
			}
		})
	}
}

func TestSkewErrorMessage(t *testing.T) {
	r := kmsRequest(t, "http://h", nil, creds(testAKID, testSecret), testRegion, t0)
	_, err := newVerifier(t0.Add(20*time.Minute)).Verify(r, "kms", sha256Hex(nil))
	var se *SkewError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a *SkewError", err)
	}
	want := "Signature expired: 20260310T120000Z is now earlier than 20260310T120500Z (20260310T122000Z - 15 min.)"
	if got := se.KMSMessage(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	_, err = newVerifier(t0.Add(-20*time.Minute)).Verify(r, "kms", sha256Hex(nil))
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a *SkewError", err)
	}
	want = "Signature not yet current: 20260310T120000Z is still later than 20260310T115500Z (20260310T114000Z + 15 min.)"
	if got := se.KMSMessage(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestSigningKeyCache(t *testing.T) {
	store := memStore{testAKID: testSecret}
	v := &Verifier{Store: store, Region: testRegion, Now: func() time.Time { return t0 }}
	body := []byte("{}")
	sign := func(secret string) *http.Request {
		return kmsRequest(t, "http://h", body, creds(testAKID, secret), testRegion, t0)
	}
	if _, err := v.Verify(sign(testSecret), "kms", sha256Hex(body)); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	// A rotated secret must not verify with the cached key of the old one, and vice versa.
	store[testAKID] = "rotated-secret"
	if _, err := v.Verify(sign(testSecret), "kms", sha256Hex(body)); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("old secret after rotation: got %v, want ErrSignatureMismatch", err)
	}
	if _, err := v.Verify(sign("rotated-secret"), "kms", sha256Hex(body)); err != nil {
		t.Fatalf("new secret after rotation: got %v, want nil", err)
	}
	// The cache stays bounded.
	for i := range signingKeyCacheSize + 10 {
		v.keys.signingKey(fmt.Sprintf("AK%d", i), []byte("s"), "20260310", testRegion, "kms")
	}
	if got := len(v.keys.m); got > signingKeyCacheSize {
		t.Fatalf("got %d cached keys, want at most %d", got, signingKeyCacheSize)
	}
}

// TestDeriveSigningKey checks the HMAC chain against the AWS documentation's example
// (secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam).
func TestDeriveSigningKey(t *testing.T) {
	k := deriveSigningKey([]byte("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "20120215", "us-east-1", "iam")
	want := "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
	if got := hex.EncodeToString(k[:]); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
