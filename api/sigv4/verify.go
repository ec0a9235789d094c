package sigv4

import (
	"context"
	"crypto/hmac"
	"errors"
	"net/http"
	"time"
)

// SigV4 failures. Each is a sentinel matched with errors.Is; the AWS code is chosen by the protocol packages (api/kms, api/s3).
// The mapping, per service:
//
//	sentinel                  KMS code                             S3 code
//	ErrMissingAuth            MissingAuthenticationTokenException  AccessDenied
//	ErrMalformedAuth          IncompleteSignatureException         AuthorizationHeaderMalformed (query: AuthorizationQueryParametersError)
//	ErrUnknownAccessKey       UnrecognizedClientException          InvalidAccessKeyId
//	ErrSignatureMismatch      InvalidSignatureException            SignatureDoesNotMatch
//	ErrRequestExpired         InvalidSignatureException            AccessDenied "Request has expired"
//	ErrClockSkew              InvalidSignatureException            RequestTimeTooSkewed
//	ErrWrongRegion            InvalidSignatureException            AuthorizationHeaderMalformed
//	ErrContentSHA256Mismatch  InvalidSignatureException            XAmzContentSHA256Mismatch
//	ErrHeadersNotSigned       IncompleteSignatureException         AccessDenied "There were headers present in the request which were not signed"
//
// A clock-skew failure is a *SkewError, whose KMSMessage is the exact text KMS sends
// ("Signature expired: ... is now earlier than ...").
var (
	ErrMissingAuth           = errors.New("api: request is not signed")
	ErrMalformedAuth         = errors.New("api: malformed SigV4 authorization")
	ErrUnknownAccessKey      = errors.New("api: unknown access key id")
	ErrSignatureMismatch     = errors.New("api: SigV4 signature does not match")
	ErrRequestExpired        = errors.New("api: presigned request has expired")
	ErrClockSkew             = errors.New("api: request time too far from server time")
	ErrWrongRegion           = errors.New("api: credential scoped to another region")
	ErrContentSHA256Mismatch = errors.New("api: payload hash does not match the body")
)

// SkewError is a request whose time is more than MaxSkew away from the server's clock. It
// matches ErrClockSkew.
type SkewError struct {
	RequestTime, ServerTime time.Time
	MaxSkew                 time.Duration
}

// Error is the KMS message prefixed with the sentinel, for the log.
func (e *SkewError) Error() string {
	return ErrClockSkew.Error() + ": " + e.KMSMessage()
}

// Unwrap makes errors.Is(err, ErrClockSkew) hold.
func (e *SkewError) Unwrap() error { return ErrClockSkew }

// KMSMessage is the message AWS services send with InvalidSignatureException for this skew.
func (e *SkewError) KMSMessage() string {
	req := e.RequestTime.UTC().Format(amzDateFormat)
	now := e.ServerTime.UTC().Format(amzDateFormat)
	mins := formatMinutes(e.MaxSkew)
	if e.RequestTime.Before(e.ServerTime) {
		edge := e.ServerTime.Add(-e.MaxSkew).UTC().Format(amzDateFormat)
		return "Signature expired: " + req + " is now earlier than " + edge + " (" + now + " - " + mins + " min.)"
	}
	edge := e.ServerTime.Add(e.MaxSkew).UTC().Format(amzDateFormat)
	return "Signature not yet current: " + req + " is still later than " + edge + " (" + now + " + " + mins + " min.)"
}

// CredentialStore looks up a principal's secret by access key id. It returns ErrUnknownAccessKey
// (wrapped is fine) when the id is unknown. The caller owns the returned secret and clears it
// after use, so the store must return a copy. Implementations must be safe for concurrent use.
// ctx is the request's: a store that unwraps the secret in an HSM gives up when the caller does.
type CredentialStore interface {
	// Credential returns the secret of accessKeyID and whose it is. sessionToken is the
	// request's X-Amz-Security-Token (empty when it sends none): temporary credentials carry
	// their secret and principal in it, and are refused without it.
	Credential(ctx context.Context, accessKeyID, sessionToken string) (Credential, error)
}

