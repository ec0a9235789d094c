package domain

import (
	"context"
	"slices"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// The ceremonies of the domain itself: init-domain, rotate-domain-key and export-token.

// prepareInitDomain makes domain key version 1 in this node's HSM and names this node as the
// first member.
func prepareInitDomain(ctx context.Context, s *Service, p *ceremony.Proposal, _ *ceremony.Domain, cmd *executeProposalCmd) error {
	label := DomainKeyLabel(p.DomainID, 1)
	if err := s.ensureDomainKey(ctx, label); err != nil {
		return err
	}
	id, err := s.cfg.HSM.IdentityKey(ctx)
	if err != nil {
		return dependencyError("reading the HSM identity key", err)
	}
	cmd.DK = &ceremony.DomainKeyVersion{Version: 1, Label: label, State: ceremony.DKStateActive, CreatedAt: cmd.At}
	cmd.Self = &ceremony.Member{NodeID: s.cfg.NodeID, Address: s.cfg.NodeAddr, IdentityKey: id, TLSPin: s.cfg.TLSPin}
	return nil
}

func applyInitDomain(s *State, _ *ProposalRecord, p *ceremony.Proposal, c *executeProposalCmd, _ time.Time) error {
	if c.DK == nil || c.Self == nil || c.DK.Version != 1 {
		return errorf(ErrValidation, "init-domain needs domain key version 1 and the first member")
	}
	if c.Self.TLSPin != nil && len(c.Self.TLSPin) != ceremony.TLSPinSize {
		return errorf(ErrValidation, "the first member's TLS pin is %d bytes, want %d", len(c.Self.TLSPin), ceremony.TLSPinSize)
	}
	s.domain = &ceremony.Domain{
		ID: p.DomainID, CreatedAt: c.At, DKVersions: []ceremony.DomainKeyVersion{*c.DK}, CurrentDK: 1,
		Operators: slices.Clone(p.Operators), Quorum: p.Quorum, Rules: *p.Rules,
		Members: []ceremony.Member{*c.Self}, Epoch: 1,
	}
	return nil
}

func precheckRotateDK(d *ceremony.Domain, _ *ceremony.Proposal) error {
	if len(d.DKVersions) >= ceremony.MaxDKVersions {
		return errorf(ErrLimitExceeded, "the domain has %d domain key versions", ceremony.MaxDKVersions)
	}
	if d.Rewrap != nil && !d.Rewrap.Finished {
		return errorf(ErrInvalidState, "the re-wrap after the last rotation is still running")
	}
	return nil
}

// prepareRotateDK makes the next domain key version in this node's HSM and wraps it for every
// other member.
func prepareRotateDK(ctx context.Context, s *Service, _ *ceremony.Proposal, d *ceremony.Domain, cmd *executeProposalCmd) error {
	v := d.CurrentDK + 1
	label := DomainKeyLabel(d.ID, v)
	if err := s.ensureDomainKey(ctx, label); err != nil {
		return err
	}
	for _, m := range d.Members {
		if m.NodeID == s.cfg.NodeID {
			continue
		}
		w, err := s.cfg.HSM.WrapDomainKey(ctx, label, m.NodeID, m.IdentityKey)
		if err != nil {
			return dependencyError("wrapping the new domain key for "+m.NodeID, err)
		}
		cmd.Wrapped = append(cmd.Wrapped, memberWrap{NodeID: m.NodeID, WrappedDK: ceremony.WrappedDK{Version: v, Wrapped: w}})
	}
	cmd.DK = &ceremony.DomainKeyVersion{Version: v, Label: label, State: ceremony.DKStateActive, CreatedAt: cmd.At}
	return nil
}

// applyRotateDK adds the new domain key version, wrapped for every member but the one that made
// it, makes it the active version and starts the re-wrap of everything sealed under older ones.
func applyRotateDK(s *State, rec *ProposalRecord, _ *ceremony.Proposal, c *executeProposalCmd, at time.Time) error {
	d := s.domain
	if c.DK == nil || c.DK.Version != d.CurrentDK+1 || c.DK.State != ceremony.DKStateActive {
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
		if versions[i].State == ceremony.DKStateActive {
			versions[i].State = ceremony.DKStateDecryptOnly
		}
	}
	d.DKVersions = append(versions, *c.DK)
	d.CurrentDK = c.DK.Version
	d.Members = members
	d.Rewrap = &ceremony.Rewrap{Target: c.DK.Version}
	s.bumpEpoch(rec, at)
	return nil
}

func precheckExportToken(d *ceremony.Domain, p *ceremony.Proposal) error {
	if h := ceremony.RecordHash(d); string(h[:]) != string(p.RecordHash) {
		return errorf(ErrValidation, "the record hash does not match the domain record: fetch the status again")
	}
	return nil
}

// applyExportToken records the domain record as approved: the token exports it. Nothing
// changes, so the epoch stays.
func applyExportToken(s *State, rec *ProposalRecord, p *ceremony.Proposal, _ *executeProposalCmd, _ time.Time) error {
	if err := precheckExportToken(s.domain, p); err != nil {
		return err
	}
	rec.Record = ceremony.RecordBytes(s.domain)
	return nil
}
