package hsm

import (
	"fmt"
	"os"
	"time"

	"github.com/miekg/pkcs11"
)

// EnvSOPIN is the environment variable holding the security officer's PIN when
// Options.SOPINSource is empty. Only ceremonies read it.
const EnvSOPIN = "KEYHOLD_HSM_SO_PIN"

// soPIN reads the SO PIN for one use; the caller clears it.
func (t *Token) soPIN() ([]byte, error) {
	if t.soSource != "" {
		pin, err := readPINSource(t.soSource)
		if err != nil {
			return nil, &OpError{Op: "so_pin", Err: fmt.Errorf("%w: %v", ErrNoSOPIN, err)}
		}
		return pin, nil
	}
	if v := os.Getenv(EnvSOPIN); v != "" {
		return []byte(v), nil
	}
	return nil, &OpError{Op: "so_pin", Err: fmt.Errorf("%w: set Options.SOPINSource or $%s", ErrNoSOPIN, EnvSOPIN)}
}

// SOLogins reports how many security-officer logins this Token has made since it was opened.
// The node compares it around a ceremony pass to know that the SO PIN file was used and can go.
func (t *Token) SOLogins() uint64 { return t.soUses.Load() }

// withSOSession runs fn in a security-officer session. It holds every slot of the pool, so no
// user operation of this Token runs meanwhile, and always logs the user back in before
// returning, whatever fn or the SO login did.
func (t *Token) withSOSession(so []byte, fn func(pkcs11.SessionHandle) error) (err error) {
	for range t.size {
		select {
		case <-t.done:
			return &OpError{Op: "so_session", Err: ErrClosed}
		case t.sem <- struct{}{}:
		}
	}
	defer func() {
		for range t.size {
			<-t.sem
		}
	}()
	t.mod.gate.RLock()
	defer t.mod.gate.RUnlock()
	t.syncGen()
	slot, err := t.currentSlot()
	if err != nil {
		return err
	}
	ctx := t.mod.ctx
	sh, err := ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return mapErr("open_session", err)
	}
	defer func() { _ = ctx.CloseSession(sh) }()
	if err := ctx.Logout(sh); err != nil {
		if code, _ := ckrCode(err); code != pkcs11.CKR_USER_NOT_LOGGED_IN {
			return mapErr("logout", err)
		}
	}
	defer func() {
		// Back to the user login every other session of the process expects.
		start := time.Now()
		lerr := ctx.Login(sh, pkcs11.CKU_USER, string(t.pin))
		if code, _ := ckrCode(lerr); code == pkcs11.CKR_USER_ALREADY_LOGGED_IN {
			lerr = nil
		}
		t.observe("login", time.Since(start), mapErr("login", lerr))
		if lerr != nil && err == nil {
			err = mapErr("login", lerr)
		}
	}()
	start := time.Now()
	if err := ctx.Login(sh, pkcs11.CKU_SO, string(so)); err != nil {
		t.observe("so_login", time.Since(start), mapErr("so_login", err))
		return mapErr("so_login", err)
	}
	t.observe("so_login", time.Since(start), nil)
	t.soUses.Add(1)
	ferr := fn(sh)
	t.observe("so_create", time.Since(start), mapErr("so_create", ferr))
	if lerr := ctx.Logout(sh); lerr != nil && ferr == nil {
		ferr = lerr
	}
	return mapErr("so_create", ferr)
}
