package node

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/hsm"
)

// identityLabel is the HSM label of this node's identity key pair.
const identityLabel = "keyhold-identity"

// ceremonyHSM implements domain.CeremonyHSM over this node's token. Its methods ignore ctx: a
// PKCS#11 call cannot be interrupted once started, and each is short (key generation, one wrap).
type ceremonyHSM struct{ tok *hsm.Token }

// IdentityKey returns this HSM's identity public key, generating the pair on first use (about
// half a second on SoftHSM2; nodes that never take part in a ceremony never pay it).
func (c ceremonyHSM) IdentityKey(context.Context) ([]byte, error) {
	pub, err := c.tok.IdentityPublicKey(identityLabel)
	if errors.Is(err, hsm.ErrKeyNotFound) {
		pub, err = c.tok.GenerateIdentityKey(identityLabel)
	}
	if err != nil {
		return nil, err
	}
	// An identity key made before keyhold gave it an unwrap template must not receive domain
	// keys: with the user PIN alone they could be unwrapped from it as readable keys.
	if ok, err := c.tok.IdentityKeyGuarded(identityLabel); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("this HSM's identity key %q has no unwrap template, so the user PIN could read domain keys wrapped to it: destroy the key pair in the HSM and retry to generate a guarded one (a member must then be removed and admitted again with it)", identityLabel)
	}
	return x509.MarshalPKIXPublicKey(pub)
}

func (c ceremonyHSM) GenerateDomainKey(_ context.Context, label string) error {
	_, err := c.tok.GenerateDomainKey(label)
	return err
}

func (c ceremonyHSM) HasDomainKey(_ context.Context, label string) (bool, error) {
	_, err := c.tok.FindAESKey(label)
	if errors.Is(err, hsm.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// WrapDomainKey trusts the member's identity key under a label derived from its node id and
// key hash (so a re-admitted node with a new HSM gets a new trusted object), then wraps.
func (c ceremonyHSM) WrapDomainKey(_ context.Context, label, nodeID string, identity []byte) ([]byte, error) {
	pub, err := ceremony.ParseIdentityKey(identity)
	if err != nil {
		return nil, err
	}
	trusted := trustedLabel(identity)
	ok, err := c.tok.HasTrustedKey(trusted)
	if err != nil {
		return nil, err
	}
	if !ok {
		err := c.tok.TrustWrappingKey(trusted, (*rsa.PublicKey)(pub))
		if errors.Is(err, hsm.ErrNoSOPIN) {
			return nil, fmt.Errorf("trusting the identity key of %s needs this HSM's security officer: write the SO PIN to hsm_so_pin_file on this node for the ceremony (it is deleted once used): %w", nodeID, err)
		}
		if err != nil && !errors.Is(err, hsm.ErrKeyExists) {
			return nil, fmt.Errorf("trusting the identity key of %s: %w", nodeID, err)
		}
	}
	return c.tok.WrapDomainKey(label, trusted)
}

func (c ceremonyHSM) UnwrapDomainKey(_ context.Context, label string, wrapped []byte) error {
	_, err := c.tok.UnwrapDomainKey(identityLabel, label, wrapped)
	return err
}

// ceremonyInterval is how often a node looks for ceremony work. Ceremonies are rare; a second
// keeps an approved proposal's execution prompt without measurable cost.
const ceremonyInterval = time.Second

// ceremonyJobs runs the ceremony work: on every node, installing domain keys wrapped for it; on
// the leader, executing approved proposals, expiring stale ones, removing servers that are no
// longer members from raft, creating the root principal (root_credentials_file) and re-wrapping
// key tokens after a domain key rotation, batch after batch until done.
func (n *Node) ceremonyJobs(ctx context.Context) {
	// Start the HSM probe loop now rather than at the first /readyz, so that the HSM heals even
	// where nothing polls readiness (keyring_probe.go).
	_ = n.ring.hsmReady()
	t := time.NewTicker(ceremonyInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n.ceremonyPass(ctx)
	}
}

// ceremonyPass is one round of ceremonyJobs; tests call it to avoid waiting for the ticker.
func (n *Node) ceremonyPass(ctx context.Context) {
	if _, err := n.ring.syncKeys(ctx); err != nil {
		n.log.Warn("installing domain keys failed; will retry", "err", err)
	}
	if err := n.ring.prune(n.svc.Domain(), n.svc.TrustedIdentities); err != nil {
		n.log.Warn("destroying retired domain keys and removed members' trust in the HSM failed; will retry", "err", err)
	}
	if !n.raft.IsLeader() {
		return
	}
	soBefore := n.tok.SOLogins()
	err := n.svc.RunCeremonies(ctx)
	if err != nil {
		n.log.Warn("ceremony work failed; will retry", "err", err)
	}
	n.forgetSOPIN(soBefore, err)  // ceremony_sopin.go
	n.removeNonMembers(ctx)       // a removed member leaves raft (raftmembers.go)
	n.bootstrapRootPrincipal(ctx) // root_credentials_file (rootcreds.go)
	for ctx.Err() == nil && n.raft.IsLeader() {
		done, err := n.svc.RewrapStep(ctx, domain.DefaultRewrapBatch)
		if err != nil {
			n.log.Warn("domain key re-wrap failed; will resume from the last batch", "err", err)
			return
		}
		if done {
			return
		}
	}
}

// registerCeremonyMetrics exposes re-wrap progress (keyhold_domain_rewrap_*) and open proposals.
func (n *Node) registerCeremonyMetrics() {
	m := n.metrics
	m.GaugeFunc("keyhold_domain_rewrap_remaining", "Key tokens and credentials still sealed under an older domain key version.", func() float64 {
		return float64(n.svc.RewrapStatus().Remaining)
	})
	m.CounterFunc("keyhold_domain_rewrap_tokens_total", "Key tokens and credentials re-wrapped since the last domain key rotation.", func() float64 {
		return float64(n.svc.RewrapStatus().Rewrapped)
	})
	m.GaugeFunc("keyhold_domain_rewrap_target_version", "Domain key version the re-wrap moves tokens to (0: none ran).", func() float64 {
		return float64(n.svc.RewrapStatus().Target)
	})
	m.GaugeFunc("keyhold_domain_epoch", "Ceremonies applied to the domain.", func() float64 {
		return float64(n.svc.Status().Epoch)
	})
	m.GaugeFunc("keyhold_domain_open_proposals", "Ceremony proposals waiting for approvals or execution.", func() float64 {
		return float64(n.svc.Status().Open)
	})
}

// memberAddr is the address this node records as a domain member: the raft address peers dial.
func memberAddr(cfg Config) string {
	if cfg.RaftAdvertise != "" {
		return cfg.RaftAdvertise
	}
	return cfg.RaftAddr
}
