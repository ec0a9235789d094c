package ceremony

import "fmt"

// ProposalKind is the ceremony a proposal asks for. The zero value is invalid; values are in
// signed records, so never renumber.
type ProposalKind uint8

// Proposal kinds. Each has its entry in kindInfos (and in domain's ceremonyKinds).
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

// kindInfo is what a ceremony kind is, everything about it that is signed or checked without
// the domain state: the descriptive half of the kind table. What it does to the state is its
// entry in domain's ceremonyKinds. A new kind is one entry here and one there.
type kindInfo struct {
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
	Check func(p *Proposal) error
}

// kindInfos is the descriptive table of ceremony kinds.
var kindInfos = map[ProposalKind]*kindInfo{
	KindInitDomain:     {name: "init-domain", fields: []string{"operators", "rules", "quorum"}, quorum: governanceQuorum},
	KindAdmitNode:      {name: "admit-node", fields: []string{"member"}, quorum: nodeQuorum},
	KindRemoveNode:     {name: "remove-node", fields: []string{"node"}, quorum: nodeQuorum},
	KindRotateDK:       {name: "rotate-domain-key", quorum: domainKeyQuorum},
	KindAddOperator:    {name: "add-operator", fields: []string{"operator"}, quorum: governanceQuorum},
	KindRemoveOperator: {name: "remove-operator", fields: []string{"operator"}, quorum: governanceQuorum},
	KindChangeQuorum:   {name: "change-quorum", fields: []string{"rules", "quorum"}, quorum: governanceQuorum},
	KindExportToken:    {name: "export-token", fields: []string{"record hash"}, quorum: exportQuorum},
}

// kindInfoOf returns the table entry of k, or nil for an unknown kind.
func kindInfoOf(k ProposalKind) *kindInfo { return kindInfos[k] }

// Kinds returns every known ceremony kind, in numeric order: the behavioural table in domain
// is checked against it.
func Kinds() []ProposalKind {
	var out []ProposalKind
	for k := KindInvalid + 1; kindInfoOf(k) != nil; k++ {
		out = append(out, k)
	}
	return out
}

// String returns the kind's name, as the CLI shows it.
func (k ProposalKind) String() string {
	if c := kindInfoOf(k); c != nil {
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
