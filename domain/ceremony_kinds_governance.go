package domain

import (
	"slices"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// The ceremonies that change who governs the domain: add-operator, remove-operator and
// change-quorum. None needs the HSM: Apply executes them once their quorum is reached.

func precheckAddOperator(d *ceremony.Domain, p *ceremony.Proposal) error {
	if ceremony.IsOperator(d.Operators, p.Operator.PublicKey) {
		return errorf(ErrAlreadyExists, "%s is already an operator", p.Operator.Name)
	}
	if len(d.Operators) >= ceremony.MaxOperators {
		return errorf(ErrLimitExceeded, "the domain has %d operators", ceremony.MaxOperators)
	}
	return nil
}

func applyAddOperator(s *State, rec *ProposalRecord, p *ceremony.Proposal, _ *executeProposalCmd, at time.Time) error {
	if err := precheckAddOperator(s.domain, p); err != nil {
		return err
	}
	s.domain.Operators = append(slices.Clone(s.domain.Operators), *p.Operator)
	s.bumpEpoch(rec, at)
	return nil
}

func precheckRemoveOperator(d *ceremony.Domain, p *ceremony.Proposal) error {
	if !ceremony.IsOperator(d.Operators, p.Operator.PublicKey) {
		return errorf(ErrNotFound, "%s is not an operator", p.Operator.Name)
	}
	if err := ceremony.CheckRules(&d.Rules, d.Quorum, len(d.Operators)-1, true); err != nil {
		return errorf(ErrValidation, "without %s the quorum rules cannot be met: change them first", p.Operator.Name)
	}
	return nil
}

func applyRemoveOperator(s *State, rec *ProposalRecord, p *ceremony.Proposal, _ *executeProposalCmd, at time.Time) error {
	if err := precheckRemoveOperator(s.domain, p); err != nil {
		return err
	}
	d := s.domain
	d.Operators = slices.DeleteFunc(slices.Clone(d.Operators), func(o ceremony.Operator) bool { return string(o.PublicKey) == string(p.Operator.PublicKey) })
	s.bumpEpoch(rec, at)
	return nil
}

func precheckChangeQuorum(d *ceremony.Domain, p *ceremony.Proposal) error {
	if err := ceremony.CheckRules(p.Rules, p.Quorum, len(d.Operators), true); err != nil {
		return errorf(ErrValidation, "%v", err)
	}
	return nil
}

func applyChangeQuorum(s *State, rec *ProposalRecord, p *ceremony.Proposal, _ *executeProposalCmd, at time.Time) error {
	if err := precheckChangeQuorum(s.domain, p); err != nil {
		return err
	}
	s.domain.Rules, s.domain.Quorum = *p.Rules, p.Quorum
	s.bumpEpoch(rec, at)
	return nil
}
