package iam

import (
	"slices"
	"strings"

	"github.com/keyhold/keyhold/domain/policy"
)

// Role quotas, as AWS's defaults (IAM and STS quotas page).
const (
	// MaxRolesPerAccount is IAM's default roles-per-account quota.
	MaxRolesPerAccount = 1000
	// MaxRoleInlineSize bounds the inline policies of one role together (characters, white
	// space not counted).
	MaxRoleInlineSize = 10240
	// MaxRoleAttached is the managed policies attached to one role.
	MaxRoleAttached = 10
	// MinRoleSession and MaxRoleSession bound a role's MaxSessionDuration (seconds).
	MinRoleSession, MaxRoleSession = 3600, 43200
)

// CreateRoleInput is the body of CreateRole; the service generated ID.
type CreateRoleInput struct {
	Name, Path, ID, Description string
	TrustPolicy                 string
	MaxSessionDuration          int
	Tags                        []Tag
}

// RoleNameInput names a role (DeleteRole).
type RoleNameInput struct{ Name string }

// UpdateRoleInput is UpdateRole's body: nil fields stay unchanged.
type UpdateRoleInput struct {
	Name               string
	Description        *string
	MaxSessionDuration *int
}

// UpdateTrustInput is UpdateAssumeRolePolicy's body.
type UpdateTrustInput struct{ Name, TrustPolicy string }

// RolePolicyInput is PutRolePolicy's body (Document empty for DeleteRolePolicy).
type RolePolicyInput struct{ Role, PolicyName, Document string }

// RoleAttachInput is Attach/DetachRolePolicy's body.
type RoleAttachInput struct{ Role, PolicyARN string }

// RoleTagsInput is TagRole's body (Keys for UntagRole).
type RoleTagsInput struct {
	Role string
	Tags []Tag
	Keys []string
}

func init() {
	ops["CreateRole"] = op(applyCreateRole)
	ops["DeleteRole"] = op(applyDeleteRole)
	ops["UpdateRole"] = op(applyUpdateRole)
	ops["UpdateAssumeRolePolicy"] = op(applyUpdateTrust)
	ops["PutRolePolicy"] = op(applyPutRolePolicy)
	ops["DeleteRolePolicy"] = op(applyDeleteRolePolicy)
	ops["AttachRolePolicy"] = op(applyAttachRolePolicy)
	ops["DetachRolePolicy"] = op(applyDetachRolePolicy)
	ops["TagRole"] = op(applyTagRole)
	ops["UntagRole"] = op(applyUntagRole)
}

func applyCreateRole(s *Store, c *Command, in *CreateRoleInput) error {
	if err := CheckRoleName("roleName", in.Name); err != nil {
		return err
	}
	if in.Path == "" {
		in.Path = "/"
	}
	if err := CheckRolePath(in.Path); err != nil {
		return err
	}
	if err := CheckRoleDescription(in.Description); err != nil {
		return err
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = MinRoleSession
	}
	if err := CheckMaxSessionDuration(in.MaxSessionDuration); err != nil {
		return err
	}
	if err := checkID(in.ID, "AROA"); err != nil {
		return err
	}
	if err := CheckRoleTags(in.Tags); err != nil {
		return err
	}
	if len(in.Tags) > MaxTags {
		return errorf(ErrLimitExceeded, "Cannot exceed quota for TagsPerRole: %d.", MaxTags)
	}
	if s.Role(c.Account, in.Name) != nil {
		return errorf(ErrEntityAlreadyExists, "Role with name %s already exists.", in.Name)
	}
	if countIn(s.roles, c.Account) >= MaxRolesPerAccount {
		return errorf(ErrLimitExceeded, "Cannot exceed quota for RolesPerAccount: %d.", MaxRolesPerAccount)
	}
	for _, r := range s.roles {
		if r.ID == in.ID {
			return errorf(ErrRejected, "role id %s is in use", in.ID)
		}
	}
	trust, err := Compile(in.TrustPolicy, KindTrust, s.ARN(c.Account, "role", in.Path, in.Name))
	if err != nil {
		return err
	}
	s.roles[keyOf(c.Account, in.Name)] = &Role{
		Account: c.Account, Name: in.Name, Path: in.Path, ID: in.ID, Description: in.Description,
		CreatedAt: c.At, MaxSessionDuration: in.MaxSessionDuration, TrustPolicy: in.TrustPolicy,
		trust: trust, Tags: sortedTags(in.Tags),
	}
	return nil
}

