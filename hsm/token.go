package hsm

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/pkcs11"
)

// Options for Open. The zero value is usable given a PIN in the URI or the environment.
type Options struct {
	// PIN is the user PIN. It overrides the URI; if empty, Open uses pin-value, then the
	// pin-source file, then $KEYHOLD_HSM_PIN.
	PIN string
	// SOPINSource names where the security officer's PIN is read when a ceremony needs it
	// (TrustWrappingKey): "file:/path" or a bare path. Empty means $KEYHOLD_HSM_SO_PIN. The SO PIN
	// is read at each use and never kept: it is needed rarely, and only for ceremonies.
	SOPINSource string
	// Sessions is the size of the session pool, which is also the Token's concurrency.
	// 0 means DefaultSessions.
	Sessions int
	// Observer, if set, is called after every PKCS#11 operation with its name ("encrypt",
	// "decrypt", "generate_key", "random", "find", "find_token", "open_session", "login"), its
	// duration and its error (nil, or one wrapping a sentinel). It must be fast and safe for
	// concurrent use; it is how metrics are collected.
	Observer func(op string, d time.Duration, err error)
	// Logger receives session replacements and lifecycle events. Nil discards them.
	Logger *slog.Logger
}

// DefaultSessions is the pool size when Options.Sessions is 0.
const DefaultSessions = 8

// maxSessions bounds Options.Sessions; tokens allow far fewer sessions than this anyway.
const maxSessions = 1024

// Token is an open, logged-in PKCS#11 token. It is safe for concurrent use; at most
// Options.Sessions operations run at once, the others wait for a session.
type Token struct {
	mod      *module
	label    string // the token's label as the token reports it
	serial   string
	loginKey string // identifies the token in mod.logins
	uri      URI    // the lookup attributes; no PIN
	pin      []byte // kept to log in again on a replaced session; cleared by Close
	soSource string // Options.SOPINSource
	soUses   atomic.Uint64
	observe  func(op string, d time.Duration, err error)
	log      *slog.Logger

	slotMu    sync.Mutex
	slot      uint // last slot the token was seen in: a hint, checked before each use
	slotKnown bool

	// The pool: sem holds one token per borrowed session, so at most size operations run;
	// free holds the opened idle sessions, used last-in first-out so that a lightly loaded Token
	// keeps few sessions open.
	size   int
	sem    chan struct{}
	poolMu sync.Mutex
	free   []pkcs11.SessionHandle
	gen    uint64        // module generation free's sessions belong to; guarded by poolMu
	done   chan struct{} // closed by Close
	closed atomic.Bool

	genMu sync.Mutex // serialises GenerateAESKey's check-then-create within the process
}

