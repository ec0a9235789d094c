package s3

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keyhold/keyhold/api/pipeline"
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

// TestS3DomainCodes pins the S3 answer of every domain kind, as S3's own table named them before
// they came from the shared table (pipeline.DomainErrors): its S3 column or the "KMS." prefix.
func TestS3DomainCodes(t *testing.T) {
	want := map[error]pipeline.AWSError{
		domain.ErrNoSuchBucket: {Code: "NoSuchBucket", Status: 404}, domain.ErrBucketExists: {Code: "BucketAlreadyOwnedByYou", Status: 409},
		domain.ErrBucketTaken:  {Code: "BucketAlreadyExists", Status: 409},
		domain.ErrAccessDenied: {Code: "AccessDenied", Status: 403}, domain.ErrNotFound: {Code: "KMS.NotFoundException", Status: 400},
		domain.ErrDisabled: {Code: "KMS.DisabledException", Status: 400}, domain.ErrInvalidState: {Code: "KMS.KMSInvalidStateException", Status: 400},
		domain.ErrInvalidKeyUsage: {Code: "KMS.InvalidKeyUsageException", Status: 400}, domain.ErrInvalidCiphertext: {Code: "KMS.InvalidCiphertextException", Status: 400},
		domain.ErrInvalidArn: {Code: "KMS.InvalidArnException", Status: 400}, domain.ErrNoDomain: {Code: "KMS.KMSInvalidStateException", Status: 400},
		domain.ErrValidation: {Code: "InvalidArgument", Status: 400}, domain.ErrAlreadyExists: {Code: "KMS.AlreadyExistsException", Status: 400},
		domain.ErrIncorrectKey: {Code: "KMS.IncorrectKeyException", Status: 400}, domain.ErrInvalidAliasName: {Code: "KMS.InvalidAliasNameException", Status: 400},
		domain.ErrInvalidMarker: {Code: "InvalidArgument", Status: 400}, domain.ErrUnsupported: {Code: "KMS.UnsupportedOperationException", Status: 400},
		domain.ErrLimitExceeded: {Code: "KMS.LimitExceededException", Status: 400}, domain.ErrTag: {Code: "InvalidTag", Status: 400},
		domain.ErrInvalidSignature: {Code: "KMS.KMSInvalidSignatureException", Status: 400}, domain.ErrInvalidMac: {Code: "KMS.KMSInvalidMacException", Status: 400},
		domain.ErrDependency: {Code: "ServiceUnavailable", Status: 503}, domain.ErrStaleDomainKey: {Code: "ServiceUnavailable", Status: 503},
		domain.ErrDeleteConflict: {Code: "InvalidRequest", Status: 400}, domain.ErrMalformedPolicy: {Code: "MalformedPolicy", Status: 400},
		domain.ErrInvalidInput: {Code: "InvalidArgument", Status: 400},
		domain.ErrExpiredToken: {Code: "ExpiredToken", Status: 400}, domain.ErrPackedPolicyTooLarge: {Code: "InvalidArgument", Status: 400},
		domain.ErrInvalidGrantToken: {Code: "KMS.InvalidGrantTokenException", Status: 400},
	}
	if len(want) != len(domain.ErrorKinds()) {
		t.Fatalf("%d kinds pinned, domain has %d", len(want), len(domain.ErrorKinds()))
	}
	for kind, w := range want {
		if got, _ := errorFor(&domain.Error{Kind: kind, Msg: "m"}); got != w {
			t.Errorf("%v: got %+v, want %+v", kind, got, w)
		}
	}
}
