package policy

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error Parse returns for a document that is not a valid policy.
// Package api maps it to MalformedPolicyDocument(Exception); the error's text names what is wrong
// and is safe to show to the client (it quotes only the document the client sent).
var ErrMalformed = errors.New("policy: malformed policy document")

// ErrTooLarge is returned by Parse when a document exceeds ParseOptions.MaxLength. It does not
// wrap ErrMalformed because AWS answers it differently per service (IAM: LimitExceeded; KMS:
// a validation error on the Policy parameter).
var ErrTooLarge = errors.New("policy: policy document exceeds the size limit")

// SyntaxError describes why a document was refused. It wraps ErrMalformed.
type SyntaxError struct {
	Msg string // what is wrong and where, e.g. `Statement[1]: invalid Effect "allow"`
}

func (e *SyntaxError) Error() string { return "policy: " + e.Msg }

// Unwrap makes errors.Is(err, ErrMalformed) true.
func (e *SyntaxError) Unwrap() error { return ErrMalformed }

func malformed(format string, args ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...)}
}
