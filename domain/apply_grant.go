package domain

import "github.com/keyhold/keyhold/wrap"

type (
	createGrantCmd struct {
		Grant Grant
	}
	removeGrantCmd struct {
		KeyID   wrap.KeyID
		GrantID string
	}
)

// applyCreateGrant adds a grant. A grant with the same id is a retried proposal.
func (s *State) applyCreateGrant(c *createGrantCmd) error {
	g := c.Grant.clone()
	if old := s.grants.byID[g.ID]; old != nil {
		return nil
	}
	k, err := s.liveKey(g.KeyID)
	if err != nil {
		return err
	}
	if err := s.notPendingDeletion(k); err != nil {
		return err
	}
	if len(g.ID) != 64 || len(g.Operations) == 0 || g.GranteePrincipal == "" {
		return errorf(ErrValidation, "a grant needs an id, a grantee and operations")
	}
	if len(s.grants.byKey[g.KeyID]) >= MaxGrantsPerKey {
		return errorf(ErrLimitExceeded, "The key %s has reached the limit of %d grants.", s.arn.Key(g.KeyID), MaxGrantsPerKey)
	}
	s.grants.add(g)
	return nil
}

// applyRemoveGrant retires or revokes a grant. Removing a grant that is gone is not an error:
// the proposal may be a retry.
func (s *State) applyRemoveGrant(c *removeGrantCmd) error {
	if g := s.grants.byID[c.GrantID]; g != nil && g.KeyID == c.KeyID {
		s.grants.remove(c.GrantID)
	}
	return nil
}
