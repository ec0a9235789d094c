package domain

import (
	"context"
	"errors"

	"github.com/keyhold/keyhold/domain/iam"
)

// applyIAM applies a change to the identity model (domain/iam), mapping its error kinds to the
// domain's.
func (s *State) applyIAM(c *iam.Command) error {
	if op, ok := stateIAMOps[c.Op]; ok {
		return op.apply(s, c)
	}
	return iamError(s.iam.Apply(c))
}

// checkForwardedIAM refuses a forwarded identity command whose operation is unknown or whose
// body does not decode strictly.
func checkForwardedIAM(c *iam.Command) error {
	if op, ok := stateIAMOps[c.Op]; ok && op.check != nil {
		return op.check(c.Body)
	}
	return iamError(iam.CheckCommand(c))
}

// iamKinds maps each identity-model error kind to the domain's.
var iamKinds = map[error]error{
	iam.ErrNoSuchEntity:        ErrNotFound,
	iam.ErrEntityAlreadyExists: ErrAlreadyExists,
	iam.ErrDeleteConflict:      ErrDeleteConflict,
	iam.ErrLimitExceeded:       ErrLimitExceeded,
	iam.ErrMalformedPolicy:     ErrMalformedPolicy,
	iam.ErrInvalidInput:        ErrInvalidInput,
	iam.ErrValidation:          ErrValidation,
}

func iamError(err error) error {
	if err == nil {
		return nil
	}
	var ie *iam.Error
	if !errors.As(err, &ie) {
		return err
	}
	if errors.Is(err, iam.ErrRejected) {
		return rejected(ie.Msg)
	}
	return &Error{Kind: iamKinds[ie.Kind], Msg: ie.Msg}
}

// proposeIAM builds and proposes one identity command acting in account.
func (s *Service) proposeIAM(ctx context.Context, op, account string, body any) error {
	c, err := iam.NewCommand(op, account, s.now(), body)
	if err != nil {
		return err
	}
	return s.propose(ctx, encode(cmdIAM, c))
}
