package domain

func (s *State) applyCreateAlias(c *aliasCmd) error {
	if a, ok := s.aliases[c.Name]; ok {
		if a.KeyID == c.ID && a.CreatedAt.Equal(c.At) {
			return nil // retried
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
	s.aliases[c.Name] = &Alias{Name: c.Name, KeyID: c.ID, CreatedAt: c.At, UpdatedAt: c.At}
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
	if old != nil && (old.KeySpec != k.KeySpec || old.KeyUsage != k.KeyUsage) {
		return errorf(ErrValidation, "alias %s points to a key of another type or usage; the new target must match", c.Name)
	}
	a.KeyID = c.ID
	a.UpdatedAt = c.At
	return nil
}

func (s *State) applyDeleteAlias(c *aliasCmd) error {
	if _, ok := s.aliases[c.Name]; !ok {
		return errorf(ErrNotFound, "Alias %s is not found.", s.arn.Alias(c.Name))
	}
	delete(s.aliases, c.Name)
	return nil
}
