package domain

import (
	"context"
	"fmt"
	"time"
)

// ProposalKind is the ceremony a proposal asks for. The zero value is invalid; values are in
// signed records, so never renumber.
type ProposalKind uint8

// Proposal kinds. Each has its entry in ceremonyKinds.
const (
	KindInvalid ProposalKind = iota
	KindInitDomain
	KindAdmitNode
	KindRemoveNode
	KindRotateDK
	KindAddOperator
	KindRemoveOperator
	KindChangeQuorum
	KindExportToken
)

// ceremonyKind is everything keyhold knows about one kind of ceremony, so that a new kind is one
// entry in ceremonyKinds (and its functions) rather than a case in every switch over kinds.
type ceremonyKind struct {
	// name is the kind's name, as the CLI shows it.
	name string
	// fields are the optional Proposal fields the kind uses (the names Proposal.fieldsSet
	// gives); a proposal of the kind must set exactly these.
	fields []string
	// quorum picks the kind's class from the quorum rules; 0 means the domain's default quorum.
	quorum func(QuorumRules) int
	// check, if set, checks the shape of the kind's proposal beyond what Proposal.check checks
	// of every proposal (a field only this kind uses, say); its errors wrap ErrMalformed. It
	// sees no domain state.
	check func(p *Proposal) error
	// precheck, if set, refuses at submission a proposal the domain as it is could not execute.
	// d is the domain record (never nil: init-domain has no precheck).
	precheck func(d *Domain, p *Proposal) error
	// prepare, if set, is the HSM work the leader does once the quorum is reached; it fills cmd
	// with its results and the leader proposes cmd. Until then the proposal stays approved.
	// Kinds without prepare execute in Apply as soon as their quorum is reached.
	prepare func(ctx context.Context, s *Service, p *Proposal, d *Domain, cmd *executeProposalCmd) error
	// apply is the ceremony's effect on the state, in Apply: it checks again what it needs and
	// bumps (or sets) the epoch. c is the leader's command, nil for kinds without prepare.
	apply func(s *State, rec *ProposalRecord, p *Proposal, c *executeProposalCmd, at time.Time) error
}

// ceremonyKinds is the table of ceremony kinds.
var ceremonyKinds = map[ProposalKind]*ceremonyKind{
	KindInitDomain: {
		name: "init-domain", fields: []string{"operators", "rules", "quorum"}, quorum: governanceQuorum,
		prepare: prepareInitDomain, apply: applyInitDomain,
	},
	KindAdmitNode: {
		name: "admit-node", fields: []string{"member"}, quorum: nodeQuorum,
		precheck: precheckAdmitNode, prepare: prepareAdmitNode, apply: applyAdmitNode,
	},
	KindRemoveNode: {
		name: "remove-node", fields: []string{"node"}, quorum: nodeQuorum,
		precheck: precheckRemoveNode, apply: applyRemoveNode,
	},
	KindRotateDK: {
		name: "rotate-domain-key", quorum: domainKeyQuorum,
		precheck: precheckRotateDK, prepare: prepareRotateDK, apply: applyRotateDK,
	},
	KindAddOperator: {
		name: "add-operator", fields: []string{"operator"}, quorum: governanceQuorum,
		precheck: precheckAddOperator, apply: applyAddOperator,
	},
	KindRemoveOperator: {
		name: "remove-operator", fields: []string{"operator"}, quorum: governanceQuorum,
		precheck: precheckRemoveOperator, apply: applyRemoveOperator,
	},
	KindChangeQuorum: {
		name: "change-quorum", fields: []string{"rules", "quorum"}, quorum: governanceQuorum,
		precheck: precheckChangeQuorum, apply: applyChangeQuorum,
	},
	KindExportToken: {
		name: "export-token", fields: []string{"record hash"}, quorum: exportQuorum,
		precheck: precheckExportToken, apply: applyExportToken,
	},
}

// kindOf returns the table entry of k, or nil for an unknown kind.
func kindOf(k ProposalKind) *ceremonyKind { return ceremonyKinds[k] }

// String returns the kind's name, as the CLI shows it.
func (k ProposalKind) String() string {
	if c := kindOf(k); c != nil {
		return c.name
	}
	if k == KindInvalid {
		return ""
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// The quorum classes of QuorumRules.
func nodeQuorum(r QuorumRules) int       { return r.Node }
func domainKeyQuorum(r QuorumRules) int  { return r.DomainKey }
func governanceQuorum(r QuorumRules) int { return r.Governance }
func exportQuorum(r QuorumRules) int     { return r.Export }
