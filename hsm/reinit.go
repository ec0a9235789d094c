package hsm

import (
	"fmt"
	"time"

	"github.com/miekg/pkcs11"
)

// Healing a token that went away.
//
// A token can vanish under a running process: a network HSM reboots, a card is reset, SoftHSM2's
// token directory is moved or its disk fails. Sessions and object handles die with it, and some
// modules never notice the token coming back: SoftHSM2 2.6.1 keeps answering CKR_GENERAL_ERROR
// for the slot (and empty object searches) until the library is re-initialised, even after the
// directory is restored (HSM-NOTES.md). So Heal looks for the token and, if it is not to be
// found, re-initialises the module: C_Finalize then C_Initialize, under the module's gate held
// exclusively, so no call of any Token of this process is in flight. Re-initialising ends every
// session and login of the process on that module, which is why it is the last resort and rate
// limited: the other Tokens notice the new generation on their next operation, drop their pooled
// sessions (without closing them: the numbers may be reused) and log in again, and every cached
// object handle of an older generation is looked up again by label before use (AESKey.do), since
// a handle number may name another object after the restart.

// reinitInterval is the least time between two re-initialisations of a module.
const reinitInterval = 2 * time.Second

// present reports, as ErrDevice, that the token is no longer where it was last seen (or not
// answering there). The caller holds the gate shared.
func (t *Token) present() error {
	t.slotMu.Lock()
	slot, known := t.slot, t.slotKnown
	t.slotMu.Unlock()
	if !known {
		return nil // looked up afresh by the next session anyway
	}
	info, err := t.mod.ctx.GetTokenInfo(slot)
	if err != nil {
		code, _ := ckrCode(err)
		return &OpError{Op: "token_info", Code: code, Err: ErrDevice}
	}
	if !t.matches(info) {
		return &OpError{Op: "token_info", Err: fmt.Errorf("%w: the token left its slot", ErrDevice)}
	}
	return nil
}

// Heal checks that the token is reachable and, if it is not, tries to get it back: it looks it
// up again among the slots, and if that fails, re-initialises the module (at most once per
// reinitInterval per module) and looks again. It returns nil once the token answers. Operations
// running meanwhile fail with retryable errors (ErrDevice, ErrTokenNotFound); they need no
// restart of the process afterwards.
func (t *Token) Heal() error {
	if t.closed.Load() {
		return &OpError{Op: "heal", Err: ErrClosed}
	}
	if err := t.lookUp(); err == nil {
		return nil
	}
	reinit, err := t.mod.reinit()
	if err != nil {
		return err
	}
	if reinit {
		t.log.Warn("hsm: token unreachable: PKCS#11 module re-initialised", "token", t.label, "module", t.mod.path)
	}
	return t.lookUp()
}

// Reinitialize re-initialises the module unconditionally (but at most once per reinitInterval),
// for a token that is present but whose every operation fails: a wedged module. See Heal.
func (t *Token) Reinitialize() error {
	if t.closed.Load() {
		return &OpError{Op: "reinit", Err: ErrClosed}
	}
	reinit, err := t.mod.reinit()
	if err == nil && reinit {
		t.log.Warn("hsm: PKCS#11 module re-initialised after repeated failures", "token", t.label, "module", t.mod.path)
	}
	return err
}

// checkGen fails, retryably, when the module was re-initialised since gen, the generation before
// the handles the caller holds were found: they may name other objects now. The caller holds the
// gate shared (it runs inside withSession).
func (t *Token) checkGen(op string, gen uint64) error {
	if t.mod.gen.Load() != gen {
		return &OpError{Op: op, Err: fmt.Errorf("%w: the module was re-initialised during the operation", ErrDevice)}
	}
	return nil
}

// lookUp finds the token's slot afresh if it left the one last seen.
func (t *Token) lookUp() error {
	t.mod.gate.RLock()
	defer t.mod.gate.RUnlock()
	t.syncGen()
	if err := t.present(); err == nil {
		t.slotMu.Lock()
		known := t.slotKnown
		t.slotMu.Unlock()
		if known {
			return nil
		}
	}
	_, err := t.locate()
	return err
}

// reinit runs C_Finalize and C_Initialize with no call of this process in flight and moves the
// module to a new generation. It reports false, doing nothing, within reinitInterval of the last.
func (m *module) reinit() (bool, error) {
	m.gate.Lock()
	defer m.gate.Unlock()
	if !m.lastReinit.IsZero() && time.Since(m.lastReinit) < reinitInterval {
		return false, nil
	}
	m.lastReinit = time.Now()
	// A failed C_Finalize is ignored: C_Initialize below tells whether the library is usable.
	_ = m.ctx.Finalize()
	// Every session and handle of the old life is void from here on, whatever Initialize says.
	m.gen.Add(1)
	if err := m.ctx.Initialize(); err != nil {
		if code, _ := ckrCode(err); code != pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED {
			return true, fmt.Errorf("%w: %s: C_Initialize: %s", ErrModule, m.path, ckrName(code))
		}
	}
	return true, nil
}
