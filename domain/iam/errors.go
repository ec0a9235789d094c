package iam

import (
	"errors"
	"fmt"
)

// Error kinds: each is the cause of an *Error whose message is the one a client sees. They are
// IAM's own error codes, named for them; the domain maps each to one of its kinds.
var (
	ErrNoSuchEntity        = errors.New("iam: no such entity")
	ErrEntityAlreadyExists = errors.New("iam: entity already exists")
	ErrDeleteConflict      = errors.New("iam: delete conflict")
	ErrLimitExceeded       = errors.New("iam: limit exceeded")
	ErrMalformedPolicy     = errors.New("iam: malformed policy document")
	ErrInvalidInput        = errors.New("iam: invalid input")
	ErrValidation          = errors.New("iam: validation error")
	// ErrRejected is a command that cannot be decoded or names no known operation: a bug or a
	// newer proposer, refused identically on every replica.
	ErrRejected = errors.New("iam: rejected command")
)

// Kinds returns every kind above, in declaration order, so that a caller mapping them can
// test that none is left out.
func Kinds() []error {
	return []error{ErrNoSuchEntity, ErrEntityAlreadyExists, ErrDeleteConflict, ErrLimitExceeded,
		ErrMalformedPolicy, ErrInvalidInput, ErrValidation, ErrRejected}
}

// Error is a failed check with a client-facing message.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap exposes the kind to errors.Is.
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}
