package iam

import (
	"errors"
	"strings"

	"github.com/keyhold/keyhold/domain/policy"
)

// Image is the model as a snapshot holds it: plain exported data, without compiled policies
// (Restore compiles them again). Entities are listed in name order per account.
type Image struct {
	Accounts []*Account
	Users    []*User
	Groups   []*Group
	Roles    []*Role
	Policies []*ManagedPolicy
}

// Image copies the model for a snapshot. Entities are immutable once stored (every change
// replaces the entity with a modified copy), so the copy is shallow.
func (s *Store) Image() *Image {
	img := &Image{}
	for _, a := range s.accounts {
		img.Accounts = append(img.Accounts, a)
	}
	for _, a := range s.Accounts() {
		img.Users = append(img.Users, s.Users(a.ID)...)
		img.Groups = append(img.Groups, s.Groups(a.ID)...)
		img.Roles = append(img.Roles, s.Roles(a.ID)...)
		img.Policies = append(img.Policies, s.Policies(a.ID)...)
	}
	return img
}

// Restore replaces the model with img (nil: an empty model, as a snapshot written before
// accounts existed restores). Policies are compiled again; a document the parser now refuses
// grants nothing (its Compiled is nil) rather than failing the restore.
func (s *Store) Restore(img *Image) {
	n := NewStore(s.partition, s.first)
	if img != nil {
		for _, a := range img.Accounts {
			n.accounts[a.ID] = a
		}
		for _, u := range img.Users {
			compileInline(u.Inline, KindUserPolicy)
			n.users[keyOf(u.Account, u.Name)] = u
		}
		for _, g := range img.Groups {
			compileInline(g.Inline, KindGroupPolicy)
			n.groups[keyOf(g.Account, g.Name)] = g
		}
		for _, r := range img.Roles {
			compileInline(r.Inline, KindRolePolicy)
			r.trust, _ = Compile(r.TrustPolicy, KindTrust, n.ARN(r.Account, "role", r.Path, r.Name))
			n.roles[keyOf(r.Account, r.Name)] = r
		}
		for _, p := range img.Policies {
			for _, v := range p.Versions {
				v.compiled, _ = Compile(v.Document, KindManaged, n.ARN(p.Account, "policy", p.Path, p.Name))
			}
			n.policies[keyOf(p.Account, p.Name)] = p
		}
	}
	n.gen = s.gen + 1
	*s = *n
}

func compileInline(ps []*InlinePolicy, kind DocumentKind) {
	for _, p := range ps {
		p.compiled, _ = Compile(p.Document, kind, p.Name)
	}
}

// DocumentKind is what a policy document is for; it decides the size limit and the grammar.
type DocumentKind int

// Document kinds, with AWS's size quotas (characters, whitespace not counted for IAM
// identity policies): inline user 2,048, group 5,120, role 10,240; managed 6,144; trust 2,048.
const (
	KindUserPolicy DocumentKind = iota + 1
	KindGroupPolicy
	KindRolePolicy
	KindManaged
	KindTrust
	KindSession
)

// Compile parses a document of kind. Errors wrap ErrMalformedPolicy or ErrLimitExceeded with a
// message naming what is wrong.
//
// name names the policy in decisions (an inline policy's name, a managed policy's ARN).
func Compile(doc string, kind DocumentKind, name string) (*policy.Policy, error) {
	opts := policy.ParseOptions{Kind: policy.KindIdentity, IgnoreWhitespace: true, Name: name}
	switch kind {
	case KindUserPolicy:
		opts.MaxLength = 2048
	case KindGroupPolicy:
		opts.MaxLength = 5120
	case KindRolePolicy:
		opts.MaxLength = 10240
	case KindManaged:
		opts.MaxLength = 6144
	case KindTrust:
		opts.Kind, opts.MaxLength = policy.KindTrust, 2048
	case KindSession:
		opts.Kind, opts.MaxLength = policy.KindSession, 2048
	}
	p, err := policy.Parse(doc, opts)
	if err != nil {
		return nil, policyError(err)
	}
	return p, nil
}

// policyError maps a parse failure to the kind IAM answers with: LimitExceeded for a document
// over its size quota, MalformedPolicyDocument otherwise, with the parser's message.
func policyError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "policy: ")
	if errors.Is(err, policy.ErrTooLarge) {
		return &Error{Kind: ErrLimitExceeded, Msg: msg}
	}
	return &Error{Kind: ErrMalformedPolicy, Msg: msg}
}
