package domain

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// InitDomainInput describes a new domain: its first domain key (already generated inside this
// node's HSM under Label), its operators and quorum, and this node as the first member.
type InitDomainInput struct {
	DKLabel   string
	Operators []ceremony.Operator
	Quorum    int
	Rules     ceremony.QuorumRules // per class of ceremony; zero fields mean Quorum
	Member    ceremony.Member
}

// InitDomain records a new domain with domain key version 1. It fails with AlreadyExists when
// the state already has a domain.
func (s *Service) InitDomain(ctx context.Context, in InitDomainInput) error {
	if in.Quorum < 1 || in.Quorum > len(in.Operators) {
		return errorf(ErrValidation, "quorum %d is impossible with %d operators", in.Quorum, len(in.Operators))
	}
	if in.Member.NodeID == s.cfg.NodeID && in.Member.TLSPin == nil {
		// The first member is this node: pin its peer certificate (Member.TLSPin).
		in.Member.TLSPin = s.TLSPin()
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return dependencyError("creating a domain id", err)
	}
	now := s.now()
	cmd := initDomainCmd{
		ID:        hex.EncodeToString(raw[:]),
		At:        now,
		DK:        ceremony.DomainKeyVersion{Version: 1, Label: in.DKLabel, State: ceremony.DKStateActive, CreatedAt: now},
		Operators: in.Operators,
		Quorum:    in.Quorum,
		Member:    in.Member,
		Rules:     in.Rules,
	}
	return s.propose(ctx, encode(cmdInitDomain, cmd))
}

// Domain returns a copy of the domain record, or nil before initialisation.
func (s *Service) Domain() *ceremony.Domain {
	var out *ceremony.Domain
	s.st.View(func(v *View) {
		if d := v.Domain(); d != nil {
			c := *d
			c.DKVersions = append([]ceremony.DomainKeyVersion(nil), d.DKVersions...)
			c.Operators = append([]ceremony.Operator(nil), d.Operators...)
			c.Members = append([]ceremony.Member(nil), d.Members...)
			if d.Rewrap != nil {
				rw := *d.Rewrap
				c.Rewrap = &rw
			}
			out = &c
		}
	})
	return out
}
