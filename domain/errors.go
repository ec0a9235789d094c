package domain

import (
	"errors"
	"fmt"
)

// Sentinel errors. Each is the cause of an *Error whose message is the one a client sees; api maps
// each sentinel to one AWS error code (api/errors.go).
var (
	ErrNotFound          = errors.New("domain: not found")
	ErrAlreadyExists     = errors.New("domain: already exists")
	ErrDisabled          = errors.New("domain: key disabled")
	ErrInvalidState      = errors.New("domain: invalid key state")
	ErrInvalidCiphertext = errors.New("domain: invalid ciphertext")
	ErrIncorrectKey      = errors.New("domain: incorrect key")
	ErrValidation        = errors.New("domain: validation failed")
	ErrInvalidAliasName  = errors.New("domain: invalid alias name")
	ErrInvalidMarker     = errors.New("domain: invalid marker")
	ErrInvalidKeyUsage   = errors.New("domain: invalid key usage")
	ErrUnsupported       = errors.New("domain: unsupported operation")
	ErrLimitExceeded     = errors.New("domain: limit exceeded")
	ErrInvalidArn        = errors.New("domain: invalid arn")
	ErrTag               = errors.New("domain: invalid tag")
	ErrAccessDenied      = errors.New("domain: access denied")
	ErrNoDomain          = errors.New("domain: domain not initialised")
	ErrDependency        = errors.New("domain: dependency failure")
	ErrInvalidSignature  = errors.New("domain: invalid signature")
	ErrInvalidMac        = errors.New("domain: invalid mac")
	// ErrStaleDomainKey refuses a write carrying material sealed under a domain key version that
	// is no longer current: a rotation committed between sealing and applying. The service
	// seals again and retries; a client sees it only if that keeps happening.
	ErrStaleDomainKey = errors.New("domain: sealed under a stale domain key")
	// ErrNoSuchBucket and ErrBucketExists are S3 bucket failures (NoSuchBucket,
	// BucketAlreadyOwnedByYou), apart from ErrNotFound so a missing bucket is never taken for a
	// missing KMS key.
	ErrNoSuchBucket = errors.New("domain: no such bucket")
	ErrBucketExists = errors.New("domain: bucket already exists")
	// ErrBucketTaken is a bucket name another account owns (S3's BucketAlreadyExists): bucket
	// names are global.
	ErrBucketTaken = errors.New("domain: bucket name taken")
	// ErrDeleteConflict refuses deleting an IAM entity something still depends on (a user with
	// access keys or policies, a policy still attached): IAM's DeleteConflict.
	ErrDeleteConflict = errors.New("domain: delete conflict")
	// ErrMalformedPolicy is a policy document the policy grammar refuses.
	ErrMalformedPolicy = errors.New("domain: malformed policy document")
	// ErrInvalidInput is IAM's InvalidInput: a parameter of the wrong form.
	ErrInvalidInput = errors.New("domain: invalid input")
	// ErrExpiredToken refuses a request signed with temporary credentials past their
	// expiry (STS/IAM/S3 ExpiredToken, KMS ExpiredTokenException).
	ErrExpiredToken = errors.New("domain: expired token")
	// ErrPackedPolicyTooLarge refuses a session whose policies and tags do not fit in its
	// token (STS's PackedPolicyTooLarge).
	ErrPackedPolicyTooLarge = errors.New("domain: packed policy too large")
	// ErrInvalidGrantToken is a grant token keyhold did not issue (KMS InvalidGrantTokenException).
	ErrInvalidGrantToken = errors.New("domain: invalid grant token")
)

// ErrorKinds returns every sentinel above, the closed set of kinds a client-facing *Error can
// carry, in declaration order. Protocols derive their error tables from it (api/kms, api/s3 test
// that each kind has a code) and so does the peer wire format, which names kinds by their text:
// a sentinel added above without being listed here fails TestErrorKindsListsEverySentinel, and
// once listed, every table that leaves it unmapped fails its own test. The slice is new on each
// call, so a caller cannot change the set.
func ErrorKinds() []error {
	return []error{
		ErrNotFound, ErrAlreadyExists, ErrDisabled, ErrInvalidState, ErrInvalidCiphertext,
		ErrIncorrectKey, ErrValidation, ErrInvalidAliasName, ErrInvalidMarker, ErrInvalidKeyUsage,
		ErrUnsupported, ErrLimitExceeded, ErrInvalidArn, ErrTag, ErrAccessDenied, ErrNoDomain,
		ErrDependency, ErrInvalidSignature, ErrInvalidMac, ErrStaleDomainKey, ErrNoSuchBucket,
		ErrBucketExists, ErrBucketTaken, ErrDeleteConflict, ErrMalformedPolicy, ErrInvalidInput,
		ErrExpiredToken, ErrPackedPolicyTooLarge, ErrInvalidGrantToken,
	}
}

// Error is a domain failure with a message fit for a client. Kind is one of the sentinels above;
// errors.Is(err, ErrNotFound) works through Unwrap. Cause, when set, is for the log only: it may
// name internal details (an HSM return code) that the client must not see.
type Error struct {
	Kind  error
	Msg   string
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Msg + ": " + e.Cause.Error()
	}
	return e.Msg
}

// Unwrap exposes the sentinel, so errors.Is matches it.
func (e *Error) Unwrap() error { return e.Kind }

// ClientMessage is the message to send to the client: never the cause.
func (e *Error) ClientMessage() string { return e.Msg }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// dependencyError hides an internal failure (the HSM, raft) behind a generic client message while
// keeping the cause for the log.
func dependencyError(op string, cause error) error {
	return &Error{Kind: ErrDependency, Msg: op + " failed: a dependency of the key service is unavailable", Cause: cause}
}

// invalidCiphertext is the single error every decrypt failure becomes (STYLE 7): it carries no
// detail about which check failed.
func invalidCiphertext() error { return &Error{Kind: ErrInvalidCiphertext, Msg: ""} }
