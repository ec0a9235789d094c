package sigv4

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestMalformedAuthorization replaces the Authorization header of a well-signed KMS request with
// broken variants; each must be ErrMalformedAuth (IncompleteSignatureException), never a panic
// and never a lookup of the credential store.
func TestMalformedAuthorization(t *testing.T) {
	const (
		cred = "Credential=" + testAKID + "/20260310/us-east-1/kms/aws4_request"
		sh   = "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target"
		sig  = "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		alg  = "AWS4-HMAC-SHA256 "
	)
	tests := []struct{ name, header string }{
		{"empty", ""},
		{"algorithm only", "AWS4-HMAC-SHA256"},
		{"other algorithm", "AWS4-HMAC-SHA512 " + cred + ", " + sh + ", " + sig},
		{"sigv4a", "AWS4-ECDSA-P256-SHA256 " + cred + ", " + sh + ", " + sig},
		{"sigv2", "AWS " + testAKID + ":c2lnbmF0dXJl"},
		{"lower-case algorithm", "aws4-hmac-sha256 " + cred + ", " + sh + ", " + sig},
		{"no Credential", alg + sh + ", " + sig},
		{"no SignedHeaders", alg + cred + ", " + sig},
		{"no Signature", alg + cred + ", " + sh},
		{"repeated Signature", alg + cred + ", " + sh + ", " + sig + ", " + sig},
		{"unknown component", alg + cred + ", " + sh + ", " + sig + ", Foo=bar"},
		{"component without =", alg + cred + ", " + sh + ", Signature"},
		{"lower-case key", alg + "credential=" + cred[11:] + ", " + sh + ", " + sig},
		{"trailing comma", alg + cred + ", " + sh + ", " + sig + ","},
		{"credential with 4 parts", alg + "Credential=" + testAKID + "/20260310/us-east-1/kms, " + sh + ", " + sig},
		{"credential with 6 parts", alg + cred + "/x, " + sh + ", " + sig},
		{"wrong terminator", alg + "Credential=" + testAKID + "/20260310/us-east-1/kms/aws4_requests, " + sh + ", " + sig},
		{"empty access key", alg + "Credential=/20260310/us-east-1/kms/aws4_request, " + sh + ", " + sig},
		{"bad access key chars", alg + "Credential=AK-ID!/20260310/us-east-1/kms/aws4_request, " + sh + ", " + sig},
		{"short date", alg + "Credential=" + testAKID + "/2026031/us-east-1/kms/aws4_request, " + sh + ", " + sig},
		{"impossible date", alg + "Credential=" + testAKID + "/20261310/us-east-1/kms/aws4_request, " + sh + ", " + sig},
		{"date not X-Amz-Date's day", alg + "Credential=" + testAKID + "/20260311/us-east-1/kms/aws4_request, " + sh + ", " + sig},
		{"empty region", alg + "Credential=" + testAKID + "/20260310//kms/aws4_request, " + sh + ", " + sig},
		{"upper-case region", alg + "Credential=" + testAKID + "/20260310/US-EAST-1/kms/aws4_request, " + sh + ", " + sig},
		{"other service", alg + "Credential=" + testAKID + "/20260310/us-east-1/s3/aws4_request, " + sh + ", " + sig},
		{"empty signed headers", alg + cred + ", SignedHeaders=, " + sig},
		{"unsorted signed headers", alg + cred + ", SignedHeaders=host;content-type;x-amz-date, " + sig},
		{"duplicate signed header", alg + cred + ", SignedHeaders=host;host;x-amz-date, " + sig},
		{"host not signed", alg + cred + ", SignedHeaders=content-type;x-amz-date, " + sig},
		{"x-amz-date not signed", alg + cred + ", SignedHeaders=content-type;host, " + sig},
		{"upper-case signed header", alg + cred + ", SignedHeaders=Host;x-amz-date, " + sig},
		{"empty signed header name", alg + cred + ", SignedHeaders=host;;x-amz-date, " + sig},
		{"signature 63 digits", alg + cred + ", " + sh + ", " + sig[:len(sig)-1]},
		{"signature 65 digits", alg + cred + ", " + sh + ", " + sig + "0"},
		{"signature upper-case", alg + cred + ", " + sh + ", " + strings.ToUpper(sig)},
		{"signature not hex", alg + cred + ", " + sh + ", " + sig[:len(sig)-1] + "g"},
		{"oversized", alg + cred + ", " + sh + ", " + sig + strings.Repeat(" ", maxAuthorizationLen)},
	}
	body := []byte(`{}`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := kmsRequest(t, "http://127.0.0.1:8100", body, creds(testAKID, testSecret), testRegion, t0)
			r.Header.Set("Authorization", tc.header)
			v := newVerifier(t0)
			v.Store = panicStore{}
			_, err := v.Verify(r, "kms", sha256Hex(body))
			if !errors.Is(err, ErrMalformedAuth) {
				t.Fatalf("got %v, want ErrMalformedAuth", err)
			}
		})
	}
}

// panicStore fails a test that reaches the credential store.
type panicStore struct{}

func (panicStore) Credential(context.Context, string, string) (Credential, error) {
	panic("malformed authorization reached the credential store")
}

// TestMissingDate: a request with neither X-Amz-Date nor Date is malformed; one signed with a
// Date header (RFC 7231) is accepted.
func TestMissingDate(t *testing.T) {
	body := []byte(`{}`)
	r := kmsRequest(t, "http://h", body, creds(testAKID, testSecret), testRegion, t0)
	r.Header.Del("X-Amz-Date")
	if _, err := newVerifier(t0).Verify(r, "kms", sha256Hex(body)); !errors.Is(err, ErrMalformedAuth) {
		t.Fatalf("got %v, want ErrMalformedAuth", err)
	}
	r.Header.Set("Date", t0.Format(http.TimeFormat))
	if _, err := newVerifier(t0).Verify(r, "kms", sha256Hex(body)); !errors.Is(err, ErrMalformedAuth) {
		t.Fatalf("Date not signed: got %v, want ErrMalformedAuth", err)
	}
}

func TestParseAuthorizationAcceptsSpacing(t *testing.T) {
	for _, h := range []string{
		"AWS4-HMAC-SHA256 Credential=AK/20260310/us-east-1/kms/aws4_request,SignedHeaders=host,Signature=" + strings.Repeat("a", 64),
		"AWS4-HMAC-SHA256   Signature=" + strings.Repeat("a", 64) + " ,  SignedHeaders=host , Credential=AK/20260310/us-east-1/kms/aws4_request",
	} {
		a, err := parseAuthorization(h)
		if err != nil {
			t.Fatalf("%q: got %v, want nil", h, err)
		}
		if a.accessKeyID != "AK" || a.region != "us-east-1" || a.service != "kms" || a.signedHeaders != "host" {
			t.Fatalf("%q: got %+v", h, a)
		}
	}
}
