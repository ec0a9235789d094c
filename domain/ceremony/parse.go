package ceremony

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
)

// proposalVersion is the only Proposal.Version this code reads and writes.
const proposalVersion = 1

// MarshalProposal returns the canonical bytes of p, the bytes operators sign. It checks p first.
func MarshalProposal(p *Proposal) ([]byte, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	return Marshal(p), nil
}

// ParseProposal decodes and checks canonical proposal bytes.
func ParseProposal(b []byte) (*Proposal, error) {
	var p Proposal
	if err := UnmarshalStrict(b, MaxProposalBytes, &p); err != nil {
		return nil, err
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Marshal returns the canonical bytes of the signed proposal.
func (sp *SignedProposal) Marshal() []byte { return Marshal(sp) }

// ParseSignedProposal decodes a signed proposal and its proposal; it checks the shape of every
// signature but verifies none: only the domain state knows who the operators are.
func ParseSignedProposal(b []byte) (*SignedProposal, *Proposal, error) {
	var sp SignedProposal
	if err := UnmarshalStrict(b, MaxSignedProposal, &sp); err != nil {
		return nil, nil, err
	}
	if len(sp.Signatures) > MaxSignatures {
		return nil, nil, fmt.Errorf("%w: %d signatures, at most %d", ErrMalformed, len(sp.Signatures), MaxSignatures)
	}
	for _, s := range sp.Signatures {
		if err := s.Check(); err != nil {
			return nil, nil, err
		}
	}
	p, err := ParseProposal(sp.Proposal)
	if err != nil {
		return nil, nil, err
	}
	return &sp, p, nil
}

func (s Signature) Check() error {
	if len(s.PublicKey) != ed25519.PublicKeySize || len(s.Sig) != ed25519.SignatureSize ||
		(s.Verdict != VerdictApprove && s.Verdict != VerdictReject) {
		return fmt.Errorf("%w: a signature needs a 32-byte Ed25519 key, a verdict and a 64-byte signature", ErrMalformed)
	}
	return nil
}

// check enforces the shape of a proposal: the version, the nonce, and exactly the fields its
// kind uses, each within limits. Whether it applies to the current domain is Apply's business.
func (p *Proposal) Check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if p.Version != proposalVersion {
		return bad("proposal version %d, want %d", p.Version, proposalVersion)
	}
	if len(p.Nonce) != ProposalNonceSize {
		return bad("nonce of %d bytes, want %d", len(p.Nonce), ProposalNonceSize)
	}
	if p.DomainID == "" || len(p.DomainID) > MaxNodeID {
		return bad("domain id must be 1 to %d bytes", MaxNodeID)
	}
	if p.NotAfter <= 0 {
		return bad("no expiry")
	}
	has := p.fieldsSet()
	k := kindInfoOf(p.Kind)
	if k == nil {
		return bad("unknown kind %d", p.Kind)
	}
	want := k.fields
	for _, f := range want {
		if !has[f] {
			return bad("%s needs its %s", p.Kind, f)
		}
		delete(has, f)
	}
	for f, set := range has {
		if set {
			return bad("%s has a %s it does not use", p.Kind, f)
		}
	}
	if p.Kind == KindInitDomain && p.Epoch != 0 || p.Kind != KindInitDomain && p.Epoch == 0 {
		return bad("%s with epoch %d", p.Kind, p.Epoch)
	}
	if len(p.Operators) > MaxOperators {
		return bad("%d operators, at most %d", len(p.Operators), MaxOperators)
	}
	seen := map[string]bool{}
	for _, o := range p.Operators {
		if err := o.Check(); err != nil {
			return err
		}
		if seen[string(o.PublicKey)] {
			return bad("operator %q listed twice", o.Name)
		}
		seen[string(o.PublicKey)] = true
	}
	if p.Operator != nil {
		if err := p.Operator.Check(); err != nil {
			return err
		}
	}
	if p.Rules != nil || p.Quorum != 0 {
		if err := CheckRules(p.Rules, p.Quorum, len(p.Operators), p.Kind == KindInitDomain); err != nil {
			return err
		}
	}
	if p.Member != nil {
		m := p.Member
		if m.NodeID == "" || len(m.NodeID) > MaxNodeID || len(m.Address) > MaxNodeID || len(m.WrappedDKs) > 0 {
			return bad("a member needs a node id (and address) of at most %d bytes and no wrapped keys", MaxNodeID)
		}
		if _, err := ParseIdentityKey(m.IdentityKey); err != nil {
			return err
		}
		if m.TLSPin != nil && len(m.TLSPin) != TLSPinSize {
			return bad("a member's TLS pin is %d bytes, want %d", len(m.TLSPin), TLSPinSize)
		}
	}
	if len(p.NodeID) > MaxNodeID {
		return bad("node id longer than %d bytes", MaxNodeID)
	}
	if p.RecordHash != nil && len(p.RecordHash) != 32 {
		return bad("record hash of %d bytes, want 32", len(p.RecordHash))
	}
	if k.Check != nil {
		return k.Check(p)
	}
	return nil
}

func (o Operator) Check() error {
	if len(o.PublicKey) != ed25519.PublicKeySize || o.Name == "" || len(o.Name) > MaxNodeID {
		return fmt.Errorf("%w: an operator needs a name of 1 to %d bytes and a 32-byte Ed25519 key", ErrMalformed, MaxNodeID)
	}
	return nil
}

// checkRules checks quorum rules against the number of operators; n < 0 means unknown (only the
// lower bounds are checked).
func CheckRules(r *QuorumRules, def, n int, needN bool) error {
	if r == nil {
		r = &QuorumRules{}
	}
	for _, q := range []int{def, r.Node, r.DomainKey, r.Governance, r.Export} {
		if q < 0 || q > MaxOperators || needN && q > n {
			return fmt.Errorf("%w: quorum %d is impossible with %d operators", ErrMalformed, q, n)
		}
	}
	if def < 1 {
		return fmt.Errorf("%w: the default quorum must be at least 1", ErrMalformed)
	}
	return nil
}

// ParseIdentityKey decodes a member's HSM identity public key (PKIX DER, RSA of 3072 to 8192 bits).
func ParseIdentityKey(der []byte) (*rsa.PublicKey, error) {
	if len(der) == 0 || len(der) > 2048 {
		return nil, fmt.Errorf("%w: identity key of %d bytes", ErrMalformed, len(der))
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: identity key: %v", ErrMalformed, err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok || rk.N.BitLen() < 3072 || rk.N.BitLen() > 8192 {
		return nil, fmt.Errorf("%w: identity key must be RSA of 3072 to 8192 bits", ErrMalformed)
	}
	return rk, nil
}
