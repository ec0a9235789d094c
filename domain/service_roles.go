package domain

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"slices"
	"strings"

	"github.com/keyhold/keyhold/domain/iam"
)

// roleOps are the identity operations RoleCommand proposes: the role half of IAM.
var roleOps = []string{"DeleteRole", "UpdateRole", "UpdateAssumeRolePolicy", "PutRolePolicy",
	"DeleteRolePolicy", "AttachRolePolicy", "DetachRolePolicy", "TagRole", "UntagRole"}

// newRoleID returns a role's unique id: "AROA" and 16 upper-case base32 characters from the
// random source, as AWS's role ids look.
func newRoleID() (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", dependencyError("generating a role id", err)
	}
	return "AROA" + base32.StdEncoding.EncodeToString(b[:])[:16], nil
}

// CreateRole creates a role in account and returns it as stored.
func (s *Service) CreateRole(ctx context.Context, account string, in iam.CreateRoleInput) (*iam.Role, error) {
	id, err := newRoleID()
	if err != nil {
		return nil, err
	}
	in.ID = id
	if err := s.proposeIAM(ctx, "CreateRole", account, in); err != nil {
		return nil, err
	}
	return s.Role(account, in.Name)
}

// RoleCommand proposes one change to an existing role (op is one of roleOps; body is its
// input struct from domain/iam).
func (s *Service) RoleCommand(ctx context.Context, op, account string, body any) error {
	if !slices.Contains(roleOps, op) {
		return errorf(ErrValidation, "unknown role operation %s", op)
	}
	return s.proposeIAM(ctx, op, account, body)
}

// Role returns the role name of account (NoSuchEntity when absent). Roles are immutable once
// stored, so the pointer may be read outside the state lock.
func (s *Service) Role(account, name string) (*iam.Role, error) {
	var r *iam.Role
	s.st.View(func(v *View) { r = v.IAM().Role(account, name) })
	if r == nil {
		return nil, errorf(ErrNotFound, "The role with name %s cannot be found.", name)
	}
	return r, nil
}

// Roles lists the roles of account whose path starts with pathPrefix, in name order.
func (s *Service) Roles(account, pathPrefix string) []*iam.Role {
	var out []*iam.Role
	s.st.View(func(v *View) {
		for _, r := range v.IAM().Roles(account) {
			if strings.HasPrefix(r.Path, pathPrefix) {
				out = append(out, r)
			}
		}
	})
	return out
}

// RoleARN is the ARN of r.
func (s *Service) RoleARN(r *iam.Role) string {
	path := r.Path
	if path == "" {
		path = "/"
	}
	return "arn:" + s.cfg.ARNs.Partition + ":iam::" + r.Account + ":role" + path + r.Name
}

// ManagedPolicyName returns the name of the managed policy arn of account as the store holds
// it ("" when it is gone), for ListAttachedRolePolicies.
func (s *Service) ManagedPolicyName(account, arn string) string {
	var name string
	s.st.View(func(v *View) {
		if p := v.IAM().ManagedPolicyByARN(account, arn); p != nil {
			name = p.Name
		}
	})
	if name == "" {
		if i := strings.LastIndexByte(arn, '/'); i >= 0 {
			name = arn[i+1:]
		}
	}
	return name
}

// IAMError maps an error of the identity model (a parameter check the API runs before
// proposing) to the domain's kinds; other errors pass unchanged.
func IAMError(err error) error { return iamError(err) }
