package domain

import (
	"encoding/json"
	"strings"

	"github.com/keyhold/keyhold/domain/iam"
)

// IAM operations that touch the access-key registry (State.principals) travel in cmdIAM like
// the rest of the identity model, but are applied here: the registry is the domain's, and an
// access key is the same record whether it belongs to a user or to an account's root. Two
// model operations are wrapped: DeleteUser must find no access key of the user (AWS's
// DeleteConflict), and UpdateUser renames the user's keys with the user, in one command.
type stateIAMOp struct {
	apply func(s *State, c *iam.Command) error
	// check validates a forwarded body; nil: the model's own check (iam.CheckCommand).
	check func(body []byte) error
}

var stateIAMOps = map[string]stateIAMOp{
	"CreateAccessKey": keyOp((*State).applyCreateAccessKey),
	"UpdateAccessKey": keyOp((*State).applyUpdateAccessKey),
	"DeleteAccessKey": keyOp((*State).applyDeleteAccessKey),
	"DeleteUser":      {apply: (*State).applyDeleteIAMUser},
	"UpdateUser":      {apply: (*State).applyUpdateIAMUser},
}

// CreateAccessKeyInput adds an access key to the registry: the sealed secret and its owner, a
// user (User set) or the account's root (Root set).
type CreateAccessKeyInput struct{ Principal Principal }

// AccessKeyInput names an access key and its owner: User, or "" for the account's root.
type AccessKeyInput struct {
	AccessKeyID string
	User        string `json:",omitempty"`
	// Inactive is UpdateAccessKey's new status.
	Inactive bool `json:",omitempty"`
}

func keyOp[T any](fn func(s *State, c *iam.Command, in *T) error) stateIAMOp {
	return stateIAMOp{
		apply: func(s *State, c *iam.Command) error {
			var in T
			if err := json.Unmarshal(c.Body, &in); err != nil {
				return rejected("undecodable " + c.Op + " body")
			}
			if s.iam.Account(c.Account) == nil {
				return errorf(ErrNotFound, "The account %s does not exist.", c.Account)
			}
			return fn(s, c, &in)
		},
		check: func(body []byte) error {
			_, err := decodeStrict[T](body)
			return err
		},
	}
}

// keyAccount is the account a key belongs to: keys written before accounts existed belong to
// the domain's first account.
func (s *State) keyAccount(p *Principal) string {
	if p.Account == "" {
		return s.arn.Account
	}
	return p.Account
}

// ownedBy reports whether p belongs to user of account ("" = the account's root).
func (s *State) ownedBy(p *Principal, account, user string) bool {
	if isSTSKeyRecord(p) || s.keyAccount(p) != account {
		return false
	}
	if user == "" {
		return p.Root || p.User == ""
	}
	return !p.Root && strings.EqualFold(p.User, user)
}

// keysOf counts the access keys of user ("" = root) in account.
func (s *State) keysOf(account, user string) int {
	n := 0
	s.principalsOf(account, user, func(*Principal) { n++ })
	return n
}

func (s *State) applyCreateAccessKey(c *iam.Command, in *CreateAccessKeyInput) error {
	p := in.Principal
	if old, ok := s.principals[p.AccessKeyID]; ok {
		if old.CreatedAt.Equal(p.CreatedAt) {
			return nil // a retried proposal
		}
		return errorf(ErrAlreadyExists, "access key %s already exists", p.AccessKeyID)
	}
	if p.Account != c.Account || p.Root == (p.User != "") || len(p.Token) == 0 {
		return rejected("CreateAccessKey names another account, or both or neither of a user and the root")
	}
	owner := "root"
	if p.User != "" {
		u := s.iam.User(c.Account, p.User)
		if u == nil {
			return errorf(ErrNotFound, "The user with name %s cannot be found.", p.User)
		}
		p.User, owner = u.Name, "user "+u.Name
	}
	if s.keysOf(c.Account, p.User) >= iam.MaxAccessKeysPerUser {
		return errorf(ErrLimitExceeded, "Cannot exceed quota for AccessKeysPerUser: %d", iam.MaxAccessKeysPerUser)
	}
	if err := s.checkCurrentDK(p.DKVersion); err != nil {
		return err
	}
	p.Name = owner
	s.putPrincipal(&p)
	return nil
}

// ownedKey returns the key in.AccessKeyID if it belongs to in.User (or the root) of account.
func (s *State) ownedKey(account string, in *AccessKeyInput) (*Principal, error) {
	p := s.principals[in.AccessKeyID]
	if p == nil || !s.ownedBy(p, account, in.User) {
		return nil, errorf(ErrNotFound, "The Access Key with id %s cannot be found.", in.AccessKeyID)
	}
	return p, nil
}

func (s *State) applyUpdateAccessKey(c *iam.Command, in *AccessKeyInput) error {
	p, err := s.ownedKey(c.Account, in)
	if err != nil {
		return err
	}
	n := *p
	n.Inactive = in.Inactive
	s.putPrincipal(&n)
	return nil
}

func (s *State) applyDeleteAccessKey(c *iam.Command, in *AccessKeyInput) error {
	p, err := s.ownedKey(c.Account, in)
	if err != nil {
		return err
	}
	s.deletePrincipal(p.AccessKeyID)
	return nil
}

func (s *State) applyDeleteIAMUser(c *iam.Command) error {
	var in iam.DeleteUserInput
	if err := json.Unmarshal(c.Body, &in); err != nil {
		return rejected("undecodable DeleteUser body")
	}
	if u := s.iam.User(c.Account, in.Name); u != nil && s.keysOf(c.Account, u.Name) > 0 {
		return errorf(ErrDeleteConflict, "Cannot delete entity, must delete access keys first.")
	}
	return iamError(s.iam.Apply(c))
}

func (s *State) applyUpdateIAMUser(c *iam.Command) error {
	var in iam.UpdateUserInput
	if err := json.Unmarshal(c.Body, &in); err != nil {
		return rejected("undecodable UpdateUser body")
	}
	u := s.iam.User(c.Account, in.Name)
	if err := iamError(s.iam.Apply(c)); err != nil {
		return err
	}
	if in.NewName == "" {
		return nil
	}
	var owned []*Principal
	s.principalsOf(c.Account, u.Name, func(p *Principal) { owned = append(owned, p) })
	for _, p := range owned {
		n := *p
		n.User, n.Name = in.NewName, "user "+in.NewName
		s.putPrincipal(&n)
	}
	return nil
}
