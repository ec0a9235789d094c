package domain

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrRejectedCommand is the cause of the error Apply returns for a committed command it cannot
// decode. Every replica rejects the same bytes the same way, so rejecting keeps them in step.
var ErrRejectedCommand = errors.New("domain: committed command rejected")

// ErrNewerCommand is what Apply returns for a command type that a newer keyhold assigned: this
// node cannot apply it, and skipping it would diverge from upgraded peers, so it must stop.
var ErrNewerCommand = errors.New("domain: command type written by a newer keyhold version")

// rejected is Apply's answer to undecodable bytes: a validation error for the proposer (whose
// message carries no command bytes) with ErrRejectedCommand as the log-only cause.
func rejected(why string) error {
	return &Error{Kind: ErrValidation, Msg: "the command is malformed", Cause: fmt.Errorf("%w: %s", ErrRejectedCommand, why)}
}

// RejectedCommand reports whether err is Apply's rejection of an undecodable command.
func RejectedCommand(err error) bool {
	var e *Error
	return errors.As(err, &e) && errors.Is(e.Cause, ErrRejectedCommand)
}

// NewerCommand reports whether err says the command comes from a newer keyhold version.
func NewerCommand(err error) bool { return errors.Is(err, ErrNewerCommand) }

// isJSONObject reports whether b, trimmed of JSON whitespace, starts with '{' (json.Unmarshal
// checks the rest): a command body is never null, an array or a scalar.
func isJSONObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}
