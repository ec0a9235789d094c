package domain

import (
	"fmt"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// precheck refuses, at submission, a proposal that could not be executed on the domain as it is.
// Each kind's apply checks again: the domain may have changed in between only through a
// ceremony, which bumps the epoch and supersedes the proposal anyway.
func (s *State) precheck(p *ceremony.Proposal) error {
	if k := kindOf(p.Kind); k != nil && k.precheck != nil {
		return k.precheck(s.domain, p)
	}
	return nil
}

// execute applies a ceremony that needs no HSM work.
func (s *State) execute(rec *ProposalRecord, p *ceremony.Proposal, at time.Time) error {
	k := kindOf(p.Kind)
	if k == nil || k.prepare != nil {
		return fmt.Errorf("domain: execute %s: needs the HSM", p.Kind)
	}
	return k.apply(s, rec, p, nil, at)
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
	p, err := ceremony.ParseProposal(rec.Signed.Proposal)
	if err != nil {
		return errorf(ErrValidation, "%v", err)
	}
	if _, _, _, err := s.ceremonyContext(p); err != nil {
		rec.Status, rec.UpdatedAt = ProposalSuperseded, c.At
		return err
	}
	k := kindOf(p.Kind)
	if k.prepare == nil {
		return errorf(ErrValidation, "%s is not executed by the leader", p.Kind)
	}
	if err := k.apply(s, rec, p, c, c.At); err != nil {
		return err
	}
	rec.Status, rec.UpdatedAt = ProposalExecuted, c.At
	return nil
}
