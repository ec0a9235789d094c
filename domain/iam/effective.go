package iam

import "github.com/keyhold/keyhold/domain/policy"

// UserPolicies returns the identity-based policies that apply to user u, compiled: its inline
// policies, the default version of each managed policy attached to it, and the same for each
// group it belongs to. A policy that did not compile on restore (nil) is left out: it grants
// nothing, and its deny statements are lost with it, which is why Restore keeps compiling with
// the parser that accepted the document.
func (s *Store) UserPolicies(u *User) []*policy.Policy {
	var out []*policy.Policy
	add := func(inline []*InlinePolicy, attached []string) {
		for _, p := range inline {
			if p.compiled != nil {
				out = append(out, p.compiled)
			}
		}
		for _, mp := range s.AttachedPolicies(u.Account, attached) {
			if v := mp.Default(); v != nil && v.compiled != nil {
				out = append(out, v.compiled)
			}
		}
	}
	add(u.Inline, u.Attached)
	for _, g := range s.GroupsForUser(u.Account, u) {
		add(g.Inline, g.Attached)
	}
	return out
}

// UserARN is u's ARN.
func (s *Store) UserARN(u *User) string { return s.ARN(u.Account, "user", u.Path, u.Name) }

// GroupARN is g's ARN.
func (s *Store) GroupARN(g *Group) string { return s.ARN(g.Account, "group", g.Path, g.Name) }

// UserByID returns the user of account whose unique id is id, or nil.
func (s *Store) UserByID(account, id string) *User {
	for k, u := range s.users {
		if k.account == account && u.ID == id {
			return u
		}
	}
	return nil
}
