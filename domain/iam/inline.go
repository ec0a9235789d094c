package iam

import "sort"

// PutUserPolicyInput adds or replaces an inline policy of a user.
type PutUserPolicyInput struct{ User, Name, Document string }

// DeleteUserPolicyInput deletes an inline policy of a user.
type DeleteUserPolicyInput struct{ User, Name string }

// PutGroupPolicyInput adds or replaces an inline policy of a group.
type PutGroupPolicyInput struct{ Group, Name, Document string }

// DeleteGroupPolicyInput deletes an inline policy of a group.
type DeleteGroupPolicyInput struct{ Group, Name string }

// Op names the operation.
func (PutUserPolicyInput) Op() string { return "PutUserPolicy" }

// Op names the operation.
func (DeleteUserPolicyInput) Op() string { return "DeleteUserPolicy" }

// Op names the operation.
func (PutGroupPolicyInput) Op() string { return "PutGroupPolicy" }

// Op names the operation.
func (DeleteGroupPolicyInput) Op() string { return "DeleteGroupPolicy" }

func applyPutUserPolicy(s *Store, c *Command, in *PutUserPolicyInput) error {
	u, err := s.user(c.Account, in.User)
	if err != nil {
		return err
	}
	ps, err := putInline(u.Inline, in.Name, in.Document, KindUserPolicy, MaxUserInlineChars, "user")
	if err != nil {
		return err
	}
	n := *u
	n.Inline = ps
	s.users[keyOf(c.Account, u.Name)] = &n
	return nil
}

func applyDeleteUserPolicy(s *Store, c *Command, in *DeleteUserPolicyInput) error {
	u, err := s.user(c.Account, in.User)
	if err != nil {
		return err
	}
	ps, err := deleteInline(u.Inline, in.Name, "user")
	if err != nil {
		return err
	}
	n := *u
	n.Inline = ps
	s.users[keyOf(c.Account, u.Name)] = &n
	return nil
}

func applyPutGroupPolicy(s *Store, c *Command, in *PutGroupPolicyInput) error {
	g, err := s.group(c.Account, in.Group)
	if err != nil {
		return err
	}
	ps, err := putInline(g.Inline, in.Name, in.Document, KindGroupPolicy, MaxGroupInlineChars, "group")
	if err != nil {
		return err
	}
	n := *g
	n.Inline = ps
	s.groups[keyOf(c.Account, g.Name)] = &n
	return nil
}

func applyDeleteGroupPolicy(s *Store, c *Command, in *DeleteGroupPolicyInput) error {
	g, err := s.group(c.Account, in.Group)
	if err != nil {
		return err
	}
	ps, err := deleteInline(g.Inline, in.Name, "group")
	if err != nil {
		return err
	}
	n := *g
	n.Inline = ps
	s.groups[keyOf(c.Account, g.Name)] = &n
	return nil
}

// putInline returns a new list with the policy name set to doc (replacing one of the same
// name, compared as IAM names are), after compiling it and checking the entity's aggregate size
// quota: every inline policy of a user counts towards one 2,048-character budget.
func putInline(list []*InlinePolicy, name, doc string, kind DocumentKind, budget int, entity string) ([]*InlinePolicy, error) {
	if err := checkName("policyName", name, MaxPolicyNameLen); err != nil {
		return nil, err
	}
	p, err := Compile(doc, kind, name)
	if err != nil {
		return nil, err
	}
	out := make([]*InlinePolicy, 0, len(list)+1)
	total := docChars(doc)
	for _, q := range list {
		if keyOf("", q.Name).name != keyOf("", name).name {
			out = append(out, q)
			total += docChars(q.Document)
		}
	}
	if total > budget {
		return nil, errorf(ErrLimitExceeded, "Maximum policy size of %d bytes exceeded for %s.", budget, entity)
	}
	out = append(out, &InlinePolicy{Name: name, Document: doc, compiled: p})
	sort.Slice(out, func(i, j int) bool { return keyOf("", out[i].Name).name < keyOf("", out[j].Name).name })
	return out, nil
}

func deleteInline(list []*InlinePolicy, name, entity string) ([]*InlinePolicy, error) {
	out := make([]*InlinePolicy, 0, len(list))
	for _, q := range list {
		if keyOf("", q.Name).name != keyOf("", name).name {
			out = append(out, q)
		}
	}
	if len(out) == len(list) {
		return nil, errorf(ErrNoSuchEntity, "The %s policy with name %s cannot be found.", entity, name)
	}
	return out, nil
}

// InlinePolicyNamed returns the inline policy name (any case) of list, or nil.
func InlinePolicyNamed(list []*InlinePolicy, name string) *InlinePolicy {
	for _, q := range list {
		if keyOf("", q.Name).name == keyOf("", name).name {
			return q
		}
	}
	return nil
}
