package domain

import (
	"crypto/ed25519"
	"slices"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// Trust anchors. Once a domain exists, the operators in its replicated record are the only keys
// that may act for it. Before that, a node trusts only keys configured on it by whoever started
// it (Config.BootstrapOperators, Config.RecoveryOperators): nothing a caller sends can make a
// key trusted. This closes two take-overs open to anyone who reached the ops listener: being
// first to init a fresh node, and importing a token signed by keys the request itself named.

// AdminSigner reports whether pub may sign admin requests to this node: an operator of the
// domain; before a domain exists, a configured bootstrap or recovery operator, or an operator
// named by an init-domain proposal still open (one a bootstrap operator submitted: see
// SubmitProposal), so that the other founding operators can approve it.
func (s *Service) AdminSigner(pub ed25519.PublicKey) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	var ok bool
	s.st.View(func(v *View) {
		if d := v.Domain(); d != nil {
			ok = ceremony.IsOperator(d.Operators, pub)
			return
		}
		if containsKey(s.cfg.BootstrapOperators, pub) || containsKey(s.cfg.RecoveryOperators, pub) {
			ok = true
			return
		}
		for _, r := range v.Proposals() {
			if r.Kind != ceremony.KindInitDomain || r.Status != ProposalPending {
				continue
			}
			if p, err := ceremony.ParseProposal(r.Signed.Proposal); err == nil && ceremony.IsOperator(p.Operators, pub) {
				ok = true
				return
			}
		}
	})
	return ok
}

// checkBootstrapInit refuses an init-domain proposal that carries no valid approval by a
// configured bootstrap operator. Apply cannot make this check (the keys are local
// configuration, not replicated state); it need not: a node without a domain is the only voter
// of its raft cluster and admits no peer, so its own Service is the only way a command reaches
// its log.
func (s *Service) checkBootstrapInit(sp *ceremony.SignedProposal) error {
	if len(s.cfg.BootstrapOperators) == 0 {
		return errorf(ErrAccessDenied, "this node has no bootstrap operator keys: set bootstrap_operator_keys to the public keys of the operators who may initialise the domain")
	}
	ops := make([]ceremony.Operator, len(s.cfg.BootstrapOperators))
	for i, k := range s.cfg.BootstrapOperators {
		ops[i] = ceremony.Operator{PublicKey: k}
	}
	if approve, _ := ceremony.CountVerdicts(sp.Proposal, sp.Signatures, ops); approve == 0 {
		return errorf(ErrAccessDenied, "the init-domain proposal carries no approval by a bootstrap operator configured on this node")
	}
	return nil
}

func containsKey(keys []ed25519.PublicKey, pub ed25519.PublicKey) bool {
	return slices.ContainsFunc(keys, func(k ed25519.PublicKey) bool { return k.Equal(pub) })
}

func operatorKeys(ops []ceremony.Operator) []ed25519.PublicKey {
	out := make([]ed25519.PublicKey, len(ops))
	for i, o := range ops {
		out[i] = o.PublicKey
	}
	return out
}
