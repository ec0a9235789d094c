package domain

import (
	"context"

	"github.com/keyhold/keyhold/domain/iam"
)

// ContextKeysForPolicies lists the condition keys the identity policies of the user, group or
// role sourceARN (a user's groups' included) and the documents docs test: IAM's
// GetContextKeysForPrincipalPolicy, or, with sourceARN "", GetContextKeysForCustomPolicy. It
// tells a caller which context entries a simulation of those policies needs. Each key is listed
// once (keys compare without regard to case, as policies do), as first written, policy by
// policy in the order the simulator reads them (the entity's, its groups', then docs). A source of another account is reported as not found.
func (s *Service) ContextKeysForPolicies(ctx context.Context, sourceARN string, docs []string) ([]string, error) {
	if sourceARN == "" && len(docs) == 0 {
		return nil, errorf(ErrInvalidInput, "PolicyInputList must hold at least one policy document.")
	}
	if len(docs) > maxSimItems {
		return nil, errorf(ErrInvalidInput, "The request names too many policy documents.")
	}
	var sim *simulation
	err := s.IAMRead(ctx, func(acct string, st *iam.Store) error {
		var err error
		sim, err = s.newSimulation(acct, st, SimulationInput{PolicySourceARN: sourceARN, PolicyInputList: docs})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []string{}
	seen := map[string]bool{}
	for _, src := range sim.identity {
		out = src.pol.AppendConditionKeys(out, seen)
	}
	return out, nil
}
