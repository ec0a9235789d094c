package s3

import (
	"errors"
	"net/http"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// The S3 REST protocol's error table. Domain kinds' codes are in the table every protocol shares
// (pipeline.DomainErrors: S3's column, or the KMS code under S3's "KMS." prefix), SigV4 failures
// from api/sigv4, the rest are S3 failures (errors.go).

// s3Errors is the S3 table: the first entry whose sentinel matches (errors.Is) wins. KMS
// failures met while getting an object's key come back under S3's "KMS." prefix, as S3 sends them.
var s3Errors = append(append([]s3Error{
	{errNoSuchKey, pipeline.AWSError{Code: "NoSuchKey", Status: 404}},
	{errNoSuchUpload, pipeline.AWSError{Code: "NoSuchUpload", Status: 404}},
	{errInvalidPart, pipeline.AWSError{Code: "InvalidPart", Status: 400}},
	{errInvalidPartOrder, pipeline.AWSError{Code: "InvalidPartOrder", Status: 400}},
	{errEntityTooSmall, pipeline.AWSError{Code: "EntityTooSmall", Status: 400}},
	{errInvalidRange, pipeline.AWSError{Code: "InvalidRange", Status: 416}},
	{errInvalidPartNumber, pipeline.AWSError{Code: "InvalidPartNumber", Status: 416}},
	{errEntityTooLarge, pipeline.AWSError{Code: "EntityTooLarge", Status: 400}},
	{errBucketNotEmpty, pipeline.AWSError{Code: "BucketNotEmpty", Status: 409}},
	{errInvalidArgument, pipeline.AWSError{Code: "InvalidArgument", Status: 400}},
	{errInvalidRequest, pipeline.AWSError{Code: "InvalidRequest", Status: 400}},
	{errInvalidBucketName, pipeline.AWSError{Code: "InvalidBucketName", Status: 400}},
	{errMalformedXML, pipeline.AWSError{Code: "MalformedXML", Status: 400}},
	{errNotImplemented, pipeline.AWSError{Code: "NotImplemented", Status: 501}},
	{errMethodNotAllowed, pipeline.AWSError{Code: "MethodNotAllowed", Status: 405}},
	{errPreconditionFailed, pipeline.AWSError{Code: "PreconditionFailed", Status: 412}},
	{errConditionalConflict, pipeline.AWSError{Code: "ConditionalRequestConflict", Status: 409}},
	{errACLNotSupported, pipeline.AWSError{Code: "AccessControlListNotSupported", Status: 400}},
	{errACLWithOwnership, pipeline.AWSError{Code: "InvalidBucketAclWithObjectOwnership", Status: 400}},
	{errPolicy, pipeline.AWSError{Code: "AccessDenied", Status: 403}},
	{errInvalidPolicyDocument, pipeline.AWSError{Code: "InvalidPolicyDocument", Status: 400}},
	{errMalformedPOST, pipeline.AWSError{Code: "MalformedPOSTRequest", Status: 400}},
	{errMaxPostPreDataLength, pipeline.AWSError{Code: "MaxPostPreDataLengthExceeded", Status: 400}},
	{errNotModified, pipeline.AWSError{Code: "NotModified", Status: 304}},
	{errSSECKeyMismatch, pipeline.AWSError{Code: "AccessDenied", Status: 403}},
	{errNoEncryptionConfig, pipeline.AWSError{Code: "ServerSideEncryptionConfigurationNotFoundError", Status: 404}},
	{errMissingContentLen, pipeline.AWSError{Code: "MissingContentLength", Status: 411}},
	{errInvalidDigest, pipeline.AWSError{Code: "InvalidDigest", Status: 400}},
	{errBadDigestMD5, pipeline.AWSError{Code: "BadDigest", Status: 400}},
	{pipeline.ErrRequestTooLarge, pipeline.AWSError{Code: "EntityTooLarge", Status: 400}},
	{pipeline.ErrTimeout, pipeline.AWSError{Code: "RequestTimeout", Status: 400}},
	{sigv4.ErrMissingAuth, pipeline.AWSError{Code: "AccessDenied", Status: 403}},
	{sigv4.ErrMalformedAuth, pipeline.AWSError{Code: "AuthorizationHeaderMalformed", Status: 400}},
	{sigv4.ErrUnknownAccessKey, pipeline.AWSError{Code: "InvalidAccessKeyId", Status: 403}},
	{sigv4.ErrSignatureMismatch, pipeline.AWSError{Code: "SignatureDoesNotMatch", Status: 403}},
	{sigv4.ErrRequestExpired, pipeline.AWSError{Code: "AccessDenied", Status: 403}},
	{sigv4.ErrClockSkew, pipeline.AWSError{Code: "RequestTimeTooSkewed", Status: 403}},
	{sigv4.ErrWrongRegion, pipeline.AWSError{Code: "AuthorizationHeaderMalformed", Status: 400}},
	{sigv4.ErrContentSHA256Mismatch, pipeline.AWSError{Code: "XAmzContentSHA256Mismatch", Status: 400}},
	{sigv4.ErrHeadersNotSigned, pipeline.AWSError{Code: "AccessDenied", Status: 403}},
	{sigv4.ErrMalformedChunk, pipeline.AWSError{Code: "InvalidRequest", Status: 400}},
	{sigv4.ErrChunkSignature, pipeline.AWSError{Code: "SignatureDoesNotMatch", Status: 403}},
	{sigv4.ErrBadDigest, pipeline.AWSError{Code: "BadDigest", Status: 400}},
	{sigv4.ErrIncompleteBody, pipeline.AWSError{Code: "IncompleteBody", Status: 400}},
}, domainRows()...), []s3Error{
	{pipeline.ErrUnavailable, pipeline.AWSError{Code: "ServiceUnavailable", Status: 503}},
	{pipeline.ErrThrottled, pipeline.AWSError{Code: "SlowDown", Status: 503}},
	{errS3Internal, pipeline.AWSError{Code: "InternalError", Status: 500}},
	{errNoSuchCORS, pipeline.AWSError{Code: "NoSuchCORSConfiguration", Status: 404}},
	{errNoSuchBucketPolicy, pipeline.AWSError{Code: "NoSuchBucketPolicy", Status: 404}},
	{errNoSuchLifecycle, pipeline.AWSError{Code: "NoSuchLifecycleConfiguration", Status: 404}},
	{errNoSuchTagSet, pipeline.AWSError{Code: "NoSuchTagSet", Status: 404}},
	{errNoSuchWebsite, pipeline.AWSError{Code: "NoSuchWebsiteConfiguration", Status: 404}},
	{errNoSuchPublicAccessBlock, pipeline.AWSError{Code: "NoSuchPublicAccessBlockConfiguration", Status: 404}},
	{errNoOwnershipControls, pipeline.AWSError{Code: "OwnershipControlsNotFoundError", Status: 404}},
	{errNoObjectLockConfig, pipeline.AWSError{Code: "ObjectLockConfigurationNotFoundError", Status: 404}},
	{errNoReplication, pipeline.AWSError{Code: "ReplicationConfigurationNotFoundError", Status: 404}},
	{errCorruptObject, pipeline.AWSError{Code: "InternalError", Status: 500}},
}...)

// s3Error is one row of s3Errors.
type s3Error struct {
	err error
	aws pipeline.AWSError
}

// domainRows are the domain kinds' S3 codes, from the table every protocol shares
// (pipeline.DomainErrors, checked against domain.ErrorKinds).
func domainRows() []s3Error {
	out := make([]s3Error, 0, len(pipeline.DomainErrors))
	for _, d := range pipeline.DomainErrors {
		out = append(out, s3Error{d.Kind, d.S3Error()})
	}
	return out
}

// internalError is what an unmapped error becomes on the S3 API.
var internalError = pipeline.AWSError{Code: "InternalError", Status: http.StatusInternalServerError}

// errorFor returns the S3 code for err and the message the client may see.
func errorFor(err error) (pipeline.AWSError, string) {
	// A storage backend that cannot hold a key this long says so by behaviour, not by a sentinel
	// of its package (api does not import its backends).
	var tooLong interface{ KeyTooLong() bool }
	if errors.As(err, &tooLong) && tooLong.KeyTooLong() {
		return pipeline.AWSError{Code: "KeyTooLongError", Status: 400}, "Your key is too long"
	}
	msg := ""
	var de *domain.Error
	var pe *pipeline.PublicError
	if errors.As(err, &pe) {
		msg = pe.Msg
	} else if errors.As(err, &de) {
		msg = de.ClientMessage()
	}
	for _, e := range s3Errors {
		if errors.Is(err, e.err) {
			if msg == "" {
				msg = pipeline.PublicMessage(e.err)
			}
			if msg == "" {
				msg = e.aws.Code
			}
			return e.aws, msg
		}
	}
	return internalError, "We encountered an internal error. Please try again."
}
