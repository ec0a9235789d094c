package domain

import (
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// Ceremony commands. Every check a cluster makes on a proposal happens here, in Apply, on every
// replica: signatures are verified against the operators of the replicated domain record (or,
// for init-domain, against the operators the proposal names), never trusted from the node or the
// CLI that submitted them.
type (
	submitProposalCmd struct {
		Signed []byte // a SignedProposal
		At     time.Time
	}
	approveProposalCmd struct {
		ID        string
		Signature ceremony.Signature
		At        time.Time
	}
	executeProposalCmd struct {
		ID string
		At time.Time
		// DK is the new domain key version (init-domain, rotate-domain-key), generated in the
		// executing node's HSM.
		DK *ceremony.DomainKeyVersion
		// Self is the executing node as the first member (init-domain).
		Self *ceremony.Member
		// Executor names the node whose HSM generated DK (rotate-domain-key): it needs no wrap.
		Executor string
		// Wrapped are the domain keys wrapped for members (admit-node: every live version for
		// the new member; rotate-domain-key: the new version for every other member).
		Wrapped []memberWrap
		// Account is the account create-account makes (ceremony_kinds_account.go).
		Account *createdAccount `json:",omitempty"`
	}
	memberWrap struct {
		NodeID string
		ceremony.WrappedDK
	}
	expireProposalsCmd struct {
		At time.Time
	}
)

func (s *State) applySubmitProposal(c *submitProposalCmd) error {
	sp, p, err := ceremony.ParseSignedProposal(c.Signed)
	if err != nil {
		return errorf(ErrValidation, "%v", err)
	}
	id := ceremony.ProposalID(sp.Proposal)
	if rec := s.proposals.get(id); rec != nil {
		// A retried submission, or one that carries more signatures: merge them.
		for _, sig := range sp.Signatures {
			if err := s.addSignature(rec, sig, c.At); err != nil {
				return err
			}
		}
		return nil
	}
	notAfter := time.Unix(p.NotAfter, 0).UTC()
	if !c.At.Before(notAfter) {
		return errorf(ErrValidation, "the proposal expired at %s", notAfter.Format(time.RFC3339))
	}
	if notAfter.Sub(c.At) > ceremony.MaxProposalTTL*time.Second {
		return errorf(ErrValidation, "the proposal expires more than %d hours from now", ceremony.MaxProposalTTL/3600)
	}
	if s.proposals.open() >= ceremony.MaxPendingProposals {
		return errorf(ErrLimitExceeded, "%d proposals are open already: approve, reject or let some expire", ceremony.MaxPendingProposals)
	}
	ops, _, _, err := s.ceremonyContext(p)
	if err != nil {
		return err
	}
	if err := s.precheck(p); err != nil {
		return err
	}
	// A proposal enters the state only with at least one valid operator approval: its proposer's.
	if a, _ := ceremony.CountVerdicts(sp.Proposal, sp.Signatures, ops); a == 0 {
		return errorf(ErrAccessDenied, "the proposal carries no valid approval by an operator of the domain")
	}
	rec := &ProposalRecord{
		ID: id, Kind: p.Kind, Epoch: p.Epoch, Status: ProposalPending,
		Signed:      ceremony.SignedProposal{Proposal: sp.Proposal},
		SubmittedAt: c.At, UpdatedAt: c.At, NotAfter: notAfter,
	}
	s.proposals.add(rec)
	for _, sig := range sp.Signatures {
		if sig.Verify(sp.Proposal) && ceremony.IsOperator(ops, sig.PublicKey) && !signedBy(rec, sig.PublicKey) {
			rec.Signed.Signatures = append(rec.Signed.Signatures, sig)
		}
	}
	return s.evaluate(rec, p, c.At)
}

func (s *State) applyApproveProposal(c *approveProposalCmd) error {
	rec := s.proposals.get(c.ID)
	if rec == nil {
		return errorf(ErrNotFound, "proposal %s does not exist", c.ID)
	}
	return s.addSignature(rec, c.Signature, c.At)
}

// addSignature adds one operator's verdict to a proposal, refusing forged signatures, signatures
// by non-operators and proposals that can no longer apply. An operator's second signature is a
// no-op (each operator counts once), which also makes retried commands harmless.
func (s *State) addSignature(rec *ProposalRecord, sig ceremony.Signature, at time.Time) error {
	p, err := ceremony.ParseProposal(rec.Signed.Proposal)
	if err != nil {
		return errorf(ErrValidation, "%v", err)
	}
	ops, _, _, err := s.ceremonyContext(p)
	if err != nil && rec.Status == ProposalPending {
		rec.Status, rec.UpdatedAt = ProposalSuperseded, at
		return err
	}
	if !sig.Verify(rec.Signed.Proposal) || !ceremony.IsOperator(ops, sig.PublicKey) {
		return errorf(ErrAccessDenied, "the signature is not a valid signature of proposal %s by an operator of the domain", rec.ID)
	}
	if signedBy(rec, sig.PublicKey) {
		return nil
	}
	if rec.Status != ProposalPending {
		return errorf(ErrInvalidState, "proposal %s is %s", rec.ID, rec.Status)
	}
	if !at.Before(rec.NotAfter) {
		rec.Status, rec.UpdatedAt = ProposalExpired, at
		return errorf(ErrValidation, "proposal %s expired at %s", rec.ID, rec.NotAfter.Format(time.RFC3339))
	}
	rec.Signed.Signatures = append(rec.Signed.Signatures, sig)
	rec.UpdatedAt = at
	return s.evaluate(rec, p, at)
}

func signedBy(rec *ProposalRecord, pub []byte) bool {
	for _, s := range rec.Signed.Signatures {
		if string(s.PublicKey) == string(pub) {
			return true
		}
	}
	return false
}

// ceremonyContext returns the operators and quorum rules that judge p, after checking that p
// applies to this domain at its current epoch (replay protection).
func (s *State) ceremonyContext(p *ceremony.Proposal) ([]ceremony.Operator, ceremony.QuorumRules, int, error) {
	d := s.domain
	if p.Kind == ceremony.KindInitDomain {
		if d != nil {
			return nil, ceremony.QuorumRules{}, 0, errorf(ErrAlreadyExists, "the domain is already initialised")
		}
		return p.Operators, *p.Rules, p.Quorum, nil
	}
	if d == nil {
		return nil, ceremony.QuorumRules{}, 0, errorf(ErrNoDomain, "the key domain is not initialised")
	}
	if p.DomainID != d.ID {
		return nil, ceremony.QuorumRules{}, 0, errorf(ErrValidation, "the proposal is for domain %s, this is domain %s", p.DomainID, d.ID)
	}
	if p.Epoch != d.Epoch {
		return nil, ceremony.QuorumRules{}, 0, errorf(ErrValidation, "the proposal applies to epoch %d; the domain is at epoch %d", p.Epoch, d.Epoch)
	}
	return d.Operators, d.Rules, d.Quorum, nil
}

// evaluate acts on a proposal's signatures: executes it (or marks it approved for the leader's
// HSM work) once its quorum is reached, rejects it once the quorum is out of reach.
func (s *State) evaluate(rec *ProposalRecord, p *ceremony.Proposal, at time.Time) error {
	ops, rules, def, err := s.ceremonyContext(p)
	if err != nil {
		return err
	}
	need := rules.Need(p.Kind, def)
	approve, reject := ceremony.CountVerdicts(rec.Signed.Proposal, rec.Signed.Signatures, ops)
	switch {
	case approve >= need:
		if kindOf(p.Kind).prepare != nil {
			rec.Status = ProposalApproved
		} else {
			if err := s.execute(rec, p, at); err != nil {
				return err
			}
			rec.Status = ProposalExecuted
		}
		rec.UpdatedAt = at
	case reject > len(ops)-need:
		rec.Status, rec.UpdatedAt = ProposalRejected, at
	}
	return nil
}

func (s *State) applyExpireProposals(c *expireProposalsCmd) error {
	for _, id := range s.proposals.order {
		rec := s.proposals.byID[id]
		if (rec.Status == ProposalPending || rec.Status == ProposalApproved) && !c.At.Before(rec.NotAfter) {
			rec.Status, rec.UpdatedAt = ProposalExpired, c.At
		}
	}
	return nil
}

// bumpEpoch records that a ceremony changed the domain: every other open proposal was made for
// the old epoch and can never apply.
func (s *State) bumpEpoch(done *ProposalRecord, at time.Time) {
	s.domain.Epoch++
	for _, rec := range s.proposals.byID {
		if rec != done && (rec.Status == ProposalPending || rec.Status == ProposalApproved) {
			rec.Status, rec.UpdatedAt = ProposalSuperseded, at
		}
	}
}
