package kms

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// TestErrorTableCoversKinds: every domain error kind (domain.ErrorKinds, the exported list),
// every SigV4 failure and every KMS protocol failure has an AWS code, found through wrapping.
// A kind added to domain fails here until the table maps it.
func TestErrorTableCoversKinds(t *testing.T) {
	protocol := []error{
		sigv4.ErrMissingAuth, sigv4.ErrMalformedAuth, sigv4.ErrUnknownAccessKey, sigv4.ErrSignatureMismatch,
		sigv4.ErrRequestExpired, sigv4.ErrClockSkew, sigv4.ErrWrongRegion, sigv4.ErrContentSHA256Mismatch,
		sigv4.ErrHeadersNotSigned,
		errSerialization, errUnknownOperation, errDryRun,
		pipeline.ErrRequestTooLarge, pipeline.ErrTimeout, pipeline.ErrUnavailable,
	}
	for _, s := range append(domain.ErrorKinds(), protocol...) {
		for _, err := range []error{s, fmt.Errorf("wrapped: %w", s), &domain.Error{Kind: s, Msg: "m"}} {
			if aws, _ := errorFor(err); aws == internalError {
				t.Errorf("%v has no AWS code", err)
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
		{&sigv4.HeadersNotSignedError{Headers: []string{"x-amz-target", "content-type"}},
			"IncompleteSignatureException", "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.", 400},
	} {
		aws, msg := errorFor(tc.err)
		if aws.Code != tc.code || msg != tc.msg || aws.Status != tc.wantStatus {
			t.Errorf("%v: got %s %d %q, want %s %d %q", tc.err, aws.Code, aws.Status, msg, tc.code, tc.wantStatus, tc.msg)
		}
	}
}

// TestStillFresh: an answer computed after the bound its request was admitted under is refused
// with KMS's retryable 503.
func TestStillFresh(t *testing.T) {
	if err := pipeline.StillFresh(time.Now().Add(time.Minute)); err != nil {
		t.Errorf("within the bound: %v", err)
	}
	if err := pipeline.StillFresh(time.Time{}); err != nil {
		t.Errorf("no gate: %v", err)
	}
	err := pipeline.StillFresh(time.Now().Add(-time.Millisecond))
	if aws, _ := errorFor(err); aws.Code != "DependencyTimeoutException" || aws.Status != 503 {
		t.Errorf("past the bound: got %v (%+v), want DependencyTimeoutException 503", err, aws)
	}
}

// TestKMSDomainCodes pins the KMS answer of every domain kind, as KMS's own table named them
// before they came from the shared table (pipeline.DomainErrors).
func TestKMSDomainCodes(t *testing.T) {
	want := map[error]pipeline.AWSError{
		domain.ErrNotFound: {Code: "NotFoundException", Status: 400}, domain.ErrAlreadyExists: {Code: "AlreadyExistsException", Status: 400},
		domain.ErrDisabled: {Code: "DisabledException", Status: 400}, domain.ErrInvalidState: {Code: "KMSInvalidStateException", Status: 400},
		domain.ErrInvalidCiphertext: {Code: "InvalidCiphertextException", Status: 400}, domain.ErrIncorrectKey: {Code: "IncorrectKeyException", Status: 400},
		domain.ErrValidation: {Code: "ValidationException", Status: 400}, domain.ErrInvalidAliasName: {Code: "InvalidAliasNameException", Status: 400},
		domain.ErrInvalidMarker: {Code: "InvalidMarkerException", Status: 400}, domain.ErrInvalidKeyUsage: {Code: "InvalidKeyUsageException", Status: 400},
		domain.ErrUnsupported: {Code: "UnsupportedOperationException", Status: 400}, domain.ErrLimitExceeded: {Code: "LimitExceededException", Status: 400},
		domain.ErrInvalidArn: {Code: "InvalidArnException", Status: 400}, domain.ErrTag: {Code: "TagException", Status: 400},
		domain.ErrAccessDenied: {Code: "AccessDeniedException", Status: 400}, domain.ErrNoDomain: {Code: "KMSInvalidStateException", Status: 400},
		domain.ErrDependency: {Code: "DependencyTimeoutException", Status: 503}, domain.ErrStaleDomainKey: {Code: "DependencyTimeoutException", Status: 503},
		domain.ErrInvalidSignature: {Code: "KMSInvalidSignatureException", Status: 400}, domain.ErrInvalidMac: {Code: "KMSInvalidMacException", Status: 400},
		domain.ErrNoSuchBucket: {Code: "NotFoundException", Status: 400}, domain.ErrBucketExists: {Code: "AlreadyExistsException", Status: 400},
		domain.ErrBucketTaken:    {Code: "AlreadyExistsException", Status: 400},
		domain.ErrDeleteConflict: {Code: "ValidationException", Status: 400}, domain.ErrMalformedPolicy: {Code: "MalformedPolicyDocumentException", Status: 400},
		domain.ErrInvalidInput: {Code: "ValidationException", Status: 400},
		domain.ErrExpiredToken: {Code: "ExpiredTokenException", Status: 400}, domain.ErrPackedPolicyTooLarge: {Code: "ValidationException", Status: 400},
		domain.ErrInvalidGrantToken: {Code: "InvalidGrantTokenException", Status: 400},
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
