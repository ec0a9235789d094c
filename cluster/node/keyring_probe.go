package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/hsm"
)

// HSM health for readiness. A background loop proves the HSM usable every probeInterval with a
// real operation under the current domain key (hsm.AESKey.Probe: AES-GCM seal and open of a
// constant) and heals the token when the probe fails (hsm.Token.Heal: look the token up again,
// re-initialise the module if it vanished; hsm.Token.Reinitialize after wedgedAfter consecutive
// device failures with the token present). /readyz reads the last result, so a readiness storm
// costs the HSM nothing and a dead HSM shows within about a second.
const (
	probeInterval = time.Second
	// probeStale: a result older than this means the loop is stuck (a hung HSM call): not ready.
	probeStale  = 5 * probeInterval
	wedgedAfter = 3
)

// hsmHealth is the last probe's outcome.
type hsmHealth struct {
	mu       sync.Mutex
	err      error
	at       time.Time
	failures int // consecutive failed probes
	loop     sync.Once
}

// hsmReady reports whether the last probe of the current domain key succeeded recently. The
// first call probes at once and starts the loop, which ends when the token is closed.
func (r *hsmKeyring) hsmReady() error {
	r.health.loop.Do(func() {
		r.probe()
		go r.probeLoop()
	})
	h := &r.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if age := time.Since(h.at); age > probeStale {
		return fmt.Errorf("the HSM probe has not answered for %s", age.Round(time.Second))
	}
	if h.err != nil {
		return fmt.Errorf("the HSM fails a real operation under the current domain key: %w", h.err)
	}
	return nil
}

func (r *hsmKeyring) probeLoop() {
	t := time.NewTicker(probeInterval)
	defer t.Stop()
	for range t.C {
		if errors.Is(r.probe(), hsm.ErrClosed) {
			return
		}
	}
}

// probe runs one probe, heals on failure, and records the outcome.
func (r *hsmKeyring) probe() error {
	err := r.probeOnce()
	h := &r.health
	h.mu.Lock()
	if err != nil {
		h.failures++
	} else {
		h.failures = 0
	}
	failures := h.failures
	h.mu.Unlock()
	if err != nil && !errors.Is(err, hsm.ErrClosed) {
		healErr := r.tok.Heal()
		if healErr == nil && failures >= wedgedAfter && retryableHSM(err) {
			healErr = r.tok.Reinitialize()
		}
		if healErr == nil {
			err = r.probeOnce() // healed: say so now rather than in a second
		}
	}
	h.mu.Lock()
	h.err, h.at = err, time.Now()
	if err == nil {
		h.failures = 0
	}
	h.mu.Unlock()
	return err
}

// probeOnce is the real operation: AES-GCM under the current domain key, or, before the domain
// exists, a random draw from the token.
func (r *hsmKeyring) probeOnce() error {
	var current uint32
	r.state.View(func(v *domain.View) {
		if d := v.Domain(); d != nil {
			current = d.CurrentDK
		}
	})
	if current == 0 {
		_, err := r.tok.Random(16)
		return err
	}
	aead, err := r.DomainKey(context.Background(), current)
	if err != nil {
		return err
	}
	k, ok := aead.(*hsm.AESKey)
	if !ok {
		return fmt.Errorf("keyring: domain key version %d is not an HSM key", current)
	}
	return k.Probe()
}

// retryableHSM reports the failures that a module re-initialisation may cure.
func retryableHSM(err error) bool {
	return errors.Is(err, hsm.ErrDevice) || errors.Is(err, hsm.ErrSessionClosed) || errors.Is(err, hsm.ErrTokenNotFound)
}
