package kms

import (
	"errors"
	"net/http"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// The KMS JSON protocol's error table. Domain kinds' codes are in the table every protocol
// shares (pipeline.DomainErrors, checked against domain.ErrorKinds), SigV4 failures from
// api/sigv4, the rest are KMS protocol failures below.

// kmsErrors maps causes to KMS error codes, in order: the first entry whose sentinel matches
// (errors.Is, so wrapped errors match too) wins. Every sentinel a handler can meet must be here;
// TestErrorTableCoversKinds checks it.
var kmsErrors = append(domainRows(), []kmsError{
	{errSerialization, pipeline.AWSError{Code: "SerializationException", Status: 400}},
	{errUnknownOperation, pipeline.AWSError{Code: "UnknownOperationException", Status: 400}},
	{errDryRun, pipeline.AWSError{Code: "DryRunOperationException", Status: 412}},
	{pipeline.ErrRequestTooLarge, pipeline.AWSError{Code: "ValidationException", Status: 400}},
	{pipeline.ErrTimeout, pipeline.AWSError{Code: "DependencyTimeoutException", Status: 503}},
	{pipeline.ErrUnavailable, pipeline.AWSError{Code: "DependencyTimeoutException", Status: 503}},
	{pipeline.ErrThrottled, pipeline.AWSError{Code: "ThrottlingException", Status: 400}},
	{sigv4.ErrMissingAuth, pipeline.AWSError{Code: "MissingAuthenticationTokenException", Status: 400}},
	{sigv4.ErrMalformedAuth, pipeline.AWSError{Code: "IncompleteSignatureException", Status: 400}},
	{sigv4.ErrUnknownAccessKey, pipeline.AWSError{Code: "UnrecognizedClientException", Status: 400}},
	{sigv4.ErrSignatureMismatch, pipeline.AWSError{Code: "InvalidSignatureException", Status: 400}},
	{sigv4.ErrRequestExpired, pipeline.AWSError{Code: "InvalidSignatureException", Status: 400}},
	{sigv4.ErrClockSkew, pipeline.AWSError{Code: "InvalidSignatureException", Status: 400}},
	{sigv4.ErrWrongRegion, pipeline.AWSError{Code: "InvalidSignatureException", Status: 400}},
	{sigv4.ErrContentSHA256Mismatch, pipeline.AWSError{Code: "InvalidSignatureException", Status: 400}},
	{sigv4.ErrHeadersNotSigned, pipeline.AWSError{Code: "IncompleteSignatureException", Status: 400}},
}...)

// kmsError is one row of kmsErrors.
type kmsError struct {
	err error
	aws pipeline.AWSError
}

// domainRows are the domain kinds' KMS codes, from the table every protocol shares
// (pipeline.DomainErrors), ahead of the protocol's own failures as they always were.
func domainRows() []kmsError {
	out := make([]kmsError, 0, len(pipeline.DomainErrors))
	for _, d := range pipeline.DomainErrors {
		out = append(out, kmsError{d.Kind, d.KMS})
	}
	return out
}

// internalError is what an unmapped error becomes: AWS's KMSInternalException. Reaching it is a
// bug (a missing table entry), which the test suite looks for.
var internalError = pipeline.AWSError{Code: "KMSInternalException", Status: http.StatusInternalServerError}

// errorFor returns the AWS code for err and the message the client may see.
func errorFor(err error) (pipeline.AWSError, string) {
	msg := ""
	var de *domain.Error
	var skew *sigv4.SkewError
	var unsigned *sigv4.HeadersNotSignedError
	if errors.As(err, &skew) {
		msg = skew.KMSMessage()
	} else if errors.As(err, &unsigned) {
		msg = unsigned.KMSMessage()
	} else if errors.As(err, &de) {
		msg = de.ClientMessage()
	} else if pe, ok := err.(*pipeline.PublicError); ok {
		msg = pe.Msg
	}
	for _, e := range kmsErrors {
		if errors.Is(err, e.err) {
			if msg == "" && e.aws.Code != "InvalidCiphertextException" {
				msg = pipeline.PublicMessage(e.err)
			}
			return e.aws, msg
		}
	}
	return internalError, "An internal error occurred."
}

// KMS protocol failures that are not domain or SigV4 errors.
var (
	errSerialization    = errors.New("api: malformed request body")
	errUnknownOperation = errors.New("api: unknown operation")
	errDryRun           = errors.New("api: dry run")
)

func serializationError(msg string) error {
	return &pipeline.PublicError{Kind: errSerialization, Msg: msg}
}

// WriteAuditRefusal answers a KMS call that the audit trail refused with
// DependencyTimeoutException carrying msg: KMS's retryable 503, so every AWS SDK retries.
func WriteAuditRefusal(w http.ResponseWriter, msg string) {
	writeError(w, "", &pipeline.PublicError{Kind: pipeline.ErrUnavailable, Msg: msg})
}
