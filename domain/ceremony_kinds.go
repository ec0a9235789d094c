package domain

import (
	"context"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// ceremonyKind is what a kind of ceremony does to the replicated state: the behavioural half of
// the kind table. What the kind is (name, fields, quorum class, shape checks) is its entry in
// package ceremony's table; TestCeremonyKindTable checks both tables name the same kinds.
type ceremonyKind struct {
	// precheck, if set, refuses at submission a proposal the domain as it is could not execute.
	// d is the domain record (never nil: init-domain has no precheck).
	precheck func(d *ceremony.Domain, p *ceremony.Proposal) error
	// prepare, if set, is the HSM work the leader does once the quorum is reached; it fills cmd
	// with its results and the leader proposes cmd. Until then the proposal stays approved.
	// Kinds without prepare execute in Apply as soon as their quorum is reached.
	prepare func(ctx context.Context, s *Service, p *ceremony.Proposal, d *ceremony.Domain, cmd *executeProposalCmd) error
	// apply is the ceremony's effect on the state, in Apply: it checks again what it needs and
	// bumps (or sets) the epoch. c is the leader's command, nil for kinds without prepare.
	apply func(s *State, rec *ProposalRecord, p *ceremony.Proposal, c *executeProposalCmd, at time.Time) error
}

// ceremonyKinds is the behavioural table of ceremony kinds.
var ceremonyKinds = map[ceremony.ProposalKind]*ceremonyKind{
	ceremony.KindInitDomain: {
		prepare: prepareInitDomain, apply: applyInitDomain,
	},
	ceremony.KindAdmitNode: {
		precheck: precheckAdmitNode, prepare: prepareAdmitNode, apply: applyAdmitNode,
	},
	ceremony.KindRemoveNode: {
		precheck: precheckRemoveNode, apply: applyRemoveNode,
	},
	ceremony.KindRotateDK: {
		precheck: precheckRotateDK, prepare: prepareRotateDK, apply: applyRotateDK,
	},
	ceremony.KindAddOperator: {
		precheck: precheckAddOperator, apply: applyAddOperator,
	},
	ceremony.KindRemoveOperator: {
		precheck: precheckRemoveOperator, apply: applyRemoveOperator,
	},
	ceremony.KindChangeQuorum: {
		precheck: precheckChangeQuorum, apply: applyChangeQuorum,
	},
	ceremony.KindExportToken: {
		precheck: precheckExportToken, apply: applyExportToken,
	},
	ceremony.KindCreateAccount: {prepare: prepareCreateAccount, apply: applyCreateAccount}, // ceremony_kinds_account.go
}

// kindOf returns the table entry of k, or nil for an unknown kind.
func kindOf(k ceremony.ProposalKind) *ceremonyKind { return ceremonyKinds[k] }
