package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Command is one change to the model, as the proposer built it: the operation, the account it
// acts in, the time it was made (Apply reads no clock) and the operation's own body.
type Command struct {
	Op      string
	Account string
	At      time.Time
	Body    json.RawMessage
}

// NewCommand builds a command; body is the operation's input struct (see ops).
func NewCommand(op, account string, at time.Time, body any) (Command, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return Command{}, fmt.Errorf("iam: encode %s: %w", op, err)
	}
	return Command{Op: op, Account: account, At: at, Body: b}, nil
}

// opSpec is one operation: apply decodes the body and changes the store, check (forwarding
// only) validates the body strictly.
type opSpec struct {
	apply func(s *Store, c *Command) error
	check func(body []byte) error
}

// op makes an opSpec whose body is a T.
func op[T any](fn func(s *Store, c *Command, in *T) error) opSpec {
	return opSpec{
		apply: func(s *Store, c *Command) error {
			var in T
			if err := json.Unmarshal(c.Body, &in); err != nil {
				return errorf(ErrRejected, "undecodable %s body: %v", c.Op, err)
			}
			return fn(s, c, &in)
		},
		check: func(body []byte) error {
			var in T
			d := json.NewDecoder(bytes.NewReader(body))
			d.DisallowUnknownFields()
			if err := d.Decode(&in); err != nil {
				return errorf(ErrRejected, "undecodable body: %v", err)
			}
			return nil
		},
	}
}

// ops is the table of operations. A new operation is an entry here and a function in the
// file of its entity.
var ops = map[string]opSpec{
	"CreateAccount": op(applyCreateAccount),

	"CreateUser":              op(applyCreateUser),
	"DeleteUser":              op(applyDeleteUser),
	"UpdateUser":              op(applyUpdateUser),
	"TagUser":                 op(applyTagUser),
	"UntagUser":               op(applyUntagUser),
	"CreateGroup":             op(applyCreateGroup),
	"DeleteGroup":             op(applyDeleteGroup),
	"AddUserToGroup":          op(applyAddUserToGroup),
	"RemoveUserFromGroup":     op(applyRemoveUserFromGroup),
	"PutUserPolicy":           op(applyPutUserPolicy),
	"DeleteUserPolicy":        op(applyDeleteUserPolicy),
	"PutGroupPolicy":          op(applyPutGroupPolicy),
	"DeleteGroupPolicy":       op(applyDeleteGroupPolicy),
	"CreatePolicy":            op(applyCreatePolicy),
	"CreatePolicyVersion":     op(applyCreatePolicyVersion),
	"DeletePolicyVersion":     op(applyDeletePolicyVersion),
	"SetDefaultPolicyVersion": op(applySetDefaultPolicyVersion),
	"DeletePolicy":            op(applyDeletePolicy),
	"AttachUserPolicy":        op(applyAttachUserPolicy),
	"DetachUserPolicy":        op(applyDetachUserPolicy),
	"AttachGroupPolicy":       op(applyAttachGroupPolicy),
	"DetachGroupPolicy":       op(applyDetachGroupPolicy),
}

// Apply applies c. It is deterministic and changes nothing when it fails. The caller (the
// domain's Apply) holds the state's write lock.
func (s *Store) Apply(c *Command) error {
	spec, ok := ops[c.Op]
	if !ok {
		return errorf(ErrRejected, "unknown operation %q", c.Op)
	}
	if c.Account == "" || s.Account(c.Account) == nil && c.Op != "CreateAccount" {
		return errorf(ErrNoSuchEntity, "The account %s does not exist.", c.Account)
	}
	if err := spec.apply(s, c); err != nil {
		return err
	}
	s.gen++
	return nil
}

// CheckCommand validates a command a follower forwards: a known operation whose body decodes
// strictly. Apply checks everything else.
func CheckCommand(c *Command) error {
	spec, ok := ops[c.Op]
	if !ok {
		return errorf(ErrRejected, "unknown operation %q", c.Op)
	}
	return spec.check(c.Body)
}
