package domain

import "github.com/keyhold/keyhold/wrap"

// applyCreateAlias creates an alias. A command with AWSManaged set names a service alias
// (alias/aws/...) and marks its target an AWS managed key; sent again for an alias that already
// points at that key, it marks a key an earlier version created (see managed.go).
func (s *State) applyCreateAlias(c *aliasCmd) error {
	if c.AWSManaged && !isServiceAlias(c.Name) {
		return errorf(ErrInvalidAliasName, "only an alias under %s can name an AWS managed key", serviceAliasPrefix)
	}
	aid := aliasID{s.account(c.Account), c.Name}
	if a, ok := s.aliases[aid]; ok {
		if a.KeyID == c.ID && (a.CreatedAt.Equal(c.At) || c.AWSManaged) {
			if k := s.keys[c.ID]; k != nil && c.AWSManaged {
				markAWSManaged(s.editKey(k), c.At)
			}
			return nil // retried, or a marking
		}
		return errorf(ErrAlreadyExists, "An alias with the name %s already exists", s.arn.In(aid.account).Alias(c.Name))
	}
	k, err := s.accountKey(aid.account, c.ID)
	if err != nil {
		return err
	}
	if err := s.notPendingDeletion(k); err != nil {
		return err
	}
	if c.AWSManaged {
		markAWSManaged(s.editKey(k), c.At)
	} else if err := s.checkCustomerKey(k, "kms:CreateAlias"); err != nil {
		return err
	}
	s.putAlias(aid, &Alias{Account: c.Account, Name: c.Name, KeyID: c.ID, CreatedAt: c.At, UpdatedAt: c.At})
	return nil
}

func (s *State) applyUpdateAlias(c *aliasCmd) error {
	aid := aliasID{s.account(c.Account), c.Name}
	a, ok := s.aliases[aid]
	if !ok {
		return errorf(ErrNotFound, "Alias %s is not found.", s.arn.In(aid.account).Alias(c.Name))
	}
	k, err := s.accountKey(aid.account, c.ID)
	if err != nil {
		return err
	}
	if err := s.notPendingDeletion(k); err != nil {
		return err
	}
	old := s.keys[a.KeyID]
	if old != nil {
		// An AWS managed key's alias stays where it is.
		if err := s.checkCustomerKey(old, "kms:UpdateAlias"); err != nil {
			return err
		}
	}
	if err := s.checkCustomerKey(k, "kms:UpdateAlias"); err != nil {
		return err
	}
	if old != nil && (old.KeySpec != k.KeySpec || old.KeyUsage != k.KeyUsage) {
		return errorf(ErrValidation, "alias %s points to a key of another type or usage; the new target must match", c.Name)
	}
	s.retargetAlias(aid, a, c.ID, c.At)
	return nil
}

func (s *State) applyDeleteAlias(c *aliasCmd) error {
	aid := aliasID{s.account(c.Account), c.Name}
	a, ok := s.aliases[aid]
	if !ok {
		return errorf(ErrNotFound, "Alias %s is not found.", s.arn.In(aid.account).Alias(c.Name))
	}
	if k := s.keys[a.KeyID]; k != nil && isServiceAlias(c.Name) {
		if err := s.checkCustomerKey(k, "kms:DeleteAlias"); err != nil {
			return err
		}
	}
	s.dropAlias(aid)
	return nil
}

// accountKey is liveKey for a key that must belong to account: a key of another account is
// not found, as an alias can only name a key of its own account.
func (s *State) accountKey(account string, id wrap.KeyID) (*Key, error) {
	k, err := s.liveKey(id)
	if err != nil {
		return nil, err
	}
	if s.cmkAccount(k) != account {
		return nil, errorf(ErrNotFound, "Key '%s' does not exist", s.arn.In(account).Key(id))
	}
	return k, nil
}
