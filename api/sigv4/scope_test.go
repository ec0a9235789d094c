package sigv4

import (
	"net/http"
	"testing"
)

func TestScopeService(t *testing.T) {
	for _, tc := range []struct{ auth, query, want string }{
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00", "", "iam"},
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request,SignedHeaders=host,Signature=00", "", "sts"},
		{"", "X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request", "s3"},
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/aws4_request", "", ""},
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kms/aws4_request/x, SignedHeaders=host, Signature=00", "", ""},
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kms/, SignedHeaders=host, Signature=00", "", "kms"},
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kms/aws4_request/, SignedHeaders=host, Signature=00", "", ""},
		{"AWS4-HMAC-SHA256 Credential=////, SignedHeaders=host, Signature=00", "", ""},
		{"AWS AKID:sig", "", ""},
		{"", "", ""},
	} {
		r, _ := http.NewRequest(http.MethodPost, "http://h/?"+tc.query, nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		if got := ScopeService(r); got != tc.want {
			t.Errorf("%q %q: got %q, want %q", tc.auth, tc.query, got, tc.want)
		}
	}
}