// Credential is what a CredentialStore knows of an access key.
type Credential struct {
	// Secret is the secret access key. The verifier clears it once the signing key is derived.
	Secret []byte
	// Principal names the owner (an ARN), for logs and audit records.
	Principal string
	// Info is the store's own description of the owner, handed back unexamined in
	// Identity.Info: the verifier does not need to know what a principal is.
	Info any
}

// Identity is the authenticated caller.
type Identity struct {
	AccessKeyID, Principal string
	// Info is Credential.Info of the access key the request was signed with.
	Info any
}

// DefaultMaxSkew is how far a request's time may be from the server's: AWS allows 15 minutes.
const DefaultMaxSkew = 15 * time.Minute

// Verifier checks AWS Signature Version 4 signatures (Authorization header and presigned query).
// The zero value of the unexported fields is ready; a Verifier must not be copied after first use
// and is safe for concurrent use.
type Verifier struct {
	Store CredentialStore
	// Region is the only region requests may be scoped to; empty accepts any region.
	Region string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew bounds |request time - now| for header-signed requests; zero means DefaultMaxSkew.
	MaxSkew time.Duration

	keys signingKeyCache
}

// Result is what an authenticated request leaves for later stages, notably the aws-chunked
// decoder (NewChunkedReader) of S3 streaming uploads.
type Result struct {
	Identity Identity
	Service  string
	// PayloadHash is the payload hash that was signed: a hex SHA-256, UNSIGNED-PAYLOAD or a
	// STREAMING-* value. For S3 with a hex hash the caller still has to check the body against it.
	PayloadHash string
	// SeedSignature is the request signature in hex, the first link of a chunk signature chain.
	SeedSignature string
	// Date is the signing time and Scope the credential scope (date/region/service/aws4_request).
	Date      time.Time
	Scope     string
	Presigned bool

	// signingKey is set only when PayloadHash is a signed STREAMING-* mode, so that the derived
	// key (as powerful as the secret for that day, region and service) travels no further than
	// it must. Clear zeroes it.
	signingKey [32]byte
	hasKey     bool
}

// Clear zeroes the signing key the result may carry. Call it once the body has been decoded.
func (r *Result) Clear() {
	clear(r.signingKey[:])
	r.hasKey = false
}

