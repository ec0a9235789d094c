package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// ErrNotForwardable is the cause of every refusal by ValidateForwarded.
var ErrNotForwardable = errors.New("domain: command refused from a peer")

// checkForwardedSubmission checks a forwarded proposal submission's signed proposal.
func checkForwardedSubmission(c *submitProposalCmd) error {
	_, _, err := ceremony.ParseSignedProposal(c.Signed)
	return err
}

// checkForwardedApproval checks the shape of a forwarded verdict's signature.
func checkForwardedApproval(c *approveProposalCmd) error { return c.Signature.Check() }

// ValidateForwarded checks a command a peer asks the leader to propose (the peer API's propose
// endpoint): its type must be one that followers forward, and its body must decode strictly as
// that type (one JSON object, no unknown fields, nothing after it). Only then may it reach the
// log, where Apply checks it again against the state. The error names the reason, never the
// command's bytes.
func ValidateForwarded(cmd []byte) error {
	if len(cmd) == 0 {
		return fmt.Errorf("%w: empty command", ErrNotForwardable)
	}
	t := CommandType(cmd[0])
	check := commands[t].forward
	switch {
	case t == cmdImportDomain:
		return fmt.Errorf("%w: import-domain is never forwarded: import the domain token through the leader's ops API", ErrNotForwardable)
	case t == cmdInitDomain:
		return fmt.Errorf("%w: init-domain is never forwarded: a domain is initialised on its first node", ErrNotForwardable)
	case check == nil:
		return fmt.Errorf("%w: command type %d is never forwarded", ErrNotForwardable, t)
	}
	if err := check(cmd[1:]); err != nil {
		return fmt.Errorf("%w: command type %d: %v", ErrNotForwardable, t, err)
	}
	return nil
}

// decodeStrict decodes exactly one JSON object into a T, refusing unknown fields and trailing
// data.
func decodeStrict[T any](body []byte) (*T, error) {
	var c T
	if !isJSONObject(body) {
		return nil, errors.New("the body is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("undecodable body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the body")
	}
	return &c, nil
}
