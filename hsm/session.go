package hsm

import (
	"errors"
	"time"

	"github.com/miekg/pkcs11"
)

// withSession runs fn on a session borrowed from the pool, the only way this package touches a
// session. It reports the call to the Observer, replaces a session the token invalidated and
// retries fn once on the fresh session, and maps the module's error to a sentinel. fn may run
// twice, so it must not have committed anything when it fails with a session error (PKCS#11
// calls that fail that way have not).
func (t *Token) withSession(op string, fn func(pkcs11.SessionHandle) error) error {
	sh, err := t.getSession(op)
	if err != nil {
		return err
	}
	err = t.call(op, sh, fn)
	if code, ok := ckrCode(err); ok && sessionBroken[code] {
		t.log.Warn("hsm: replacing session", "op", op, "token", t.label, "ckr", ckrName(code))
		t.closeSession(sh)
		var openErr error
		if sh, _, openErr = t.openSession(); openErr != nil {
			t.putSession(0)
			return openErr
		}
		err = t.call(op, sh, fn)
	}
	mapped := mapErr(op, err)
	if code, ok := ckrCode(err); ok && (sessionBroken[code] || errors.Is(mapped, ErrDevice)) {
		// Do not hand a doubtful session to the next caller; it is re-opened on demand.
		t.closeSession(sh)
		sh = 0
	}
	t.putSession(sh)
	return mapped
}

// call runs fn once and reports it to the Observer.
func (t *Token) call(op string, sh pkcs11.SessionHandle, fn func(pkcs11.SessionHandle) error) error {
	start := time.Now()
	err := fn(sh)
	t.observe(op, time.Since(start), mapErr(op, err))
	return err
}

// getSession borrows a session from the pool, waiting while all are busy, and opens one if
// none is idle. It holds the module gate shared until putSession, so that no re-initialisation
// runs under the borrower; the pool slot is taken first, so a re-initialisation waits only for
// borrowers that are running. The caller must give the session back with putSession (0 if it
// closed it).
func (t *Token) getSession(op string) (pkcs11.SessionHandle, error) {
	select {
	case <-t.done:
		return 0, &OpError{Op: op, Err: ErrClosed}
	case t.sem <- struct{}{}:
	}
	select {
	case <-t.done:
		<-t.sem // Close is waiting for this slot
		return 0, &OpError{Op: op, Err: ErrClosed}
	default:
	}
	t.mod.gate.RLock()
	t.syncGen()
	var sh pkcs11.SessionHandle
	t.poolMu.Lock()
	if n := len(t.free); n > 0 {
		sh = t.free[n-1]
		t.free = t.free[:n-1]
	}
	t.poolMu.Unlock()
	if sh != 0 {
		return sh, nil
	}
	sh, _, err := t.openSession()
	if err != nil {
		t.mod.gate.RUnlock()
		<-t.sem
		return 0, err
	}
	return sh, nil
}

// putSession gives a borrowed session back; 0 means the borrower closed it.
func (t *Token) putSession(sh pkcs11.SessionHandle) {
	if sh != 0 {
		t.poolMu.Lock()
		t.free = append(t.free, sh)
		t.poolMu.Unlock()
	}
	t.mod.gate.RUnlock()
	<-t.sem
}

// syncGen forgets the pooled sessions and the slot hint if the module was re-initialised since
// this Token last looked: they belong to the library's previous life, and their numbers may
// already name another Token's sessions, so they are dropped, never closed. The caller holds the
// gate shared.
func (t *Token) syncGen() {
	cur := t.mod.gen.Load()
	t.poolMu.Lock()
	stale := t.gen != cur
	if stale {
		t.free, t.gen = nil, cur
	}
	t.poolMu.Unlock()
	if stale {
		t.slotMu.Lock()
		t.slotKnown = false
		t.slotMu.Unlock()
	}
}

// openSession opens a read-write session on the token and logs in unless the token is logged in
// already (a login is shared by all sessions of the process). already reports the latter.
func (t *Token) openSession() (sh pkcs11.SessionHandle, already bool, err error) {
	slot, err := t.currentSlot()
	if err != nil {
		return 0, false, err
	}
	ctx := t.mod.ctx
	start := time.Now()
	sh, err = ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	t.observe("open_session", time.Since(start), mapErr("open_session", err))
	if err != nil {
		return 0, false, mapErr("open_session", err)
	}
	already, err = t.ensureLogin(sh)
	if err != nil {
		_ = ctx.CloseSession(sh)
		return 0, false, mapErr("login", err)
	}
	return sh, already, nil
}

// ensureLogin logs the token in through sh unless it is logged in already, which already
// reports. Searches need it: a logged-out token hides private objects instead of failing.
func (t *Token) ensureLogin(sh pkcs11.SessionHandle) (already bool, err error) {
	ctx := t.mod.ctx
	info, err := ctx.GetSessionInfo(sh)
	if err != nil {
		return false, err
	}
	if info.State == pkcs11.CKS_RW_USER_FUNCTIONS || info.State == pkcs11.CKS_RO_USER_FUNCTIONS {
		return true, nil
	}
	start := time.Now()
	err = ctx.Login(sh, pkcs11.CKU_USER, string(t.pin))
	if code, _ := ckrCode(err); code == pkcs11.CKR_USER_ALREADY_LOGGED_IN {
		t.observe("login", time.Since(start), nil)
		return true, nil
	}
	t.observe("login", time.Since(start), mapErr("login", err))
	if err == nil {
		t.log.Info("hsm: logged in", "token", t.label)
	}
	return false, err
}

// closeSession closes a session the pool gives up on; its error is of no use to anyone.
func (t *Token) closeSession(sh pkcs11.SessionHandle) {
	if sh != 0 {
		_ = t.mod.ctx.CloseSession(sh)
	}
}
