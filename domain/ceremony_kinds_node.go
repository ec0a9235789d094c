package domain

import (
	"context"
	"slices"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// The ceremonies that change the members of the domain: admit-node and remove-node.

func precheckAdmitNode(d *ceremony.Domain, p *ceremony.Proposal) error {
	if d.FindMember(p.Member.NodeID) != nil {
		return errorf(ErrAlreadyExists, "node %s is already a member", p.Member.NodeID)
	}
	if len(d.Members) >= ceremony.MaxMembers {
		return errorf(ErrLimitExceeded, "the domain has %d members already", ceremony.MaxMembers)
	}
	return nil
}

// prepareAdmitNode wraps every live domain key version for the new member's identity key.
func prepareAdmitNode(ctx context.Context, s *Service, p *ceremony.Proposal, d *ceremony.Domain, cmd *executeProposalCmd) error {
	for _, dk := range d.DKVersions {
		if dk.State == ceremony.DKStateRetired {
			continue
		}
		w, err := s.cfg.HSM.WrapDomainKey(ctx, dk.Label, p.Member.NodeID, p.Member.IdentityKey)
		if err != nil {
			return dependencyError("wrapping the domain key for the new member", err)
		}
		cmd.Wrapped = append(cmd.Wrapped, memberWrap{NodeID: p.Member.NodeID, WrappedDK: ceremony.WrappedDK{Version: dk.Version, Wrapped: w}})
	}
	return nil
}

func applyAdmitNode(s *State, rec *ProposalRecord, p *ceremony.Proposal, c *executeProposalCmd, at time.Time) error {
	if err := precheckAdmitNode(s.domain, p); err != nil {
		return err
	}
	m := *p.Member
	for _, w := range c.Wrapped {
		if w.NodeID == m.NodeID {
			m.WrappedDKs = append(m.WrappedDKs, w.WrappedDK)
		}
	}
	for _, dk := range s.domain.DKVersions {
		if _, ok := m.Wrapped(dk.Version); !ok && dk.State != ceremony.DKStateRetired {
			return errorf(ErrValidation, "admit-node lacks domain key version %d wrapped for %s", dk.Version, m.NodeID)
		}
	}
	s.domain.Members = append(slices.Clone(s.domain.Members), m)
	s.bumpEpoch(rec, at)
	return nil
}

func precheckRemoveNode(d *ceremony.Domain, p *ceremony.Proposal) error {
	if d.FindMember(p.NodeID) == nil {
		return errorf(ErrNotFound, "node %s is not a member", p.NodeID)
	}
	if len(d.Members) == 1 {
		return errorf(ErrValidation, "node %s is the last member: the domain keys would be lost", p.NodeID)
	}
	return nil
}

func applyRemoveNode(s *State, rec *ProposalRecord, p *ceremony.Proposal, _ *executeProposalCmd, at time.Time) error {
	if err := precheckRemoveNode(s.domain, p); err != nil {
		return err
	}
	d := s.domain
	d.Members = slices.DeleteFunc(slices.Clone(d.Members), func(m ceremony.Member) bool { return m.NodeID == p.NodeID })
	s.bumpEpoch(rec, at)
	return nil
}