// role returns a copy of the named role to modify, or NoSuchEntity.
func (s *Store) roleCopy(account, name string) (*Role, error) {
	r := s.Role(account, name)
	if r == nil {
		return nil, errorf(ErrNoSuchEntity, "The role with name %s cannot be found.", name)
	}
	c := *r
	return &c, nil
}

func (s *Store) putRole(r *Role) { s.roles[keyOf(r.Account, r.Name)] = r }

func applyDeleteRole(s *Store, c *Command, in *RoleNameInput) error {
	r, err := s.roleCopy(c.Account, in.Name)
	if err != nil {
		return err
	}
	if len(r.Inline) > 0 {
		return errorf(ErrDeleteConflict, "Cannot delete entity, must delete policies first.")
	}
	if len(r.Attached) > 0 {
		return errorf(ErrDeleteConflict, "Cannot delete entity, must detach all policies first.")
	}
	delete(s.roles, keyOf(c.Account, in.Name))
	return nil
}

func applyUpdateRole(s *Store, c *Command, in *UpdateRoleInput) error {
	r, err := s.roleCopy(c.Account, in.Name)
	if err != nil {
		return err
	}
	if in.Description != nil {
		if err := CheckRoleDescription(*in.Description); err != nil {
			return err
		}
		r.Description = *in.Description
	}
	if in.MaxSessionDuration != nil {
		if err := CheckMaxSessionDuration(*in.MaxSessionDuration); err != nil {
			return err
		}
		r.MaxSessionDuration = *in.MaxSessionDuration
	}
	s.putRole(r)
	return nil
}

func applyUpdateTrust(s *Store, c *Command, in *UpdateTrustInput) error {
	r, err := s.roleCopy(c.Account, in.Name)
	if err != nil {
		return err
	}
	trust, err := Compile(in.TrustPolicy, KindTrust, s.ARN(r.Account, "role", r.Path, r.Name))
	if err != nil {
		return err
	}
	r.TrustPolicy, r.trust = in.TrustPolicy, trust
	s.putRole(r)
	return nil
}

func applyPutRolePolicy(s *Store, c *Command, in *RolePolicyInput) error {
	if err := CheckRoleName("policyName", in.PolicyName); err != nil {
		return err
	}
	r, err := s.roleCopy(c.Account, in.Role)
	if err != nil {
		return err
	}
	compiled, err := Compile(in.Document, KindRolePolicy, in.PolicyName)
	if err != nil {
		return err
	}
	p := &InlinePolicy{Name: in.PolicyName, Document: in.Document, compiled: compiled}
	inline := make([]*InlinePolicy, 0, len(r.Inline)+1)
	total := docChars(in.Document)
	for _, q := range r.Inline {
		if q.Name != in.PolicyName {
			inline = append(inline, q)
			total += docChars(q.Document)
		}
	}
	if total > MaxRoleInlineSize {
		return errorf(ErrLimitExceeded, "Maximum policy size of %d bytes exceeded for role %s", MaxRoleInlineSize, r.Name)
	}
	inline = append(inline, p)
	slices.SortFunc(inline, func(a, b *InlinePolicy) int { return strings.Compare(a.Name, b.Name) })
	r.Inline = inline
	s.putRole(r)
	return nil
}

