package domain

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"time"
)

// precheck refuses, at submission, a proposal that could not be executed on the domain as it is.
// execute checks again: the domain may have changed in between only through a ceremony, which
// bumps the epoch and supersedes the proposal anyway.
func (s *State) precheck(p *Proposal) error {
	d := s.domain
	switch p.Kind {
	case KindAdmitNode:
		if d.member(p.Member.NodeID) != nil {
			return errorf(ErrAlreadyExists, "node %s is already a member", p.Member.NodeID)
		}
		if len(d.Members) >= MaxMembers {
			return errorf(ErrLimitExceeded, "the domain has %d members already", MaxMembers)
		}
	case KindRemoveNode:
		if d.member(p.NodeID) == nil {
			return errorf(ErrNotFound, "node %s is not a member", p.NodeID)
		}
		if len(d.Members) == 1 {
			return errorf(ErrValidation, "node %s is the last member: the domain keys would be lost", p.NodeID)
		}
	case KindRotateDK:
		if len(d.DKVersions) >= MaxDKVersions {
			return errorf(ErrLimitExceeded, "the domain has %d domain key versions", MaxDKVersions)
		}
		if d.Rewrap != nil && !d.Rewrap.Finished {
			return errorf(ErrInvalidState, "the re-wrap after the last rotation is still running")
		}
	case KindAddOperator:
		if isOperator(d.Operators, p.Operator.PublicKey) {
			return errorf(ErrAlreadyExists, "%s is already an operator", p.Operator.Name)
		}
		if len(d.Operators) >= MaxOperators {
			return errorf(ErrLimitExceeded, "the domain has %d operators", MaxOperators)
		}
	case KindRemoveOperator:
		if !isOperator(d.Operators, p.Operator.PublicKey) {
			return errorf(ErrNotFound, "%s is not an operator", p.Operator.Name)
		}
		if err := checkRules(&d.Rules, d.Quorum, len(d.Operators)-1, true); err != nil {
			return errorf(ErrValidation, "without %s the quorum rules cannot be met: change them first", p.Operator.Name)
		}
	case KindChangeQuorum:
		if err := checkRules(p.Rules, p.Quorum, len(d.Operators), true); err != nil {
			return errorf(ErrValidation, "%v", err)
		}
	case KindExportToken:
		if h := RecordHash(d); string(h[:]) != string(p.RecordHash) {
			return errorf(ErrValidation, "the record hash does not match the domain record: fetch the status again")
		}
	}
	return nil
}

// execute applies a ceremony that needs no HSM work.
func (s *State) execute(rec *ProposalRecord, p *Proposal, at time.Time) error {
	if err := s.precheck(p); err != nil {
		return err
	}
	d := s.domain
	switch p.Kind {
	case KindRemoveNode:
		d.Members = slices.DeleteFunc(slices.Clone(d.Members), func(m Member) bool { return m.NodeID == p.NodeID })
	case KindAddOperator:
		d.Operators = append(slices.Clone(d.Operators), *p.Operator)
	case KindRemoveOperator:
		d.Operators = slices.DeleteFunc(slices.Clone(d.Operators), func(o Operator) bool { return string(o.PublicKey) == string(p.Operator.PublicKey) })
	case KindChangeQuorum:
		d.Rules, d.Quorum = *p.Rules, p.Quorum
	case KindExportToken:
		// The token exports the record as approved; nothing changes, the epoch stays.
		rec.Record = RecordBytes(d)
		return nil
	default:
		return fmt.Errorf("domain: execute %s: needs the HSM", p.Kind)
	}
	s.bumpEpoch(rec, at)
	return nil
}

