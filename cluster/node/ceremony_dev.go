package node

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/domain"
)

// devAdmitNode runs the admit-node ceremony on n (which must be the raft leader) with the dev
// operator's key: it builds the proposal for the current domain epoch, signs it (1-of-1 quorum
// in dev), submits it, and drives the leader's HSM work (trust the member's identity key as the
// SO, wrap every live domain key to it) until the member is in the domain record. The member
// then installs its keys from the replicated record (ceremonyJobs → SyncDomainKeys), or at once
// through its own node's ceremonyPass. identity is the member's HSM identity public key (PKIX
// DER), as ceremonyHSM.IdentityKey returns it on the member; pin is its peer certificate's pin
// (peerauth.go), nil for a member without peer TLS.
func devAdmitNode(ctx context.Context, n *Node, op ed25519.PrivateKey, nodeID, addr string, identity, pin []byte) error {
	d := n.svc.Domain()
	if d == nil {
		return fmt.Errorf("admitting %s: the domain is not initialised", nodeID)
	}
	for _, m := range d.Members {
		if m.NodeID == nodeID {
			return nil // admitted on an earlier run
		}
	}
	p := ceremony.NewProposal(ceremony.KindAdmitNode, d.ID, d.Epoch, time.Now(), time.Hour)
	p.Member = &ceremony.Member{NodeID: nodeID, Address: addr, IdentityKey: identity, TLSPin: pin}
	signed, id, err := ceremony.SignNewProposal(p, op)
	if err != nil {
		return err
	}
	if _, err := n.svc.SubmitProposal(ctx, signed); err != nil {
		return fmt.Errorf("admitting %s: %w", nodeID, err)
	}
	if err := n.svc.RunCeremonies(ctx); err != nil {
		return fmt.Errorf("admitting %s: %w", nodeID, err)
	}
	rec, err := n.svc.Proposal(ctx, id)
	if err != nil {
		return err
	}
	if rec.Status != domain.ProposalExecuted {
		return fmt.Errorf("admitting %s: proposal %s is %s", nodeID, id, rec.Status)
	}
	return nil
}
