package pipeline

import "github.com/keyhold/keyhold/domain"

// DomainError is one domain error kind and the AWS error each protocol answers it with. S3 is
// optional: left zero, S3 sends the KMS code under its "KMS." prefix with status 400, as S3 does
// for failures it met while getting an object's key.
type DomainError struct {
	Kind error
	KMS  AWSError
	S3   AWSError
	// IAM is the answer of the Query-protocol services (IAM, STS); left zero, they answer
	// ServiceFailure 500 for server-side kinds and ValidationError 400 otherwise (IAMError).
	IAM AWSError
}

// IAMError is the IAM and STS answer for the kind.
func (d DomainError) IAMError() AWSError {
	if d.IAM != (AWSError{}) {
		return d.IAM
	}
	if d.KMS.Status >= 500 {
		return AWSError{Code: "ServiceFailure", Status: 500}
	}
	return AWSError{Code: "ValidationError", Status: 400}
}

// S3Error is the S3 answer for the kind: S3, or the KMS code under S3's "KMS." prefix.
func (d DomainError) S3Error() AWSError {
	if d.S3 != (AWSError{}) {
		return d.S3
	}
	return AWSError{Code: "KMS." + d.KMS.Code, Status: 400}
}

// DomainErrors is the one table of domain error kinds to AWS codes, read by every protocol's
// error table (api/kms, api/s3): a new domain sentinel is its line in domain/errors.go plus one
// row here. TestDomainErrorsCoverKinds checks every domain.ErrorKinds entry has a row. Each
// domain.Error unwraps to its kind alone, so the order of rows does not decide a match.
var DomainErrors = []DomainError{
	{Kind: domain.ErrNotFound, KMS: AWSError{"NotFoundException", 400}, IAM: AWSError{"NoSuchEntity", 404}},
	{Kind: domain.ErrAlreadyExists, KMS: AWSError{"AlreadyExistsException", 400}, IAM: AWSError{"EntityAlreadyExists", 409}},
	{Kind: domain.ErrDisabled, KMS: AWSError{"DisabledException", 400}},
	{Kind: domain.ErrInvalidState, KMS: AWSError{"KMSInvalidStateException", 400}},
	{Kind: domain.ErrInvalidCiphertext, KMS: AWSError{"InvalidCiphertextException", 400}},
	{Kind: domain.ErrIncorrectKey, KMS: AWSError{"IncorrectKeyException", 400}},
	{Kind: domain.ErrValidation, KMS: AWSError{"ValidationException", 400}, S3: AWSError{"InvalidArgument", 400}},
	{Kind: domain.ErrInvalidAliasName, KMS: AWSError{"InvalidAliasNameException", 400}},
	{Kind: domain.ErrInvalidMarker, KMS: AWSError{"InvalidMarkerException", 400}, S3: AWSError{"InvalidArgument", 400}},
	{Kind: domain.ErrInvalidKeyUsage, KMS: AWSError{"InvalidKeyUsageException", 400}},
	{Kind: domain.ErrUnsupported, KMS: AWSError{"UnsupportedOperationException", 400}},
	{Kind: domain.ErrLimitExceeded, KMS: AWSError{"LimitExceededException", 400}, IAM: AWSError{"LimitExceeded", 409}},
	{Kind: domain.ErrInvalidArn, KMS: AWSError{"InvalidArnException", 400}},
	{Kind: domain.ErrTag, KMS: AWSError{"TagException", 400}, S3: AWSError{"InvalidTag", 400}, IAM: AWSError{"InvalidInput", 400}},
	{Kind: domain.ErrAccessDenied, KMS: AWSError{"AccessDeniedException", 400}, S3: AWSError{"AccessDenied", 403}, IAM: AWSError{"AccessDenied", 403}},
	{Kind: domain.ErrNoDomain, KMS: AWSError{"KMSInvalidStateException", 400}},
	{Kind: domain.ErrDependency, KMS: AWSError{"DependencyTimeoutException", 503}, S3: AWSError{"ServiceUnavailable", 503}},
	{Kind: domain.ErrStaleDomainKey, KMS: AWSError{"DependencyTimeoutException", 503}, S3: AWSError{"ServiceUnavailable", 503}},
	{Kind: domain.ErrInvalidSignature, KMS: AWSError{"KMSInvalidSignatureException", 400}},
	{Kind: domain.ErrInvalidMac, KMS: AWSError{"KMSInvalidMacException", 400}},
	{Kind: domain.ErrNoSuchBucket, KMS: AWSError{"NotFoundException", 400}, S3: AWSError{"NoSuchBucket", 404}},
	{Kind: domain.ErrBucketExists, KMS: AWSError{"AlreadyExistsException", 400}, S3: AWSError{"BucketAlreadyOwnedByYou", 409}},
	{Kind: domain.ErrBucketTaken, KMS: AWSError{"AlreadyExistsException", 400}, S3: AWSError{"BucketAlreadyExists", 409}},
	{Kind: domain.ErrDeleteConflict, KMS: AWSError{"ValidationException", 400}, S3: AWSError{"InvalidRequest", 400}, IAM: AWSError{"DeleteConflict", 409}},
	{Kind: domain.ErrMalformedPolicy, KMS: AWSError{"MalformedPolicyDocumentException", 400}, S3: AWSError{"MalformedPolicy", 400}, IAM: AWSError{"MalformedPolicyDocument", 400}},
	{Kind: domain.ErrInvalidGrantToken, KMS: AWSError{"InvalidGrantTokenException", 400}},
	{Kind: domain.ErrInvalidInput, KMS: AWSError{"ValidationException", 400}, S3: AWSError{"InvalidArgument", 400}, IAM: AWSError{"InvalidInput", 400}},
	{Kind: domain.ErrExpiredToken, KMS: AWSError{"ExpiredTokenException", 400}, S3: AWSError{"ExpiredToken", 400}, IAM: AWSError{"ExpiredToken", 400}},
	{Kind: domain.ErrPackedPolicyTooLarge, KMS: AWSError{"ValidationException", 400}, S3: AWSError{"InvalidArgument", 400}, IAM: AWSError{"PackedPolicyTooLarge", 400}},
}
