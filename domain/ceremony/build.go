package ceremony

import (
	"crypto/ed25519"
	"crypto/rand"
	"time"
)

// DefaultProposalTTL is how long a proposal waits for its quorum unless its proposer says
// otherwise.
const DefaultProposalTTL = 24 * time.Hour

// NewProposal starts a proposal of kind for domain domainID at epoch, expiring ttl after now
// (DefaultProposalTTL when ttl is 0), with a fresh random nonce. The caller sets the fields the
// kind uses, then signs it with SignNewProposal.
func NewProposal(kind ProposalKind, domainID string, epoch uint64, now time.Time, ttl time.Duration) *Proposal {
	if ttl <= 0 {
		ttl = DefaultProposalTTL
	}
	nonce := make([]byte, ProposalNonceSize)
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return &Proposal{
		Version: proposalVersion, DomainID: domainID, Epoch: epoch, Kind: kind,
		Nonce: nonce, NotAfter: now.Add(ttl).Unix(),
	}
}

// SignNewProposal encodes p, signs it with the proposer's approval and returns the signed
// proposal's bytes (what POST /v1/admin/proposals takes, or Service.SubmitProposal) and its id.
func SignNewProposal(p *Proposal, priv ed25519.PrivateKey) (signed []byte, id string, err error) {
	b, err := MarshalProposal(p)
	if err != nil {
		return nil, "", err
	}
	sp := SignedProposal{Proposal: b, Signatures: []Signature{SignProposal(priv, b, VerdictApprove)}}
	return sp.Marshal(), ProposalID(b), nil
}
