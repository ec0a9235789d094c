package api

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// TestErrorTableCoversSentinels: every domain error kind (domain.ErrorKinds, the exported
// list) and every api-level sentinel has a KMS and an S3 code, found through wrapping. A kind
// added to domain fails here until both tables map it.
func TestErrorTableCoversSentinels(t *testing.T) {
	apiLevel := []error{
		sigv4.ErrMissingAuth, sigv4.ErrMalformedAuth, sigv4.ErrUnknownAccessKey, sigv4.ErrSignatureMismatch, sigv4.ErrRequestExpired,
		sigv4.ErrClockSkew, sigv4.ErrWrongRegion, sigv4.ErrContentSHA256Mismatch, sigv4.ErrHeadersNotSigned,
		errSerialization, errUnknownOperation, errDryRun, errRequestTooLarge, errTimeout, errUnavailable,
	}
	for _, s := range append(domain.ErrorKinds(), apiLevel...) {
		for _, err := range []error{s, fmt.Errorf("wrapped: %w", s), &domain.Error{Kind: s, Msg: "m"}} {
			if aws, _ := kmsErrorFor(err); aws == internalError {
				t.Errorf("KMS: %v has no AWS code", err)
			}
		}
	}
	for _, s := range domain.ErrorKinds() {
		for _, err := range []error{s, fmt.Errorf("wrapped: %w", s), &domain.Error{Kind: s, Msg: "m"}} {
			if aws, _ := s3ErrorFor(err); aws == s3InternalError {
				t.Errorf("S3: %v has no S3 code", err)
			}
		}
	}
}

func TestErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		err        error
		code, msg  string
		wantStatus int
	}{
		{&domain.Error{Kind: domain.ErrNotFound, Msg: "Alias x is not found."}, "NotFoundException", "Alias x is not found.", 400},
		// The cause is for the log only.
		{&domain.Error{Kind: domain.ErrDependency, Msg: "unwrap failed", Cause: errors.New("CKR_DEVICE_ERROR")}, "DependencyTimeoutException", "unwrap failed", 503},
		{&domain.Error{Kind: domain.ErrInvalidCiphertext}, "InvalidCiphertextException", "", 400},
		{errors.New("surprise"), "KMSInternalException", "An internal error occurred.", 500},
	} {
		aws, msg := kmsErrorFor(tc.err)
		if aws.Code != tc.code || msg != tc.msg || aws.Status != tc.wantStatus {
			t.Errorf("%v: got %s %d %q, want %s %d %q", tc.err, aws.Code, aws.Status, msg, tc.code, tc.wantStatus, tc.msg)
		}
	}
}

// TestRouteLimits pins every route's body limit, timeout and action, so a change to them is a
// deliberate one.
func TestRouteLimits(t *testing.T) {
	if len(kmsRoutes) != 34 {
		t.Fatalf("got %d KMS routes, want 34", len(kmsRoutes))
	}
	for op, r := range kmsRoutes {
		if r.action == "" || r.handle == nil {
			t.Errorf("%s: no action or handler", op)
		}
		if r.limit != dataLimit && r.limit != controlLimit {
			t.Errorf("%s: limit %d", op, r.limit)
		}
		if r.write && r.timeout != writeTimeout || !r.write && r.timeout != dataTimeout {
			t.Errorf("%s: write %v with timeout %s", op, r.write, r.timeout)
		}
		if r.limit > 1<<20 {
			t.Errorf("%s: limit %d over 1 MiB", op, r.limit)
		}
	}
	for _, op := range []string{"Encrypt", "Decrypt", "GenerateDataKey", "ReEncrypt", "Sign", "Verify",
		"GetPublicKey", "GenerateMac", "VerifyMac", "DeriveSharedSecret", "GenerateDataKeyPair",
		"GenerateDataKeyPairWithoutPlaintext"} {
		if kmsRoutes[op].limit != dataLimit || kmsRoutes[op].write {
			t.Errorf("%s must be a data-plane route", op)
		}
	}
}

// TestHeadersNotSignedAnswers pins the answers AWS gives: KMS's IncompleteSignatureException
// naming the header, S3's 403 AccessDenied with a HeadersNotSigned element.
func TestHeadersNotSignedAnswers(t *testing.T) {
	kmsErr := &sigv4.HeadersNotSignedError{Headers: []string{"x-amz-target", "content-type"}}
	aws, msg := kmsErrorFor(kmsErr)
	if aws.Code != "IncompleteSignatureException" || aws.Status != 400 || msg != "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization." {
		t.Fatalf("KMS: got %s %d %q", aws.Code, aws.Status, msg)
	}

	s3Err := &sigv4.HeadersNotSignedError{Headers: []string{"x-amz-acl", "x-amz-copy-source"}}
	aws, msg = s3ErrorFor(s3Err)
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
