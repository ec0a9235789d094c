package s3

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// TestS3ErrorTableCoversKinds: every domain error kind (domain.ErrorKinds, the exported list)
// has an S3 code, found through wrapping. A kind added to domain fails here until it is mapped.
func TestS3ErrorTableCoversKinds(t *testing.T) {
	for _, s := range domain.ErrorKinds() {
		for _, err := range []error{s, fmt.Errorf("wrapped: %w", s), &domain.Error{Kind: s, Msg: "m"}} {
			if aws, _ := errorFor(err); aws == internalError {
				t.Errorf("S3: %v has no S3 code", err)
			}
		}
	}
}

// TestS3HeadersNotSignedAnswer pins the answer S3 gives: 403 AccessDenied with a HeadersNotSigned element.
func TestS3HeadersNotSignedAnswer(t *testing.T) {
	s3Err := &sigv4.HeadersNotSignedError{Headers: []string{"x-amz-acl", "x-amz-copy-source"}}
	aws, msg := errorFor(s3Err)
	r := httptest.NewRequest(http.MethodPut, "/b/k", nil)
	w := httptest.NewRecorder()
	writeS3Error(w, r, "req-1", aws, msg, s3Err)
	var doc s3ErrorDoc
	if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if w.Code != 403 || doc.Code != "AccessDenied" || doc.Message != "There were headers present in the request which were not signed" ||
		doc.HeadersNotSigned != "x-amz-acl, x-amz-copy-source" {
		t.Fatalf("S3: got %d %+v", w.Code, doc)
	}
}
