package api

import (
	"errors"
	"net/http"

	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// awsError is an AWS error code and the HTTP status AWS sends it with.
type awsError struct {
	Code   string
	Status int
}

// kmsErrors maps causes to KMS error codes, in order: the first entry whose sentinel matches
// (errors.Is, so wrapped errors match too) wins. Every sentinel a handler can meet must be here;
// TestErrorTableCoversSentinels checks it.
var kmsErrors = []struct {
	err error
	aws awsError
}{
	{domain.ErrNotFound, awsError{"NotFoundException", 400}},
	{domain.ErrAlreadyExists, awsError{"AlreadyExistsException", 400}},
	{domain.ErrDisabled, awsError{"DisabledException", 400}},
	{domain.ErrInvalidState, awsError{"KMSInvalidStateException", 400}},
	{domain.ErrInvalidCiphertext, awsError{"InvalidCiphertextException", 400}},
	{domain.ErrIncorrectKey, awsError{"IncorrectKeyException", 400}},
	{domain.ErrValidation, awsError{"ValidationException", 400}},
	{domain.ErrInvalidAliasName, awsError{"InvalidAliasNameException", 400}},
	{domain.ErrInvalidMarker, awsError{"InvalidMarkerException", 400}},
	{domain.ErrInvalidKeyUsage, awsError{"InvalidKeyUsageException", 400}},
	{domain.ErrUnsupported, awsError{"UnsupportedOperationException", 400}},
	{domain.ErrLimitExceeded, awsError{"LimitExceededException", 400}},
	{domain.ErrInvalidArn, awsError{"InvalidArnException", 400}},
	{domain.ErrTag, awsError{"TagException", 400}},
	{domain.ErrAccessDenied, awsError{"AccessDeniedException", 400}},
	{domain.ErrNoDomain, awsError{"KMSInvalidStateException", 400}},
	{domain.ErrDependency, awsError{"DependencyTimeoutException", 503}},
	{domain.ErrStaleDomainKey, awsError{"DependencyTimeoutException", 503}},
	{domain.ErrInvalidSignature, awsError{"KMSInvalidSignatureException", 400}},
	{domain.ErrInvalidMac, awsError{"KMSInvalidMacException", 400}},
	{domain.ErrNoSuchBucket, awsError{"NotFoundException", 400}},
	{domain.ErrBucketExists, awsError{"AlreadyExistsException", 400}},
	{errSerialization, awsError{"SerializationException", 400}},
	{errUnknownOperation, awsError{"UnknownOperationException", 400}},
	{errDryRun, awsError{"DryRunOperationException", 412}},
	{errRequestTooLarge, awsError{"ValidationException", 400}},
	{errTimeout, awsError{"DependencyTimeoutException", 503}},
	{errUnavailable, awsError{"DependencyTimeoutException", 503}},
	{sigv4.ErrMissingAuth, awsError{"MissingAuthenticationTokenException", 400}},
	{sigv4.ErrMalformedAuth, awsError{"IncompleteSignatureException", 400}},
	{sigv4.ErrUnknownAccessKey, awsError{"UnrecognizedClientException", 400}},
	{sigv4.ErrSignatureMismatch, awsError{"InvalidSignatureException", 400}},
	{sigv4.ErrRequestExpired, awsError{"InvalidSignatureException", 400}},
	{sigv4.ErrClockSkew, awsError{"InvalidSignatureException", 400}},
	{sigv4.ErrWrongRegion, awsError{"InvalidSignatureException", 400}},
	{sigv4.ErrContentSHA256Mismatch, awsError{"InvalidSignatureException", 400}},
	{sigv4.ErrHeadersNotSigned, awsError{"IncompleteSignatureException", 400}},
}

// s3Errors is the S3 table, read like kmsErrors: the first match wins. KMS failures met while
// getting an object's key come back under S3's "KMS." prefix, as S3 sends them.
var s3Errors = []struct {
	err error
	aws awsError
}{
	{domain.ErrNoSuchBucket, awsError{"NoSuchBucket", 404}},
	{domain.ErrBucketExists, awsError{"BucketAlreadyOwnedByYou", 409}},
	{errNoSuchKey, awsError{"NoSuchKey", 404}},
	{errNoSuchUpload, awsError{"NoSuchUpload", 404}},
	{errInvalidPart, awsError{"InvalidPart", 400}},
	{errInvalidPartOrder, awsError{"InvalidPartOrder", 400}},
	{errEntityTooSmall, awsError{"EntityTooSmall", 400}},
	{errInvalidRange, awsError{"InvalidRange", 416}},
	{errInvalidPartNumber, awsError{"InvalidPartNumber", 416}},
	{errEntityTooLarge, awsError{"EntityTooLarge", 400}},
	{errBucketNotEmpty, awsError{"BucketNotEmpty", 409}},
	{errInvalidArgument, awsError{"InvalidArgument", 400}},
	{errInvalidRequest, awsError{"InvalidRequest", 400}},
	{errInvalidBucketName, awsError{"InvalidBucketName", 400}},
	{errMalformedXML, awsError{"MalformedXML", 400}},
	{errNotImplemented, awsError{"NotImplemented", 501}},
	{errMethodNotAllowed, awsError{"MethodNotAllowed", 405}},
	{errPreconditionFailed, awsError{"PreconditionFailed", 412}},
	{errConditionalConflict, awsError{"ConditionalRequestConflict", 409}},
	{errACLNotSupported, awsError{"AccessControlListNotSupported", 400}},
	{errACLWithOwnership, awsError{"InvalidBucketAclWithObjectOwnership", 400}},
	{errPolicy, awsError{"AccessDenied", 403}},
	{errInvalidPolicyDocument, awsError{"InvalidPolicyDocument", 400}},
	{errMalformedPOST, awsError{"MalformedPOSTRequest", 400}},
	{errMaxPostPreDataLength, awsError{"MaxPostPreDataLengthExceeded", 400}},
	{errNotModified, awsError{"NotModified", 304}},
	{errSSECKeyMismatch, awsError{"AccessDenied", 403}},
	{errNoEncryptionConfig, awsError{"ServerSideEncryptionConfigurationNotFoundError", 404}},
	{errMissingContentLen, awsError{"MissingContentLength", 411}},
	{errInvalidDigest, awsError{"InvalidDigest", 400}},
	{errBadDigestMD5, awsError{"BadDigest", 400}},
	{errRequestTooLarge, awsError{"EntityTooLarge", 400}},
	{errTimeout, awsError{"RequestTimeout", 400}},
	{sigv4.ErrMissingAuth, awsError{"AccessDenied", 403}},
	{sigv4.ErrMalformedAuth, awsError{"AuthorizationHeaderMalformed", 400}},
	{sigv4.ErrUnknownAccessKey, awsError{"InvalidAccessKeyId", 403}},
	{sigv4.ErrSignatureMismatch, awsError{"SignatureDoesNotMatch", 403}},
	{sigv4.ErrRequestExpired, awsError{"AccessDenied", 403}},
	{sigv4.ErrClockSkew, awsError{"RequestTimeTooSkewed", 403}},
	{sigv4.ErrWrongRegion, awsError{"AuthorizationHeaderMalformed", 400}},
	{sigv4.ErrContentSHA256Mismatch, awsError{"XAmzContentSHA256Mismatch", 400}},
	{sigv4.ErrHeadersNotSigned, awsError{"AccessDenied", 403}},
	{sigv4.ErrMalformedChunk, awsError{"InvalidRequest", 400}},
	{sigv4.ErrChunkSignature, awsError{"SignatureDoesNotMatch", 403}},
	{sigv4.ErrBadDigest, awsError{"BadDigest", 400}},
	{sigv4.ErrIncompleteBody, awsError{"IncompleteBody", 400}},
	{domain.ErrAccessDenied, awsError{"AccessDenied", 403}},
	{domain.ErrNotFound, awsError{"KMS.NotFoundException", 400}},
	{domain.ErrDisabled, awsError{"KMS.DisabledException", 400}},
	{domain.ErrInvalidState, awsError{"KMS.KMSInvalidStateException", 400}},
	{domain.ErrInvalidKeyUsage, awsError{"KMS.InvalidKeyUsageException", 400}},
	{domain.ErrInvalidCiphertext, awsError{"KMS.InvalidCiphertextException", 400}},
	{domain.ErrInvalidArn, awsError{"KMS.InvalidArnException", 400}},
	{domain.ErrNoDomain, awsError{"KMS.KMSInvalidStateException", 400}},
	{domain.ErrValidation, awsError{"InvalidArgument", 400}},
	// Kinds an S3 request meets only through the key service: named with S3's "KMS." prefix
	// like the others, so that no domain kind ends as an unexplained InternalError.
	{domain.ErrAlreadyExists, awsError{"KMS.AlreadyExistsException", 400}},
	{domain.ErrIncorrectKey, awsError{"KMS.IncorrectKeyException", 400}},
	{domain.ErrInvalidAliasName, awsError{"KMS.InvalidAliasNameException", 400}},
	{domain.ErrInvalidMarker, awsError{"InvalidArgument", 400}},
	{domain.ErrUnsupported, awsError{"KMS.UnsupportedOperationException", 400}},
	{domain.ErrLimitExceeded, awsError{"KMS.LimitExceededException", 400}},
	{domain.ErrTag, awsError{"InvalidTag", 400}},
	{domain.ErrInvalidSignature, awsError{"KMS.KMSInvalidSignatureException", 400}},
	{domain.ErrInvalidMac, awsError{"KMS.KMSInvalidMacException", 400}},
	{domain.ErrDependency, awsError{"ServiceUnavailable", 503}},
	{domain.ErrStaleDomainKey, awsError{"ServiceUnavailable", 503}},
	{errUnavailable, awsError{"ServiceUnavailable", 503}},
	{errS3Internal, awsError{"InternalError", 500}},
	{errNoSuchCORS, awsError{"NoSuchCORSConfiguration", 404}},
	{errNoSuchBucketPolicy, awsError{"NoSuchBucketPolicy", 404}},
	{errNoSuchLifecycle, awsError{"NoSuchLifecycleConfiguration", 404}},
	{errNoSuchTagSet, awsError{"NoSuchTagSet", 404}},
	{errNoSuchWebsite, awsError{"NoSuchWebsiteConfiguration", 404}},
	{errNoSuchPublicAccessBlock, awsError{"NoSuchPublicAccessBlockConfiguration", 404}},
	{errNoOwnershipControls, awsError{"OwnershipControlsNotFoundError", 404}},
	{errNoObjectLockConfig, awsError{"ObjectLockConfigurationNotFoundError", 404}},
	{errNoReplication, awsError{"ReplicationConfigurationNotFoundError", 404}},
	{errCorruptObject, awsError{"InternalError", 500}},
}

// s3InternalError is what an unmapped error becomes on the S3 API.
var s3InternalError = awsError{"InternalError", http.StatusInternalServerError}

// s3ErrorFor returns the S3 code for err and the message the client may see.
func s3ErrorFor(err error) (awsError, string) {
	// A storage backend that cannot hold a key this long says so by behaviour, not by a sentinel
	// of its package (api does not import its backends).
	var tooLong interface{ KeyTooLong() bool }
	if errors.As(err, &tooLong) && tooLong.KeyTooLong() {
		return awsError{"KeyTooLongError", 400}, "Your key is too long"
	}
	msg := ""
	var de *domain.Error
	var pe *publicError
	if errors.As(err, &pe) {
		msg = pe.msg
	} else if errors.As(err, &de) {
		msg = de.ClientMessage()
	}
	for _, e := range s3Errors {
		if errors.Is(err, e.err) {
			if msg == "" {
				msg = publicMessage(e.err)
			}
			if msg == "" {
				msg = e.aws.Code
			}
			return e.aws, msg
		}
	}
	return s3InternalError, "We encountered an internal error. Please try again."
}

// internalError is what an unmapped error becomes: AWS's KMSInternalException. Reaching it is a
// bug (a missing table entry), which the test suite looks for.
var internalError = awsError{"KMSInternalException", http.StatusInternalServerError}

// kmsErrorFor returns the AWS code for err and the message the client may see.
func kmsErrorFor(err error) (awsError, string) {
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
	} else if pe, ok := err.(*publicError); ok {
		msg = pe.msg
	}
	for _, e := range kmsErrors {
		if errors.Is(err, e.err) {
			if msg == "" && e.aws.Code != "InvalidCiphertextException" {
				msg = publicMessage(e.err)
			}
			return e.aws, msg
		}
	}
	return internalError, "An internal error occurred."
}

