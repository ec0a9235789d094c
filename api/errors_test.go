package api

import (
	"errors"
	"fmt"
	"testing"

	"github.com/keyhold/keyhold/domain"
)

// TestErrorTableCoversSentinels: every domain error kind (domain.ErrorKinds, the exported
// list) and every api-level sentinel has a KMS and an S3 code, found through wrapping. A kind
// added to domain fails here until both tables map it.
func TestErrorTableCoversSentinels(t *testing.T) {
	apiLevel := []error{
		ErrMissingAuth, ErrMalformedAuth, ErrUnknownAccessKey, ErrSignatureMismatch, ErrRequestExpired,
		ErrClockSkew, ErrWrongRegion, ErrContentSHA256Mismatch, ErrHeadersNotSigned,
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