// Payload hash values that are not a hex SHA-256: what x-amz-content-sha256 carries for an
// unsigned body and for the three aws-chunked encodings. S3 picks its body reader by them.
const (
	// UnsignedPayload: the signature covers no body (presigned URLs, and S3 over TLS).
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// StreamingSigned: aws-chunked, each chunk signed.
	StreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingSignedTrailer: signed chunks, then a signed trailer (a checksum).
	StreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedTrailer: unsigned chunks with a trailing checksum (over TLS).
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// Verify authenticates r by its Authorization header or presigned query. service is the
// service the request is addressed to ("kms" or "s3") and must be the one in the credential
// scope. It never reads the body. For every service but S3, bodySHA256 is the hex SHA-256 of the
// body the caller has read, and it is what the signature must cover (an x-amz-content-sha256
// header, if present, must equal it). For S3 the signed payload hash is the x-amz-content-sha256
// header (UNSIGNED-PAYLOAD for presigned URLs without it); UNSIGNED-PAYLOAD and the STREAMING-*
// values are allowed, and when the header is a hex hash and bodySHA256 is not empty, the two
// must match. S3 paths are signed as sent; other services' paths are URI-encoded once more.
func (v *Verifier) Verify(r *http.Request, service string, bodySHA256 string) (Result, error) {
	a, err := parseRequestAuth(r)
	if err != nil {
		return Result{}, err
	}
	if a.service != service {
		return Result{}, errMalformed("credential scope names another service")
	}
	if v.Region != "" && a.region != v.Region {
		return Result{}, ErrWrongRegion
	}
	if err := v.checkTime(a); err != nil {
		return Result{}, err
	}
	if err := checkSignedHeaders(r, a, service); err != nil {
		return Result{}, err
	}
	payload, err := payloadHash(r, a, service, bodySHA256)
	if err != nil {
		return Result{}, err
	}

	cred, err := v.Store.Credential(r.Context(), a.accessKeyID, sessionToken(r, a))
	if err != nil {
		clear(cred.Secret)
		return Result{}, err
	}
	key := v.keys.signingKey(a.accessKeyID, cred.Secret, a.date, a.region, a.service)
	clear(cred.Secret)
	defer clear(key[:])

	scope := a.date + "/" + a.region + "/" + a.service + "/aws4_request"
	var buf [1024]byte
	var stsBuf [256]byte
	sts := stringToSign(stsBuf[:0], canonicalRequest(buf[:0], r, a, service, payload), a.amzDate, scope)
	want := hmacSHA256(&key, sts)
	if !hmac.Equal(want[:], a.signature[:]) {
		return Result{}, ErrSignatureMismatch
	}

	res := Result{
		Identity:      Identity{AccessKeyID: a.accessKeyID, Principal: cred.Principal, Info: cred.Info},
		Service:       service,
		PayloadHash:   payload,
		SeedSignature: a.signatureHex,
		Date:          a.time,
		Scope:         scope,
		Presigned:     a.presigned,
	}
	if payload == StreamingSigned || payload == StreamingSignedTrailer {
		res.signingKey, res.hasKey = key, true
	}
	return res, nil
}

// checkTime applies the clock-skew window and, for presigned requests, the expiry.
func (v *Verifier) checkTime(a *requestAuth) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if a.presigned {
		// A presigned URL is valid from its signing time (give or take the skew a client clock
		// may have) until it expires; AWS applies no skew to the expiry.
		if a.time.Sub(now) > skew {
			return &SkewError{RequestTime: a.time, ServerTime: now, MaxSkew: skew}
		}
		if now.After(a.time.Add(a.expires)) {
			return ErrRequestExpired
		}
		return nil
	}
	if d := now.Sub(a.time); d > skew || d < -skew {
		return &SkewError{RequestTime: a.time, ServerTime: now, MaxSkew: skew}
	}
	return nil
}

// payloadHash picks the payload hash the canonical request ends with (see Verify).
func payloadHash(r *http.Request, a *requestAuth, service, bodySHA256 string) (string, error) {
	hdr, hasHdr := singleHeader(r.Header, "X-Amz-Content-Sha256")
	if service != "s3" {
		if !isLowerHex(bodySHA256, 64) {
			return "", errors.Join(ErrContentSHA256Mismatch, errors.New("api: no body hash to verify against"))
		}
		if hasHdr && hdr != bodySHA256 {
			return "", ErrContentSHA256Mismatch
		}
		return bodySHA256, nil
	}
	if !hasHdr {
		switch {
		case a.presigned:
			return UnsignedPayload, nil
		case isLowerHex(bodySHA256, 64):
			return bodySHA256, nil
		}
		return "", errMalformed("missing x-amz-content-sha256")
	}
	switch hdr {
	case UnsignedPayload, StreamingUnsignedTrailer:
		return hdr, nil
	case StreamingSigned, StreamingSignedTrailer:
		if a.presigned {
			return "", errMalformed("a presigned request cannot carry a signed stream")
		}
		return hdr, nil
	}
	if !isLowerHex(hdr, 64) {
		return "", errMalformed("x-amz-content-sha256 is neither a SHA-256 nor a known mode")
	}
	if bodySHA256 != "" && hdr != bodySHA256 {
		return "", ErrContentSHA256Mismatch
	}
	return hdr, nil
}

// errMalformed wraps ErrMalformedAuth with what was wrong (no secret or signature in it).
func errMalformed(why string) error {
	return &malformedAuthError{why}
}

type malformedAuthError struct{ why string }

func (e *malformedAuthError) Error() string { return ErrMalformedAuth.Error() + ": " + e.why }
func (e *malformedAuthError) Unwrap() error { return ErrMalformedAuth }