// applyExecuteProposal completes an approved ceremony with the HSM work the leader did.
func (s *State) applyExecuteProposal(c *executeProposalCmd) error {
	rec := s.proposals.get(c.ID)
	if rec == nil {
		return errorf(ErrNotFound, "proposal %s does not exist", c.ID)
	}
	if rec.Status == ProposalExecuted {
		return nil // a retried command
	}
	if rec.Status != ProposalApproved {
		return errorf(ErrInvalidState, "proposal %s is %s, not approved", rec.ID, rec.Status)
	}
	p, err := ParseProposal(rec.Signed.Proposal)
	if err != nil {
		return errorf(ErrValidation, "%v", err)
	}
	if _, _, _, err := s.ceremonyContext(p); err != nil {
		rec.Status, rec.UpdatedAt = ProposalSuperseded, c.At
		return err
	}
	switch p.Kind {
	case KindInitDomain:
		if c.DK == nil || c.Self == nil || c.DK.Version != 1 {
			return errorf(ErrValidation, "init-domain needs domain key version 1 and the first member")
		}
		if c.Self.TLSPin != nil && len(c.Self.TLSPin) != TLSPinSize {
			return errorf(ErrValidation, "the first member's TLS pin is %d bytes, want %d", len(c.Self.TLSPin), TLSPinSize)
		}
		s.domain = &Domain{
			ID: p.DomainID, CreatedAt: c.At, DKVersions: []DomainKeyVersion{*c.DK}, CurrentDK: 1,
			Operators: slices.Clone(p.Operators), Quorum: p.Quorum, Rules: *p.Rules,
			Members: []Member{*c.Self},
		}
	case KindAdmitNode:
		if err := s.precheck(p); err != nil {
			return err
		}
		m := *p.Member
		for _, w := range c.Wrapped {
			if w.NodeID == m.NodeID {
				m.WrappedDKs = append(m.WrappedDKs, w.WrappedDK)
			}
		}
		for _, dk := range s.domain.DKVersions {
			if _, ok := m.Wrapped(dk.Version); !ok && dk.State != DKStateRetired {
				return errorf(ErrValidation, "admit-node lacks domain key version %d wrapped for %s", dk.Version, m.NodeID)
			}
		}
		s.domain.Members = append(slices.Clone(s.domain.Members), m)
	case KindRotateDK:
		if err := s.applyRotateDK(c); err != nil {
			return err
		}
	default:
		return errorf(ErrValidation, "%s is not executed by the leader", p.Kind)
	}
	rec.Status, rec.UpdatedAt = ProposalExecuted, c.At
	if p.Kind != KindInitDomain {
		s.bumpEpoch(rec, c.At)
	} else {
		s.domain.Epoch = 1
	}
	return nil
}

// applyRotateDK adds the new domain key version, wrapped for every member but the one that made
// it, makes it the active version and starts the re-wrap of everything sealed under older ones.
func (s *State) applyRotateDK(c *executeProposalCmd) error {
	d := s.domain
	if c.DK == nil || c.DK.Version != d.CurrentDK+1 || c.DK.State != DKStateActive {
		return errorf(ErrValidation, "rotate-domain-key needs domain key version %d", d.CurrentDK+1)
	}
	members := slices.Clone(d.Members)
	for i := range members {
		m := &members[i]
		if m.NodeID == c.Executor {
			continue
		}
		var found bool
		for _, w := range c.Wrapped {
			if w.NodeID == m.NodeID && w.Version == c.DK.Version {
				m.WrappedDKs = append(slices.Clone(m.WrappedDKs), w.WrappedDK)
				found = true
			}
		}
		if !found {
			return errorf(ErrValidation, "rotate-domain-key lacks the new key wrapped for %s", m.NodeID)
		}
	}
	versions := slices.Clone(d.DKVersions)
	for i := range versions {
		if versions[i].State == DKStateActive {
			versions[i].State = DKStateDecryptOnly
		}
	}
	d.DKVersions = append(versions, *c.DK)
	d.CurrentDK = c.DK.Version
	d.Members = members
	d.Rewrap = &Rewrap{Target: c.DK.Version}
	return nil
}

func (d *Domain) member(nodeID string) *Member {
	for i := range d.Members {
		if d.Members[i].NodeID == nodeID {
			return &d.Members[i]
		}
	}
	return nil
}

// RecordBytes is the canonical CBOR of the domain record, as a domain token carries it.
func RecordBytes(d *Domain) []byte { return marshalCBOR(d) }

// RecordHash is the SHA-256 of RecordBytes: what an export-token proposal names.
func RecordHash(d *Domain) [32]byte { return sha256.Sum256(RecordBytes(d)) }
