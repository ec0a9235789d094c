package s3

import (
	"net/http"
	"net/url"
	"testing"
)

// TestS3RouteIgnoresPresignParams: a presigned URL's X-Amz-* parameters (and hoisted x-amz-*
// headers, and x-id) do not make a PUT or bucket request anything but the plain operation,
// while a real subresource still does.
func TestS3RouteIgnoresPresignParams(t *testing.T) {
	presigned := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20261207%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00&x-amz-acl=private&x-id=PutObject"
	q, _ := url.ParseQuery(presigned)
	for _, tc := range []struct {
		method, bucket, key string
		q                   url.Values
		want                string
	}{
		{http.MethodPut, "b", "k", q, "PutObject"},
		{http.MethodPut, "b", "", q, "CreateBucket"},
		{http.MethodDelete, "b", "", q, "DeleteBucket"},
		{http.MethodPut, "b", "k", url.Values{"acl": {""}}, "PutObjectAcl"},
		{http.MethodPut, "b", "k", url.Values{"uploadId": {"1"}, "partNumber": {"1"}}, "UploadPart"},
		{http.MethodPut, "b", "k", url.Values{"unknown": {""}}, "Unknown"},
		{http.MethodGet, "b", "k", url.Values{"attributes": {""}}, "GetObjectAttributes"},
		{http.MethodPost, "b", "", url.Values{}, "Unknown"},
	} {
		op, _ := route(tc.method, tc.bucket, tc.key, tc.q, http.Header{})
		if op != tc.want {
			t.Errorf("%s %s/%s?%s: %s, want %s", tc.method, tc.bucket, tc.key, tc.q.Encode(), op, tc.want)
		}
	}
	op, _ := route(http.MethodPost, "b", "", url.Values{}, http.Header{"Content-Type": {"multipart/form-data; boundary=x"}})
	if op != "PostObject" {
		t.Errorf("form POST: %s", op)
	}
}

// TestS3URLEncode pins encoding-type=url: unreserved characters and '/' stay, the rest is %XX.
func TestS3URLEncode(t *testing.T) {
	for in, want := range map[string]string{"asdf+b": "asdf%2Bb", "a b/c": "a%20b/c", "é": "%C3%A9", "x\x01": "x%01", "~-_.": "~-_."} {
		if got := s3URLEncode(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestObjectContentEncoding: the header is kept as sent, less the aws-chunked upload framing.
func TestObjectContentEncoding(t *testing.T) {
	for in, want := range map[string]string{"deflate, gzip": "deflate, gzip", "aws-chunked": "", "aws-chunked, gzip": "gzip", "gzip,aws-chunked": "gzip"} {
		if got := objectContentEncoding(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
