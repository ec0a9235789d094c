package domain

import (
	"context"
	"fmt"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// CeremonyHSM is the HSM work ceremonies need from this node, implemented over package hsm by
// the node runtime. Domain keys are named by the labels the domain record gives them. Every
// method takes the caller's ctx; an implementation over PKCS#11, whose calls cannot be
// interrupted, may only check it before starting.
type CeremonyHSM interface {
	// IdentityKey returns the PKIX DER of this node's HSM identity public key, generating the
	// key pair on first use. Its private half never leaves the HSM.
	IdentityKey(ctx context.Context) ([]byte, error)
	// GenerateDomainKey creates a new domain key labelled label in the HSM.
	GenerateDomainKey(ctx context.Context, label string) error
	// HasDomainKey reports whether the HSM holds the domain key labelled label.
	HasDomainKey(ctx context.Context, label string) (bool, error)
	// WrapDomainKey wraps the domain key labelled label to member nodeID's identity key (PKIX
	// DER), first importing that key as a trusted wrapping key (a security-officer operation)
	// if the HSM does not trust it yet.
	WrapDomainKey(ctx context.Context, label, nodeID string, identity []byte) ([]byte, error)
	// UnwrapDomainKey unwraps wrapped (made by a peer's WrapDomainKey for this node's identity)
	// into the HSM under label.
	UnwrapDomainKey(ctx context.Context, label string, wrapped []byte) error
}

// SubmitProposal submits a signed proposal (canonical CBOR of a SignedProposal) and returns its
// id. The cluster verifies every signature against the domain's operators; a submission carrying
// enough approvals executes at once (or is approved for the leader's HSM work).
func (s *Service) SubmitProposal(ctx context.Context, signed []byte) (string, error) {
	sp, p, err := ceremony.ParseSignedProposal(signed)
	if err != nil {
		return "", errorf(ErrValidation, "%v", err)
	}
	if p.Kind == ceremony.KindInitDomain {
		if err := s.checkBootstrapInit(sp); err != nil {
			return "", err
		}
	}
	cmd := submitProposalCmd{Signed: signed, At: s.now()}
	if err := s.propose(ctx, encode(cmdSubmitProposal, cmd)); err != nil {
		return "", err
	}
	return ceremony.ProposalID(sp.Proposal), nil
}

// SignProposalVerdict adds one operator's verdict (approve or reject) to a proposal.
func (s *Service) SignProposalVerdict(ctx context.Context, id string, sig ceremony.Signature) error {
	if err := sig.Check(); err != nil {
		return errorf(ErrValidation, "%v", err)
	}
	return s.propose(ctx, encode(cmdApproveProposal, approveProposalCmd{ID: id, Signature: sig, At: s.now()}))
}

// Proposals returns the proposals the state keeps, oldest first.
func (s *Service) Proposals() []*ProposalRecord {
	var out []*ProposalRecord
	s.st.View(func(v *View) { out = v.Proposals() })
	return out
}

// Proposal returns the proposal with id. Like a key, a proposal submitted through another node
// is found here as soon as its submission returned there (lookup catches up before NotFound).
func (s *Service) Proposal(ctx context.Context, id string) (*ProposalRecord, error) {
	var out *ProposalRecord
	s.lookup(ctx, func(v *View) bool { out = v.Proposal(id); return out != nil })
	if out == nil {
		return nil, errorf(ErrNotFound, "proposal %s does not exist", id)
	}
	return out, nil
}

// DomainKeyLabel is the HSM label of domain key version v of domain id: unique per domain so
// that HSMs restored from backups of several domains never confuse their keys.
func DomainKeyLabel(domainID string, v uint32) string {
	if len(domainID) > 16 {
		domainID = domainID[:16]
	}
	return fmt.Sprintf("keyhold-dk-%s-v%d", domainID, v)
}

// RunCeremonies does the leader's share of ceremonies: it expires proposals past their deadline
// and executes approved ones that need HSM work (init-domain, admit-node, rotate-domain-key).
// The node calls it on the leader on a timer; tests call it directly.
func (s *Service) RunCeremonies(ctx context.Context) error {
	now := s.now()
	var due []*ProposalRecord
	expire := false
	s.st.View(func(v *View) {
		for _, r := range v.Proposals() {
			switch {
			case (r.Status == ProposalPending || r.Status == ProposalApproved) && !now.Before(r.NotAfter):
				expire = true
			case r.Status == ProposalApproved:
				due = append(due, r)
			}
		}
	})
	if expire {
		if err := s.propose(ctx, encode(cmdExpireProposals, expireProposalsCmd{At: now})); err != nil {
			return err
		}
	}
	for _, r := range due {
		if err := s.executeCeremony(ctx, r); err != nil {
			err = fmt.Errorf("domain: executing proposal %s (%s): %w", r.ID, r.Kind, err)
			s.execFail.record(r, err, now)
			return err
		}
		s.execFail.clear(r.ID)
	}
	return nil
}

// executeCeremony does the HSM work of an approved proposal, then proposes its execution.
func (s *Service) executeCeremony(ctx context.Context, r *ProposalRecord) error {
	if s.cfg.HSM == nil {
		return errorf(ErrUnsupported, "this node has no HSM for ceremonies")
	}
	p, err := ceremony.ParseProposal(r.Signed.Proposal)
	if err != nil {
		return err
	}
	now := s.now()
	cmd := executeProposalCmd{ID: r.ID, At: now, Executor: s.cfg.NodeID}
	k := kindOf(p.Kind)
	if k == nil || k.prepare == nil {
		return nil
	}
	if err := k.prepare(ctx, s, p, s.Domain(), &cmd); err != nil {
		return err
	}
	if err := s.propose(ctx, encode(cmdExecuteProposal, cmd)); err != nil {
		return err
	}
	s.log.Info("ceremony executed", "proposal", r.ID, "kind", p.Kind.String())
	return nil
}

// ensureDomainKey generates the domain key labelled label unless a previous attempt (a leader
// that crashed before proposing) left it in the HSM already.
func (s *Service) ensureDomainKey(ctx context.Context, label string) error {
	ok, err := s.cfg.HSM.HasDomainKey(ctx, label)
	if err != nil {
		return dependencyError("looking up the domain key", err)
	}
	if !ok {
		if err := s.cfg.HSM.GenerateDomainKey(ctx, label); err != nil {
			return dependencyError("generating the domain key", err)
		}
	}
	return nil
}

// SyncDomainKeys installs in this node's HSM every domain key version the record wraps for this
// node and the HSM does not hold yet. Every node runs it (a node admitted by a ceremony gets its
// keys this way once the replicated record reaches it); it is idempotent.
func (s *Service) SyncDomainKeys(ctx context.Context) (installed int, err error) {
	d := s.Domain()
	if d == nil || s.cfg.HSM == nil {
		return 0, nil
	}
	me := d.FindMember(s.cfg.NodeID)
	if me == nil {
		return 0, nil
	}
	for _, dk := range d.DKVersions {
		w, ok := me.Wrapped(dk.Version)
		if !ok || dk.State == ceremony.DKStateRetired {
			continue
		}
		has, err := s.cfg.HSM.HasDomainKey(ctx, dk.Label)
		if err != nil {
			return installed, dependencyError("looking up the domain key", err)
		}
		if has {
			continue
		}
		if err := s.cfg.HSM.UnwrapDomainKey(ctx, dk.Label, w); err != nil {
			return installed, dependencyError(fmt.Sprintf("unwrapping domain key version %d", dk.Version), err)
		}
		installed++
		s.log.Info("domain key installed in this node's HSM", "dk_version", dk.Version)
	}
	return installed, nil
}

// DomainToken returns the token made by the most recent executed export-token proposal.
func (s *Service) DomainToken() ([]byte, error) {
	var tok []byte
	s.st.View(func(v *View) {
		ps := v.Proposals()
		for i := len(ps) - 1; i >= 0; i-- {
			if r := ps[i]; r.Kind == ceremony.KindExportToken && r.Status == ProposalExecuted {
				t := ceremony.DomainToken{Version: ceremony.TokenVersion, Record: r.Record, Export: r.Signed.Marshal()}
				tok = t.Marshal()
				return
			}
		}
	})
	if tok == nil {
		return nil, errorf(ErrNotFound, "no domain token has been exported: run the export-token ceremony first")
	}
	return tok, nil
}

// ImportDomainToken installs a domain token on this node: disaster recovery onto a fresh node
// whose HSM is a member of the token's domain (the same HSM, or one restored from an HSM
// backup). The token must carry approvals by enough of this node's configured recovery
// operators (Config.RecoveryOperators) — never by keys the caller names — and the node must have
// no domain yet: import never rolls a live domain's record forward or back. It installs the
// domain keys wrapped for this node that its HSM lacks, then proposes the import, which Apply
// verifies again (applyImportDomain).
func (s *Service) ImportDomainToken(ctx context.Context, token []byte) error {
	t, err := ceremony.ParseToken(token)
	if err != nil {
		return errorf(ErrValidation, "the domain token is malformed: %v", err)
	}
	if cur := s.Domain(); cur != nil {
		return errorf(ErrAlreadyExists, "this node already has domain %s (epoch %d): a domain token is imported only onto a node without a domain", cur.ID, cur.Epoch)
	}
	anchors := s.cfg.RecoveryOperators
	if len(anchors) == 0 {
		return errorf(ErrAccessDenied, "this node trusts no operator keys for import: set recovery_operator_keys to the public keys of the operators who approve domain exports")
	}
	d, err := ceremony.VerifyToken(t, anchors)
	if err != nil {
		return errorf(ErrAccessDenied, "%v", err)
	}
	if s.cfg.HSM == nil {
		return errorf(ErrUnsupported, "this node has no HSM")
	}
	id, err := s.cfg.HSM.IdentityKey(ctx)
	if err != nil {
		return dependencyError("reading the HSM identity key", err)
	}
	var me *ceremony.Member
	for i := range d.Members {
		if string(d.Members[i].IdentityKey) == string(id) {
			me = &d.Members[i]
		}
	}
	if me == nil || me.NodeID != s.cfg.NodeID {
		return errorf(ErrAccessDenied, "this node (%s) and its HSM are not a member of domain %s", s.cfg.NodeID, d.ID)
	}
	for _, dk := range d.DKVersions {
		if dk.State == ceremony.DKStateRetired {
			continue
		}
		has, err := s.cfg.HSM.HasDomainKey(ctx, dk.Label)
		if err != nil {
			return dependencyError("looking up the domain key", err)
		}
		if has {
			continue
		}
		w, ok := me.Wrapped(dk.Version)
		if !ok {
			return errorf(ErrValidation, "this node's HSM lacks domain key version %d and the token has no copy wrapped for it", dk.Version)
		}
		if err := s.cfg.HSM.UnwrapDomainKey(ctx, dk.Label, w); err != nil {
			return dependencyError("unwrapping the domain key", err)
		}
	}
	return s.propose(ctx, encode(cmdImportDomain, importDomainCmd{Token: token, Anchors: anchors, At: s.now()}))
}

// Identity returns this node's id and its HSM identity public key (PKIX DER), the inputs of an
// admit-node proposal for it.
func (s *Service) Identity(ctx context.Context) (nodeID string, identity []byte, err error) {
	if s.cfg.HSM == nil {
		return "", nil, errorf(ErrUnsupported, "this node has no HSM")
	}
	id, err := s.cfg.HSM.IdentityKey(ctx)
	if err != nil {
		return "", nil, dependencyError("reading the HSM identity key", err)
	}
	return s.cfg.NodeID, id, nil
}
