package domain

// applyPutKeyPolicy replaces a customer managed key's policy. The service checked the document
// and the lockout rule; Apply checks what the state decides (the key, its manager, its state)
// and that the text parses, so a forwarded command cannot store a policy nothing can read.
func (s *State) applyPutKeyPolicy(c *putKeyPolicyCmd) error {
	k, err := s.liveKey(c.ID)
	if err != nil {
		return err
	}
	if err := s.checkCustomerKey(k, "kms:PutKeyPolicy"); err != nil {
		return err
	}
	if err := s.notPendingDeletion(k); err != nil {
		return err
	}
	if c.Policy != "" {
		if len(c.Policy) > MaxPolicy {
			return errorf(ErrValidation, "the key policy exceeds %d bytes", MaxPolicy)
		}
		if _, err := parseKeyPolicy(c.Policy); err != nil {
			return err
		}
	}
	k = s.editKey(k) // copy-on-write: a snapshot may hold the old key (state_keys.go)
	k.Policy = c.Policy
	s.keyPols.set(k)
	return nil
}
