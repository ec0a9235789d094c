package main

import (
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
}

func newKeyring(tok *hsm.Token, st *domain.State) *hsmKeyring {
	return &hsmKeyring{tok: tok, state: st, keys: make(map[uint32]*hsm.AESKey)}
}

// DomainKey implements domain.Keyring. The handle is looked up once per version.
func (r *hsmKeyring) DomainKey(version uint32) (wrap.AEAD, error) {
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
	if err != nil {
		return nil, fmt.Errorf("keyring: domain key version %d: %w", version, err)
	}
	r.mu.Lock()
	r.keys[version] = k
	r.mu.Unlock()
	return k, nil
}
