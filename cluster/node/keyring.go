package node

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/hsm"
	"github.com/keyhold/keyhold/wrap"
)

// hsmKeyring opens domain key versions in this node's HSM by the labels the domain state records.
type hsmKeyring struct {
	tok   *hsm.Token
	state *domain.State
	mu    sync.RWMutex
	keys  map[uint32]*hsm.AESKey

	// install unwraps into the HSM the domain key versions the domain record wraps for this node
	// (domain.Service.SyncDomainKeys); set once, before serving. installMu serialises it, so that
	// two callers never unwrap the same version twice (two HSM objects under one label).
	install   func(context.Context) (int, error)
	installMu sync.Mutex

	// pruneMu serialises prune; pruned describes the domain it last pruned for (ceremony_prune.go).
	pruneMu sync.Mutex
	pruned  string

	health hsmHealth // the readiness probe (keyring_probe.go)
}

func newKeyring(tok *hsm.Token, st *domain.State) *hsmKeyring {
	return &hsmKeyring{tok: tok, state: st, keys: make(map[uint32]*hsm.AESKey)}
}

// DomainKey implements domain.Keyring. The handle is looked up once per version. ctx reaches
// the install of a missing version; the PKCS#11 lookup itself cannot be interrupted.
func (r *hsmKeyring) DomainKey(ctx context.Context, version uint32) (wrap.AEAD, error) {
	r.mu.RLock()
	k, ok := r.keys[version]
	r.mu.RUnlock()
	if ok {
		return k, nil
	}
	var label string
	r.state.View(func(v *domain.View) {
		if d := v.Domain(); d != nil {
			if dk, ok := d.DK(version); ok {
				label = dk.Label
			}
		}
	})
	if label == "" {
		return nil, fmt.Errorf("keyring: domain key version %d is not in the domain state", version)
	}
	k, err := r.tok.FindAESKey(label)
	if errors.Is(err, hsm.ErrKeyNotFound) {
		// A rotation executed on the leader reaches this node's state before its ceremony pass
		// installs the new version: install it now rather than fail the request.
		if _, ierr := r.syncKeys(ctx); ierr == nil {
			k, err = r.tok.FindAESKey(label)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: domain key version %d: %w", version, err)
	}
	r.mu.Lock()
	r.keys[version] = k
	r.mu.Unlock()
	return k, nil
}

// syncKeys runs install under installMu; every caller of SyncDomainKeys goes through it.
func (r *hsmKeyring) syncKeys(ctx context.Context) (int, error) {
	r.installMu.Lock()
	defer r.installMu.Unlock()
	if r.install == nil {
		return 0, nil
	}
	return r.install(ctx)
}
