package domain

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"

	"github.com/keyhold/keyhold/domain/iam"
)

// IAMInput is one change to the identity model (an input struct of package iam); Op names its
// operation.
type IAMInput interface{ Op() string }

// iamAccount is the account an IAM call acts in: always the caller's own. A context without a
// caller is refused (fail closed), as every authorization check refuses it.
func iamAccount(ctx context.Context) (string, error) {
	c, ok := CallerFrom(ctx)
	if !ok || c.Principal.Account == "" {
		return "", errorf(ErrAccessDenied, "The request has no authenticated caller.")
	}
	return c.Principal.Account, nil
}

// newIAMID returns a unique id of AWS's shape: prefix (AIDA, AGPA, ANPA, AKIA, ...) and 16
// characters of upper-case base32 from crypto/rand (80 bits, so ids never collide in practice;
// Apply refuses a duplicate name, not a duplicate id).
func newIAMID(prefix string) (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", dependencyError("generating an id", err)
	}
	return prefix + base32.StdEncoding.EncodeToString(b[:]), nil
}

// IAMChange applies in to the caller's account.
func (s *Service) IAMChange(ctx context.Context, in IAMInput) error {
	acct, err := iamAccount(ctx)
	if err != nil {
		return err
	}
	return s.proposeIAM(ctx, in.Op(), acct, in)
}

// IAMRead runs fn with the identity model and the caller's account, under the state's read
// lock: fn must only read, and copy out what it keeps. Entities are immutable once stored, so
// pointers to them stay valid after fn returns. When fn answers that something does not exist,
// the replica first catches up with the cluster and asks again, so that a write acknowledged
// elsewhere is never reported missing.
func (s *Service) IAMRead(ctx context.Context, fn func(account string, st *iam.Store) error) error {
	acct, err := iamAccount(ctx)
	if err != nil {
		return err
	}
	read := func() error {
		s.st.View(func(v *View) { err = fn(acct, v.IAM()) })
		return iamError(err)
	}
	err = read()
	if errors.Is(err, ErrNotFound) && s.cfg.CatchUp != nil {
		if cerr := s.cfg.CatchUp(ctx); cerr != nil {
			return dependencyError("catching up with the cluster", cerr)
		}
		err = read()
	}
	return err
}

// IAMCreateUser creates a user in the caller's account and returns it.
func (s *Service) IAMCreateUser(ctx context.Context, in iam.CreateUserInput) (*iam.User, error) {
	id, err := newIAMID("AIDA")
	if err != nil {
		return nil, err
	}
	in.ID = id
	if err := s.IAMChange(ctx, in); err != nil {
		return nil, err
	}
	var u *iam.User
	err = s.IAMRead(ctx, func(acct string, st *iam.Store) error { u = st.User(acct, in.Name); return nil })
	if u == nil && err == nil {
		err = errorf(ErrNotFound, "The user with name %s cannot be found.", in.Name)
	}
	return u, err
}

// IAMCreateGroup creates a group in the caller's account and returns it.
func (s *Service) IAMCreateGroup(ctx context.Context, in iam.CreateGroupInput) (*iam.Group, error) {
	id, err := newIAMID("AGPA")
	if err != nil {
		return nil, err
	}
	in.ID = id
	if err := s.IAMChange(ctx, in); err != nil {
		return nil, err
	}
	var g *iam.Group
	err = s.IAMRead(ctx, func(acct string, st *iam.Store) error { g = st.Group(acct, in.Name); return nil })
	if g == nil && err == nil {
		err = errorf(ErrNotFound, "The group with name %s cannot be found.", in.Name)
	}
	return g, err
}

// IAMCreatePolicy creates a customer managed policy in the caller's account and returns it.
func (s *Service) IAMCreatePolicy(ctx context.Context, in iam.CreatePolicyInput) (*iam.ManagedPolicy, error) {
	id, err := newIAMID("ANPA")
	if err != nil {
		return nil, err
	}
	in.ID = id
	if err := s.IAMChange(ctx, in); err != nil {
		return nil, err
	}
	var p *iam.ManagedPolicy
	err = s.IAMRead(ctx, func(acct string, st *iam.Store) error { p = st.Policy(acct, in.Name); return nil })
	if p == nil && err == nil {
		err = errorf(ErrNotFound, "A policy called %s cannot be found.", in.Name)
	}
	return p, err
}
