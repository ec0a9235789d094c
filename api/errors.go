package api

import (
	"errors"
	"net/http"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// awsError is an AWS error code and the HTTP status AWS sends it with.
type awsError struct {
	Code   string
	Status int
}

// s3Errors is the S3 table: the first entry whose sentinel matches (errors.Is) wins. KMS failures met while
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
	{pipeline.ErrRequestTooLarge, awsError{"EntityTooLarge", 400}},
	{pipeline.ErrTimeout, awsError{"RequestTimeout", 400}},
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
	{pipeline.ErrUnavailable, awsError{"ServiceUnavailable", 503}},
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
	return s3InternalError, "We encountered an internal error. Please try again."
}
