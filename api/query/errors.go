package query

import (
	"errors"
	"net/http"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// Query-protocol failures that are not domain or SigV4 errors.
var (
	// ErrInvalidAction is an Action the service does not have (InvalidAction 400).
	ErrInvalidAction = errors.New("query: invalid action")
	// ErrMissingParameter is a required parameter left out (MissingParameter 400).
	ErrMissingParameter = errors.New("query: missing parameter")
	// ErrInvalidParameter is a parameter of the wrong form (InvalidParameterValue 400).
	ErrInvalidParameter = errors.New("query: invalid parameter value")
	// ErrValidation is IAM's ValidationError 400: a value outside its constraints.
	ErrValidation = errors.New("query: validation error")
	// ErrMalformedQuery is a body or query string that does not parse (MalformedQueryString 400).
	ErrMalformedQuery = errors.New("query: malformed query string")
)

// Errorf returns a client-facing error of kind with msg.
func Errorf(kind error, msg string) error { return &pipeline.PublicError{Kind: kind, Msg: msg} }

// errorRow is one cause and its Query-protocol code.
type errorRow struct {
	err error
	aws pipeline.AWSError
}

// protocolErrors are the failures of the protocol and of authentication; domain kinds come
// from the shared table (pipeline.DomainErrors, IAM column).
var protocolErrors = []errorRow{
	{ErrInvalidAction, pipeline.AWSError{Code: "InvalidAction", Status: 400}},
	{ErrMissingParameter, pipeline.AWSError{Code: "MissingParameter", Status: 400}},
	{ErrInvalidParameter, pipeline.AWSError{Code: "InvalidParameterValue", Status: 400}},
	{ErrValidation, pipeline.AWSError{Code: "ValidationError", Status: 400}},
	{ErrMalformedQuery, pipeline.AWSError{Code: "MalformedQueryString", Status: 400}},
	{pipeline.ErrRequestTooLarge, pipeline.AWSError{Code: "ValidationError", Status: 400}},
	{pipeline.ErrTimeout, pipeline.AWSError{Code: "ServiceUnavailable", Status: 503}},
	{pipeline.ErrUnavailable, pipeline.AWSError{Code: "ServiceUnavailable", Status: 503}},
	{pipeline.ErrThrottled, pipeline.AWSError{Code: "Throttling", Status: 400}},
	{sigv4.ErrMissingAuth, pipeline.AWSError{Code: "MissingAuthenticationToken", Status: 403}},
	{sigv4.ErrMalformedAuth, pipeline.AWSError{Code: "IncompleteSignature", Status: 400}},
	{sigv4.ErrUnknownAccessKey, pipeline.AWSError{Code: "InvalidClientTokenId", Status: 403}},
	{sigv4.ErrSignatureMismatch, pipeline.AWSError{Code: "SignatureDoesNotMatch", Status: 403}},
	{sigv4.ErrRequestExpired, pipeline.AWSError{Code: "RequestExpired", Status: 400}},
	{sigv4.ErrClockSkew, pipeline.AWSError{Code: "SignatureDoesNotMatch", Status: 403}},
	{sigv4.ErrWrongRegion, pipeline.AWSError{Code: "SignatureDoesNotMatch", Status: 403}},
	{sigv4.ErrContentSHA256Mismatch, pipeline.AWSError{Code: "SignatureDoesNotMatch", Status: 403}},
	{sigv4.ErrHeadersNotSigned, pipeline.AWSError{Code: "IncompleteSignature", Status: 400}},
}

// internalError is an unmapped error: a bug the test suite looks for.
var internalError = pipeline.AWSError{Code: "ServiceFailure", Status: http.StatusInternalServerError}

// ErrorFor returns the Query-protocol code for err and the message the client may see. extra
// rows (a service's own failures, STS's ExpiredToken) are matched first.
func ErrorFor(err error, extra []ErrorRow) (pipeline.AWSError, string) {
	msg := ""
	var de *domain.Error
	var skew *sigv4.SkewError
	var pe *pipeline.PublicError
	switch {
	case errors.As(err, &skew):
		msg = skew.KMSMessage()
	case errors.As(err, &de):
		msg = de.ClientMessage()
	case errors.As(err, &pe):
		msg = pe.Msg
	}
	for _, r := range extra {
		if errors.Is(err, r.Err) {
			return r.AWS, msg
		}
	}
	if de != nil {
		for _, d := range pipeline.DomainErrors {
			if errors.Is(err, d.Kind) {
				return d.IAMError(), msg
			}
		}
	}
	for _, r := range protocolErrors {
		if errors.Is(err, r.err) {
			if msg == "" {
				msg = pipeline.PublicMessage(r.err)
			}
			return r.aws, msg
		}
	}
	return internalError, "An internal error occurred."
}

// ErrorRow maps a service's own failure to its code.
type ErrorRow struct {
	Err error
	AWS pipeline.AWSError
}
