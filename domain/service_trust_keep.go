package domain

import "github.com/keyhold/keyhold/domain/ceremony"

// TrustedIdentities returns the HSM identity keys (PKIX DER) a member HSM must keep trusting as
// wrapping keys: every current member's, and every identity an admit-node proposal still pending
// or approved names. The second set matters because the leader trusts and wraps to a joiner's
// identity before the execution that makes it a member is applied: a node that pruned trusted
// keys from the member list alone could destroy the new trust in between, and the next domain
// key rotation would then need the HSM's security officer again. One view, so that a proposal's
// execution is never seen half applied.
func (s *Service) TrustedIdentities() [][]byte {
	var out [][]byte
	s.st.View(func(v *View) {
		if d := v.Domain(); d != nil {
			for _, m := range d.Members {
				out = append(out, append([]byte(nil), m.IdentityKey...))
			}
		}
		for _, r := range v.Proposals() {
			if r.Kind != ceremony.KindAdmitNode || (r.Status != ProposalPending && r.Status != ProposalApproved) {
				continue
			}
			if p, err := ceremony.ParseProposal(r.Signed.Proposal); err == nil && p.Member != nil {
				out = append(out, append([]byte(nil), p.Member.IdentityKey...))
			}
		}
	})
	return out
}