// Open loads the module the URI names, finds the token by its label and/or serial (and
// manufacturer and model, when given), opens the session pool and logs in as CKU_USER.
//
// Errors wrap ErrModule (the module cannot be loaded), ErrTokenNotFound, ErrAmbiguous (several
// tokens match), ErrNoPIN, ErrPINIncorrect, ErrPINLocked or ErrDevice.
func Open(uri URI, opts Options) (*Token, error) {
	if uri.Token == "" && uri.Serial == "" {
		return nil, fmt.Errorf("%w: the URI names no token (token= or serial=)", ErrInvalidArgument)
	}
	size := opts.Sessions
	if size == 0 {
		size = DefaultSessions
	}
	if size < 0 || size > maxSessions {
		return nil, fmt.Errorf("%w: Sessions = %d, want 1 to %d", ErrInvalidArgument, opts.Sessions, maxSessions)
	}
	path, err := modulePath(uri)
	if err != nil {
		return nil, err
	}
	pin, err := resolvePIN(uri, opts)
	if err != nil {
		return nil, err
	}
	mod, err := acquireModule(path)
	if err != nil {
		clear(pin)
		return nil, err
	}
	lookup := URI{Token: uri.Token, Serial: uri.Serial, Manufacturer: uri.Manufacturer, Model: uri.Model, ModulePath: path}
	t := &Token{
		mod:      mod,
		uri:      lookup,
		pin:      pin,
		soSource: opts.SOPINSource,
		observe:  opts.Observer,
		log:      opts.Logger,
		size:     size,
		sem:      make(chan struct{}, size),
		done:     make(chan struct{}),
	}
	if t.observe == nil {
		t.observe = func(string, time.Duration, error) {}
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	fail := func(err error) (*Token, error) {
		clear(pin)
		mod.release()
		return nil, err
	}
	mod.gate.RLock()
	defer mod.gate.RUnlock()
	t.gen = mod.gen.Load()
	info, err := t.locate()
	if err != nil {
		return fail(err)
	}
	// From now on the token is the one found, even if the URI named it only by label.
	t.label, t.serial = info.Label, info.SerialNumber
	t.uri.Token, t.uri.Serial = info.Label, info.SerialNumber
	t.loginKey = info.SerialNumber + "\x00" + info.Label

	sh, already, err := t.openSession()
	if err != nil {
		return fail(err)
	}
	if err := mod.joinLogin(t.loginKey, pin, already); err != nil {
		t.observe("login", 0, err)
		_ = mod.ctx.CloseSession(sh)
		return fail(err)
	}
	t.free = append(t.free, sh)
	t.log.Info("hsm: token opened", "token", t.label, "serial", t.serial, "module", path, "sessions", size)
	return t, nil
}

// Label returns the token's label.
func (t *Token) Label() string { return t.label }

// String names the token for logs; it never includes the PIN the Token keeps.
func (t *Token) String() string { return "hsm.Token(" + t.uri.String() + ")" }

// GoString keeps %#v from printing the Token's fields, the PIN among them.
func (t *Token) GoString() string { return t.String() }

// Close waits for operations in flight, closes the sessions, logs out if no other Token of the
// process shares the login, and releases the module. Later calls on the Token, and on its
// AESKeys, fail with ErrClosed. Close is idempotent.
func (t *Token) Close() error {
	if !t.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(t.done)
	// Taking every pool slot waits for the operations in flight to give their sessions back.
	for range t.size {
		t.sem <- struct{}{}
	}
	t.mod.gate.RLock()
	t.syncGen() // sessions of an older module generation are dropped, not closed
	t.poolMu.Lock()
	open := t.free
	t.free = nil
	t.poolMu.Unlock()
	var errs []error
	if t.mod.leaveLogin(t.loginKey) && len(open) > 0 {
		if err := t.mod.ctx.Logout(open[0]); err != nil {
			if code, _ := ckrCode(err); code != pkcs11.CKR_USER_NOT_LOGGED_IN {
				errs = append(errs, mapErr("logout", err))
			}
		}
	}
	for _, sh := range open {
		if err := t.mod.ctx.CloseSession(sh); err != nil {
			if code, _ := ckrCode(err); !sessionBroken[code] {
				errs = append(errs, mapErr("close_session", err))
			}
		}
	}
	t.mod.gate.RUnlock()
	clear(t.pin)
	t.mod.release()
	t.log.Info("hsm: token closed", "token", t.label)
	return errors.Join(errs...)
}

// maxRandom bounds one Random call.
const maxRandom = 1 << 20

// Random returns n bytes from the token's random number generator (C_GenerateRandom).
func (t *Token) Random(n int) ([]byte, error) {
	if n < 0 || n > maxRandom {
		return nil, &OpError{Op: "random", Err: fmt.Errorf("%w: n = %d, want 0 to %d", ErrInvalidArgument, n, maxRandom)}
	}
	if n == 0 {
		return []byte{}, nil
	}
	var out []byte
	err := t.withSession("random", func(sh pkcs11.SessionHandle) error {
		b, err := t.mod.ctx.GenerateRandom(sh, n)
		if err != nil {
			return err
		}
		if len(b) != n {
			return &OpError{Op: "random", Err: ErrDevice}
		}
		out = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// locate finds the slot holding the token and remembers it as the slot hint.
func (t *Token) locate() (pkcs11.TokenInfo, error) {
	start := time.Now()
	slot, info, err := t.findToken()
	t.observe("find_token", time.Since(start), err)
	if err != nil {
		return pkcs11.TokenInfo{}, err
	}
	t.slotMu.Lock()
	t.slot, t.slotKnown = slot, true
	t.slotMu.Unlock()
	return info, nil
}

// findToken scans the slots for the one initialised token matching t.uri.
func (t *Token) findToken() (uint, pkcs11.TokenInfo, error) {
	slots, err := t.mod.ctx.GetSlotList(true)
	if err != nil {
		return 0, pkcs11.TokenInfo{}, mapErr("find_token", err)
	}
	var (
		found     uint
		foundInfo pkcs11.TokenInfo
		n         int
	)
	for _, s := range slots {
		info, err := t.mod.ctx.GetTokenInfo(s)
		if err != nil {
			continue // removed between the two calls
		}
		if t.matches(info) {
			found, foundInfo = s, info
			n++
		}
	}
	switch n {
	case 0:
		return 0, pkcs11.TokenInfo{}, &OpError{Op: "find_token " + t.uri.String(), Err: ErrTokenNotFound}
	case 1:
		return found, foundInfo, nil
	}
	return 0, pkcs11.TokenInfo{}, &OpError{Op: fmt.Sprintf("find_token %s (%d tokens)", t.uri, n), Err: ErrAmbiguous}
}

func (t *Token) matches(info pkcs11.TokenInfo) bool {
	u := t.uri
	return info.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 &&
		(u.Token == "" || info.Label == u.Token) &&
		(u.Serial == "" || info.SerialNumber == u.Serial) &&
		(u.Manufacturer == "" || info.ManufacturerID == u.Manufacturer) &&
		(u.Model == "" || info.Model == u.Model)
}

// currentSlot returns the token's slot: the hint if the token is still there, else a new
// lookup by label and serial, since modules may re-number slots.
func (t *Token) currentSlot() (uint, error) {
	t.slotMu.Lock()
	slot, known := t.slot, t.slotKnown
	t.slotMu.Unlock()
	if known {
		if info, err := t.mod.ctx.GetTokenInfo(slot); err == nil && t.matches(info) {
			return slot, nil
		}
		t.log.Warn("hsm: token moved to another slot, looking it up again", "token", t.label)
	}
	if _, err := t.locate(); err != nil {
		return 0, err
	}
	t.slotMu.Lock()
	defer t.slotMu.Unlock()
	return t.slot, nil
}
