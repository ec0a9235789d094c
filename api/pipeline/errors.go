package pipeline

import (
	"errors"

	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// AWSError is an AWS error code and the HTTP status AWS sends it with. Each protocol package
// keeps its own table from causes to AWSError; this is only the shape.
type AWSError struct {
	Code   string
	Status int
}

// PublicError is an api-level failure with a message the client may see. Kind is a sentinel
// that a protocol's error table maps (errors.Is matches it through Unwrap).
type PublicError struct {
	Kind error
	Msg  string
}

// Error implements error.
func (e *PublicError) Error() string { return e.Kind.Error() + ": " + e.Msg }

// Unwrap exposes Kind, so errors.Is matches the sentinel.
func (e *PublicError) Unwrap() error { return e.Kind }

// Failures every protocol maps to its own code.
var (
	// ErrUnavailable is the answer of a node that cannot serve now: KMS
	// DependencyTimeoutException and S3 ServiceUnavailable, both 503, which the AWS SDKs'
	// default retryers retry.
	ErrUnavailable = errors.New("api: this node cannot serve now")
	// ErrTimeout is a request that ran past its route's timeout.
	ErrTimeout = errors.New("api: request timed out")
	// ErrRequestTooLarge is a body over its route's limit.
	ErrRequestTooLarge = errors.New("api: request too large")
	// ErrThrottled is a request over its account's quota (Pipeline.Charge): KMS
	// ThrottlingException (400), S3 SlowDown (503), IAM and STS Throttling (400). The AWS
	// SDKs' default retryers retry all of them with backoff.
	ErrThrottled = errors.New("api: request rate over the account's quota")
)

// Unavailable is ErrUnavailable with its client message. Its cause is not logged per request (a
// stale node refuses thousands a second); the node logs when it stops and resumes serving.
func Unavailable() error {
	return &PublicError{ErrUnavailable, "This keyhold node cannot confirm that its state is current; retry the request (another node may answer)."}
}

// PublicMessage is the client message for errors that carry none of their own: the SigV4
// failures and the retryable dependency errors, worded as AWS words them.
func PublicMessage(err error) string {
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
	case errors.Is(err, domain.ErrDependency), errors.Is(err, ErrTimeout):
		return "The key service could not complete the request in time; retry."
	}
	return ""
}
