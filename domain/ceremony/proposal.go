package ceremony

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
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