func applyDeleteRolePolicy(s *Store, c *Command, in *RolePolicyInput) error {
	r, err := s.roleCopy(c.Account, in.Role)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(r.Inline, func(p *InlinePolicy) bool { return p.Name == in.PolicyName })
	if i < 0 {
		return errorf(ErrNoSuchEntity, "The role policy with name %s cannot be found.", in.PolicyName)
	}
	r.Inline = slices.Delete(slices.Clone(r.Inline), i, i+1)
	s.putRole(r)
	return nil
}

// ManagedPolicyByARN resolves a customer managed policy ARN of account, or nil. A policy of
// another account, or one whose path differs from the ARN's, is not found.
func (s *Store) ManagedPolicyByARN(account, arn string) *ManagedPolicy {
	acct, path, name, ok := s.ParsePolicyARN(arn)
	if !ok || acct != account {
		return nil
	}
	p := s.Policy(acct, name)
	if p == nil || p.Path != path || p.Name != name {
		return nil
	}
	return p
}

func applyAttachRolePolicy(s *Store, c *Command, in *RoleAttachInput) error {
	r, err := s.roleCopy(c.Account, in.Role)
	if err != nil {
		return err
	}
	if s.ManagedPolicyByARN(c.Account, in.PolicyARN) == nil {
		return errorf(ErrNoSuchEntity, "Policy %s does not exist or is not attachable.", in.PolicyARN)
	}
	if slices.Contains(r.Attached, in.PolicyARN) {
		return nil // AWS answers success for an attachment that exists
	}
	if len(r.Attached) >= MaxRoleAttached {
		return errorf(ErrLimitExceeded, "Cannot exceed quota for PoliciesPerRole: %d.", MaxRoleAttached)
	}
	r.Attached = append(slices.Clone(r.Attached), in.PolicyARN)
	slices.Sort(r.Attached)
	s.putRole(r)
	return nil
}

func applyDetachRolePolicy(s *Store, c *Command, in *RoleAttachInput) error {
	r, err := s.roleCopy(c.Account, in.Role)
	if err != nil {
		return err
	}
	i := slices.Index(r.Attached, in.PolicyARN)
	if i < 0 {
		return errorf(ErrNoSuchEntity, "Policy %s was not found.", in.PolicyARN)
	}
	r.Attached = slices.Delete(slices.Clone(r.Attached), i, i+1)
	s.putRole(r)
	return nil
}

func applyTagRole(s *Store, c *Command, in *RoleTagsInput) error {
	if err := CheckRoleTags(in.Tags); err != nil {
		return err
	}
	r, err := s.roleCopy(c.Account, in.Role)
	if err != nil {
		return err
	}
	tags := mergeTags(r.Tags, in.Tags)
	if len(tags) > MaxTags {
		return errorf(ErrLimitExceeded, "Cannot exceed quota for TagsPerRole: %d.", MaxTags)
	}
	r.Tags = sortedTags(tags)
	s.putRole(r)
	return nil
}

func applyUntagRole(s *Store, c *Command, in *RoleTagsInput) error {
	r, err := s.roleCopy(c.Account, in.Role)
	if err != nil {
		return err
	}
	r.Tags = removeTags(r.Tags, in.Keys)
	s.putRole(r)
	return nil
}

func sortedTags(tags []Tag) []Tag {
	out := slices.Clone(tags)
	slices.SortStableFunc(out, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// RolePolicies returns the compiled identity policies of a role: its inline policies and the
// default versions of its attached managed policies. A document that no longer compiles, or an
// attachment whose policy is gone, contributes nothing (it grants nothing).
func (s *Store) RolePolicies(r *Role) []*policy.Policy {
	out := make([]*policy.Policy, 0, len(r.Inline)+len(r.Attached))
	for _, p := range r.Inline {
		if p.compiled != nil {
			out = append(out, p.compiled)
		}
	}
	for _, arn := range r.Attached {
		if mp := s.ManagedPolicyByARN(r.Account, arn); mp != nil {
			if v := mp.Default(); v != nil && v.compiled != nil {
				out = append(out, v.compiled)
			}
		}
	}
	return out
}
