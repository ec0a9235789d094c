package iam

import "sort"

// AttachUserPolicyInput attaches a managed policy (by ARN) to a user; Detach removes it.
type AttachUserPolicyInput struct{ User, ARN string }

// DetachUserPolicyInput detaches a managed policy from a user.
type DetachUserPolicyInput AttachUserPolicyInput

// AttachGroupPolicyInput attaches a managed policy to a group.
type AttachGroupPolicyInput struct{ Group, ARN string }

// DetachGroupPolicyInput detaches a managed policy from a group.
type DetachGroupPolicyInput AttachGroupPolicyInput

// Op names the operation.
func (AttachUserPolicyInput) Op() string { return "AttachUserPolicy" }

// Op names the operation.
func (DetachUserPolicyInput) Op() string { return "DetachUserPolicy" }

// Op names the operation.
func (AttachGroupPolicyInput) Op() string { return "AttachGroupPolicy" }

// Op names the operation.
func (DetachGroupPolicyInput) Op() string { return "DetachGroupPolicy" }

func applyAttachUserPolicy(s *Store, c *Command, in *AttachUserPolicyInput) error {
	u, err := s.user(c.Account, in.User)
	if err != nil {
		return err
	}
	list, err := s.attach(c.Account, u.Attached, in.ARN)
	if err != nil {
		return err
	}
	n := *u
	n.Attached = list
	s.users[keyOf(c.Account, u.Name)] = &n
	return nil
}

func applyDetachUserPolicy(s *Store, c *Command, in *DetachUserPolicyInput) error {
	u, err := s.user(c.Account, in.User)
	if err != nil {
		return err
	}
	list, err := detach(u.Attached, in.ARN)
	if err != nil {
		return err
	}
	n := *u
	n.Attached = list
	s.users[keyOf(c.Account, u.Name)] = &n
	return nil
}

func applyAttachGroupPolicy(s *Store, c *Command, in *AttachGroupPolicyInput) error {
	g, err := s.group(c.Account, in.Group)
	if err != nil {
		return err
	}
	list, err := s.attach(c.Account, g.Attached, in.ARN)
	if err != nil {
		return err
	}
	n := *g
	n.Attached = list
	s.groups[keyOf(c.Account, g.Name)] = &n
	return nil
}

func applyDetachGroupPolicy(s *Store, c *Command, in *DetachGroupPolicyInput) error {
	g, err := s.group(c.Account, in.Group)
	if err != nil {
		return err
	}
	list, err := detach(g.Attached, in.ARN)
	if err != nil {
		return err
	}
	n := *g
	n.Attached = list
	s.groups[keyOf(c.Account, g.Name)] = &n
	return nil
}

// attach returns a sorted copy of list with arn added, after checking that arn is a managed
// policy of account and that the entity stays within its attached-policy quota. Attaching a
// policy already attached succeeds and changes nothing, as in AWS.
func (s *Store) attach(account string, list []string, arn string) ([]string, error) {
	if _, err := s.PolicyByARN(account, arn); err != nil {
		return nil, err
	}
	if hasARN(list, arn) {
		return list, nil
	}
	if len(list) >= MaxAttachedPerEntity {
		return nil, errorf(ErrLimitExceeded, "Cannot exceed quota for PoliciesPerUser: %d", MaxAttachedPerEntity)
	}
	out := append(append([]string(nil), list...), arn)
	sort.Strings(out)
	return out, nil
}

func detach(list []string, arn string) ([]string, error) {
	if !hasARN(list, arn) {
		return nil, errorf(ErrNoSuchEntity, "Policy %s was not found.", arn)
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		if a != arn {
			out = append(out, a)
		}
	}
	return out, nil
}

// AttachedPolicies resolves a list of attached ARNs to the policies (a policy deleted since is
// impossible: DeletePolicy refuses while attached, but a missing one is skipped).
func (s *Store) AttachedPolicies(account string, arns []string) []*ManagedPolicy {
	out := make([]*ManagedPolicy, 0, len(arns))
	for _, a := range arns {
		if p, err := s.PolicyByARN(account, a); err == nil {
			out = append(out, p)
		}
	}
	return out
}
