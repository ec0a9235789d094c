package sigv4

import (
	"errors"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
)

// ErrHeadersNotSigned is a request carrying, or lacking in its signature, a header that must be
// signed: a header outside the signature could otherwise be added to a captured or presigned
// request and change what it does. KMS answers IncompleteSignatureException, S3 AccessDenied
// with a HeadersNotSigned element. The error is a *HeadersNotSignedError.
var ErrHeadersNotSigned = errors.New("api: a header that must be signed is not")

// HeadersNotSignedError names the headers a request should have signed and did not. It matches
// ErrHeadersNotSigned.
type HeadersNotSignedError struct {
	// Headers are lower-case header names: sorted for S3, the operation's header first for KMS.
	Headers []string
}

// Error lists the unsigned headers (for the log; clients get KMSMessage or S3HeadersNotSigned).
func (e *HeadersNotSignedError) Error() string {
	return ErrHeadersNotSigned.Error() + ": " + strings.Join(e.Headers, ", ")
}

// Unwrap makes errors.Is(err, ErrHeadersNotSigned) hold.
func (e *HeadersNotSignedError) Unwrap() error { return ErrHeadersNotSigned }

// KMSMessage is the message AWS's JSON services send with IncompleteSignatureException when a
// header they require in SignedHeaders is not there.
func (e *HeadersNotSignedError) KMSMessage() string {
	return "'" + textproto.CanonicalMIMEHeaderKey(e.Headers[0]) + "' must be a 'SignedHeader' in the AWS Authorization."
}

// S3HeadersNotSignedMessage is S3's message for AccessDenied with a HeadersNotSigned element.
const S3HeadersNotSignedMessage = "There were headers present in the request which were not signed"

// S3HeadersNotSigned is the text of S3's HeadersNotSigned element: the names joined by ", ".
func (e *HeadersNotSignedError) S3HeadersNotSigned() string { return strings.Join(e.Headers, ", ") }

// checkSignedHeaders refuses a request whose signature leaves out a header that decides what
// the request does. For S3, presigned or not, that is every x-amz-* header present, as S3 has
// it: an unsigned X-Amz-Copy-Source would turn a presigned PUT into a CopyObject, an unsigned
// SSE header would choose how the object is stored. x-amz-content-sha256 is exempt, as in S3:
// its value is the last line of the canonical request, so the signature binds it anyway. For
// the JSON services dispatched by X-Amz-Target (KMS), the target and the Content-Type must be
// signed whether or not they are present: the target names the operation, and a signature that
// does not cover it would let a captured DescribeKey be replayed as ScheduleKeyDeletion.
func checkSignedHeaders(r *http.Request, a *requestAuth, service string) error {
	var missing []string
	switch {
	case service == "s3":
		for k := range r.Header {
			if len(k) < 6 || !strings.EqualFold(k[:6], "x-amz-") {
				continue
			}
			lk := strings.ToLower(k)
			if lk != "x-amz-content-sha256" && !a.signs(lk) {
				missing = append(missing, lk)
			}
		}
		slices.Sort(missing)
		missing = slices.Compact(missing)
	case service == "kms" || len(r.Header["X-Amz-Target"]) > 0:
		for _, h := range [...]string{"x-amz-target", "content-type"} {
			if !a.signs(h) {
				missing = append(missing, h)
			}
		}
	}
	// A session token names the credentials the request claims; the SDKs sign it, and an
	// unsigned one would let a relay swap it (S3 already covers it with every x-amz-* header).
	if service != "s3" && len(r.Header["X-Amz-Security-Token"]) > 0 && !a.signs("x-amz-security-token") {
		missing = append(missing, "x-amz-security-token")
	}
	if len(missing) == 0 {
		return nil
	}
	return &HeadersNotSignedError{Headers: missing}
}