// publicMessage is the client message for errors that carry none of their own.
func publicMessage(err error) string {
	switch {
	case errors.Is(err, sigv4.ErrMissingAuth):
		return "Missing Authentication Token"
	case errors.Is(err, sigv4.ErrUnknownAccessKey):
		return "The security token included in the request is invalid."
	case errors.Is(err, sigv4.ErrSignatureMismatch), errors.Is(err, sigv4.ErrContentSHA256Mismatch):
		return "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	case errors.Is(err, sigv4.ErrClockSkew), errors.Is(err, sigv4.ErrRequestExpired):
		return "Signature expired: the request time is too far from the server's time (allowed skew is 15 minutes)."
	case errors.Is(err, sigv4.ErrWrongRegion):
		return "Credential should be scoped to a valid region."
	case errors.Is(err, sigv4.ErrHeadersNotSigned):
		return sigv4.S3HeadersNotSignedMessage
	case errors.Is(err, sigv4.ErrMalformedAuth):
		return "The Authorization header is malformed."
	case errors.Is(err, domain.ErrDependency), errors.Is(err, errTimeout):
		return "The key service could not complete the request in time; retry."
	}
	return ""
}

// publicError is an api-level failure with a client message.
type publicError struct {
	kind error
	msg  string
}

func (e *publicError) Error() string { return e.kind.Error() + ": " + e.msg }
func (e *publicError) Unwrap() error { return e.kind }

var (
	errSerialization    = errors.New("api: malformed request body")
	errUnknownOperation = errors.New("api: unknown operation")
	errDryRun           = errors.New("api: dry run")
	errRequestTooLarge  = errors.New("api: request too large")
	errTimeout          = errors.New("api: request timed out")
)

func serializationError(msg string) error { return &publicError{errSerialization, msg} }
