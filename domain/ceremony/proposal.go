package ceremony

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// QuorumRules gives, per class of ceremony, how many distinct operators must approve. 0 means
// Domain.Quorum.
type QuorumRules struct {
	Node       int `cbor:"1,keyasint,omitempty"` // admit-node, remove-node
	DomainKey  int `cbor:"2,keyasint,omitempty"` // rotate-domain-key
	Governance int `cbor:"3,keyasint,omitempty"` // init-domain, add/remove-operator, change-quorum
	Export     int `cbor:"4,keyasint,omitempty"` // export-token
}

// need returns the number of approvals kind needs under the rules, def being the default.
func (r QuorumRules) Need(k ProposalKind, def int) int {
	n := 0
	if c := kindInfoOf(k); c != nil {
		n = c.quorum(r)
	}
	if n == 0 {
		n = def
	}
	return n
}

// Proposal is an operator-signed request for one ceremony. It names the domain and the epoch it
// applies to, so that approvals of it cannot be replayed on another domain or after any other
// ceremony changed this one, and a deadline after which it expires unapproved. Exactly the fields
// its Kind uses are set. Its canonical CBOR encoding is what operators sign (through its hash).
type Proposal struct {
	Version   uint8        `cbor:"1,keyasint"`
	DomainID  string       `cbor:"2,keyasint"`
	Epoch     uint64       `cbor:"3,keyasint"`
	Kind      ProposalKind `cbor:"4,keyasint"`
	Nonce     []byte       `cbor:"5,keyasint"`            // ProposalNonceSize random bytes: two proposals never share an id
	NotAfter  int64        `cbor:"6,keyasint"`            // Unix seconds: unapproved after this, it expires
	Operators []Operator   `cbor:"7,keyasint,omitempty"`  // init-domain
	Rules     *QuorumRules `cbor:"8,keyasint,omitempty"`  // init-domain, change-quorum
	Quorum    int          `cbor:"9,keyasint,omitempty"`  // init-domain, change-quorum: the default rule
	Member    *Member      `cbor:"10,keyasint,omitempty"` // admit-node (NodeID, Address, IdentityKey)
	NodeID    string       `cbor:"11,keyasint,omitempty"` // remove-node
	Operator  *Operator    `cbor:"12,keyasint,omitempty"` // add-operator, remove-operator (by PublicKey)
	// RecordHash is, for export-token, the SHA-256 of the domain record being exported.
	RecordHash []byte `cbor:"13,keyasint,omitempty"`
	// AccountName and Recipient are create-account's: the new account's name, and the HPKE
	// public key (AccountRecipientKEM) its root credentials are sealed to for the proposer.
	AccountName string `cbor:"14,keyasint,omitempty"`
	Recipient   []byte `cbor:"15,keyasint,omitempty"`
}

// fieldsSet reports, by the names ceremonyKind.fields uses, which of the kind-specific fields
// are set: Proposal.check requires exactly the kind's.
func (p *Proposal) fieldsSet() map[string]bool {
	return map[string]bool{
		"operators":   len(p.Operators) > 0,
		"rules":       p.Rules != nil,
		"quorum":      p.Quorum != 0,
		"member":      p.Member != nil,
		"node":        p.NodeID != "",
		"operator":    p.Operator != nil,
		"record hash": len(p.RecordHash) > 0,
		"account":     p.AccountName != "",
		"recipient":   len(p.Recipient) > 0,
	}
}

// Verdict is what a signature says about a proposal. The zero value is invalid.
type Verdict uint8

// Verdicts.
const (
	VerdictInvalid Verdict = iota
	VerdictApprove
	VerdictReject
)

// Signature is one operator's verdict on a proposal: an Ed25519 signature over
// sigContext || verdict || SHA-256(proposal bytes). The hash excludes every signature, so
// signatures can be collected in any order; each operator counts once.
type Signature struct {
	PublicKey []byte  `cbor:"1,keyasint"`
	Verdict   Verdict `cbor:"2,keyasint"`
	Sig       []byte  `cbor:"3,keyasint"`
}

// SignedProposal is a proposal's canonical bytes and the signatures collected on it. Keeping the
// proposal as bytes means signers and verifiers hash exactly what was signed.
type SignedProposal struct {
	Proposal   []byte      `cbor:"1,keyasint"`
	Signatures []Signature `cbor:"2,keyasint"`
}

// sigContext separates keyhold ceremony signatures from any other use of an operator's key.
const sigContext = "keyhold ceremony signature v1\x00"

// ProposalHash is the SHA-256 of a proposal's canonical bytes: what signatures cover.
func ProposalHash(proposal []byte) [32]byte { return sha256.Sum256(proposal) }

// ProposalID names a proposal: the first 16 bytes of its hash, in hex.
func ProposalID(proposal []byte) string {
	h := ProposalHash(proposal)
	return hex.EncodeToString(h[:16])
}

func sigMessage(proposal []byte, v Verdict) []byte {
	h := ProposalHash(proposal)
	m := make([]byte, 0, len(sigContext)+1+len(h))
	m = append(m, sigContext...)
	m = append(m, byte(v))
	return append(m, h[:]...)
}

// SignProposal returns the operator's signature with verdict v on the proposal bytes.
func SignProposal(priv ed25519.PrivateKey, proposal []byte, v Verdict) Signature {
	return Signature{
		PublicKey: append([]byte(nil), priv.Public().(ed25519.PublicKey)...),
		Verdict:   v,
		Sig:       ed25519.Sign(priv, sigMessage(proposal, v)),
	}
}

// verify checks one signature on the proposal bytes.
func (s Signature) Verify(proposal []byte) bool {
	return len(s.PublicKey) == ed25519.PublicKeySize && len(s.Sig) == ed25519.SignatureSize &&
		(s.Verdict == VerdictApprove || s.Verdict == VerdictReject) &&
		ed25519.Verify(s.PublicKey, sigMessage(proposal, s.Verdict), s.Sig)
}

// countVerdicts returns how many distinct operators of ops signed the proposal with a valid
// approval, and how many with a valid rejection. Signatures by non-operators, invalid ones and
// repeats of an operator count for nothing.
func CountVerdicts(proposal []byte, sigs []Signature, ops []Operator) (approve, reject int) {
	seen := map[string]bool{}
	for _, s := range sigs {
		if !IsOperator(ops, s.PublicKey) || seen[string(s.PublicKey)] || !s.Verify(proposal) {
			continue
		}
		seen[string(s.PublicKey)] = true
		if s.Verdict == VerdictApprove {
			approve++
		} else {
			reject++
		}
	}
	return approve, reject
}

func IsOperator(ops []Operator, pub []byte) bool {
	for _, o := range ops {
		if string(o.PublicKey) == string(pub) {
			return true
		}
	}
	return false
}

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
	KindCreateAccount
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
	KindCreateAccount:  {name: "create-account", fields: []string{"account", "recipient"}, quorum: governanceQuorum, Check: checkCreateAccount},
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
