package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrNotForwardable is the cause of every refusal by ValidateForwarded.
var ErrNotForwardable = errors.New("domain: command refused from a peer")

// forwardable lists, per command type, how a command that a follower forwards to the leader is
// decoded and checked before the leader proposes it. A type missing here is never forwarded by
// a keyhold node: init-domain (the domain's first node initialises it before any other node can
// join) and import-domain (a domain token is imported on the node that holds the HSM it is for,
// which then leads; keyholdctl import goes to that node's ops API), and any type this version
// does not know.
var forwardable = map[CommandType]func(body []byte) error{
	cmdCreateKey:           strictBody[createKeyCmd],
	cmdUpdateDescription:   strictBody[updateDescriptionCmd],
	cmdSetEnabled:          strictBody[setEnabledCmd],
	cmdScheduleDeletion:    strictBody[scheduleDeletionCmd],
	cmdCancelDeletion:      strictBody[cancelDeletionCmd],
	cmdDeleteKey:           strictBody[deleteKeyCmd],
	cmdCreateAlias:         strictBody[aliasCmd],
	cmdUpdateAlias:         strictBody[aliasCmd],
	cmdDeleteAlias:         strictBody[aliasCmd],
	cmdSetRotation:         strictBody[setRotationCmd],
	cmdRotateKey:           strictBody[rotateKeyCmd],
	cmdTagKey:              strictBody[tagKeyCmd],
	cmdUntagKey:            strictBody[untagKeyCmd],
	cmdCreatePrincipal:     strictBody[createPrincipalCmd],
	cmdCreateBucket:        strictBody[createBucketCmd],
	cmdDeleteBucket:        strictBody[deleteBucketCmd],
	cmdPutBucketEncryption: strictBody[putBucketEncryptionCmd],
	cmdSubmitProposal: func(body []byte) error {
		c, err := decodeStrict[submitProposalCmd](body)
		if err == nil {
			_, _, err = ParseSignedProposal(c.Signed)
		}
		return err
	},
	cmdApproveProposal: func(body []byte) error {
		c, err := decodeStrict[approveProposalCmd](body)
		if err == nil {
			err = c.Signature.check()
		}
		return err
	},
	// A leader that loses leadership while it executes a ceremony, expires proposals or
	// re-wraps forwards its command to the new leader.
	cmdExecuteProposal: strictBody[executeProposalCmd],
	cmdExpireProposals: strictBody[expireProposalsCmd],
	cmdRewrap:          strictBody[rewrapCmd],
}

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
	check, ok := forwardable[t]
	switch {
	case t == cmdImportDomain:
		return fmt.Errorf("%w: import-domain is never forwarded: import the domain token through the leader's ops API", ErrNotForwardable)
	case t == cmdInitDomain:
		return fmt.Errorf("%w: init-domain is never forwarded: a domain is initialised on its first node", ErrNotForwardable)
	case !ok:
		return fmt.Errorf("%w: command type %d is never forwarded", ErrNotForwardable, t)
	}
	if err := check(cmd[1:]); err != nil {
		return fmt.Errorf("%w: command type %d: %v", ErrNotForwardable, t, err)
	}
	return nil
}

func strictBody[T any](body []byte) error {
	_, err := decodeStrict[T](body)
	return err
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
