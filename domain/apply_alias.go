package domain

// applyCreateAlias creates an alias. A command with AWSManaged set names a service alias
// (alias/aws/...) and marks its target an AWS managed key; sent again for an alias that already
// points at that key, it marks a key an earlier version created (see managed.go).
func (s *State) applyCreateAlias(c *aliasCmd) error {
	if c.AWSManaged && !isServiceAlias(c.Name) {
		return errorf(ErrInvalidAliasName, "only an alias under %s can name an AWS managed key", serviceAliasPrefix)
	}
	if a, ok := s.aliases[c.Name]; ok {
		if a.KeyID == c.ID && (a.CreatedAt.Equal(c.At) || c.AWSManaged) {
			if k := s.keys[c.ID]; k != nil && c.AWSManaged {
				markAWSManaged(s.editKey(k), c.At)
			}
			return nil // retried, or a marking
		}
		return errorf(ErrAlreadyExists, "An alias with the name %s already exists", s.arn.Alias(c.Name))
	}
	k, err := s.liveKey(c.ID)
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
	s.aliases[c.Name] = &Alias{Name: c.Name, KeyID: c.ID, CreatedAt: c.At, UpdatedAt: c.At}
	if isServiceAlias(c.Name) {
		s.serviceAliases[c.Name] = struct{}{}
	}
	return nil
}

func (s *State) applyUpdateAlias(c *aliasCmd) error {
	a, ok := s.aliases[c.Name]
	if !ok {
		return errorf(ErrNotFound, "Alias %s is not found.", s.arn.Alias(c.Name))
	}
	k, err := s.liveKey(c.ID)
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
	a.KeyID = c.ID
	a.UpdatedAt = c.At
	return nil
}

func (s *State) applyDeleteAlias(c *aliasCmd) error {
	a, ok := s.aliases[c.Name]
	if !ok {
		return errorf(ErrNotFound, "Alias %s is not found.", s.arn.Alias(c.Name))
	}
	if k := s.keys[a.KeyID]; k != nil && isServiceAlias(c.Name) {
		if err := s.checkCustomerKey(k, "kms:DeleteAlias"); err != nil {
			return err
		}
	}
	delete(s.aliases, c.Name)
	delete(s.serviceAliases, c.Name)
	return nil
}
