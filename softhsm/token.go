package softhsm

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/miekg/pkcs11"
)

// maxLabel is the size of CK_TOKEN_INFO.label; longer labels would be silently truncated.
const maxLabel = 32

// Token describes a provisioned token. PIN and SOPIN are secrets: do not log a Token.
type Token struct {
	ModulePath string // path of libsofthsm2.so
	Label      string // CKA_LABEL of the token, how it is found
	PIN        string // user PIN
	SOPIN      string // security officer PIN
	Dir        string // directory holding softhsm2.conf (and, for Provision, the PIN files)
}

// String names the token without its PINs, so that printing a Token by mistake leaks nothing.
func (t Token) String() string {
	return fmt.Sprintf("softhsm.Token{Label: %q, ModulePath: %q, Dir: %q}", t.Label, t.ModulePath, t.Dir)
}

// GoString keeps %#v from printing the PINs too.
func (t Token) GoString() string { return t.String() }

// URI returns the RFC 7512 URI naming the token, PIN included, e.g.
// pkcs11:token=LABEL?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=PIN.
// It is a secret as long as it carries the PIN.
func (t Token) URI() string {
	var b strings.Builder
	b.WriteString("pkcs11:token=")
	b.WriteString(pctEncode(t.Label))
	b.WriteString("?module-path=")
	b.WriteString(pctEncode(t.ModulePath))
	if t.PIN != "" {
		b.WriteString("&pin-value=")
		b.WriteString(pctEncode(t.PIN))
	}
	return b.String()
}

// pctEncode percent-encodes everything but RFC 3986 unreserved characters and '/', which is
// safe in both the path and the query of a PKCS#11 URI.
func pctEncode(s string) string {
	const hexdigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexdigits[c>>4])
			b.WriteByte(hexdigits[c&15])
		}
	}
	return b.String()
}

// InitToken initialises a new token with the given label, SO PIN and user PIN in-process through
// PKCS#11: C_InitToken on the free uninitialised slot, then an SO login and C_InitPIN.
// SOFTHSM2_CONF must already point at the configuration, as the library reads it when it
// initialises. It returns ErrTokenExists if a token with that label exists already.
func InitToken(modulePath, label, soPIN, userPIN string) error {
	if err := checkLabel(label); err != nil {
		return err
	}
	modulesMu.Lock()
	defer modulesMu.Unlock()
	m, err := moduleLocked(modulePath)
	if err != nil {
		return err
	}
	return initTokenLocked(m.ctx, label, soPIN, userPIN)
}

func initTokenLocked(ctx *pkcs11.Ctx, label, soPIN, userPIN string) error {
	if _, found, err := findSlot(ctx, label); err != nil {
		return err
	} else if found {
		return fmt.Errorf("%w: %q", ErrTokenExists, label)
	}
	free, err := freeSlot(ctx)
	if err != nil {
		return err
	}
	if err := ctx.InitToken(free, soPIN, label); err != nil {
		return fmt.Errorf("softhsm: C_InitToken %q: %v", label, err)
	}
	// SoftHSM2 re-numbers slots after C_InitToken: find the new token by its label.
	slot, found, err := findSlot(ctx, label)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: %q vanished after C_InitToken", ErrTokenNotFound, label)
	}
	sh, err := ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("softhsm: C_OpenSession %q: %v", label, err)
	}
	defer ctx.CloseSession(sh)
	if err := ctx.Login(sh, pkcs11.CKU_SO, soPIN); err != nil {
		return fmt.Errorf("softhsm: SO login %q: %v", label, err)
	}
	defer ctx.Logout(sh)
	if err := ctx.InitPIN(sh, userPIN); err != nil {
		return fmt.Errorf("softhsm: C_InitPIN %q: %v", label, err)
	}
	return nil
}

// findSlot returns the slot of the initialised token labelled label.
func findSlot(ctx *pkcs11.Ctx, label string) (uint, bool, error) {
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		return 0, false, fmt.Errorf("softhsm: C_GetSlotList: %v", err)
	}
	for _, s := range slots {
		ti, err := ctx.GetTokenInfo(s)
		if err != nil {
			continue // a slot that went away between the two calls
		}
		if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 && ti.Label == label {
			return s, true, nil
		}
	}
	return 0, false, nil
}

// freeSlot returns a slot whose token is not initialised yet; SoftHSM2 always keeps one.
func freeSlot(ctx *pkcs11.Ctx) (uint, error) {
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("softhsm: C_GetSlotList: %v", err)
	}
	for _, s := range slots {
		ti, err := ctx.GetTokenInfo(s)
		if err == nil && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			return s, nil
		}
	}
	return 0, ErrNoFreeSlot
}

// checkLabel rejects labels PKCS#11 would truncate or pad ambiguously.
func checkLabel(label string) error {
	switch {
	case label == "":
		return fmt.Errorf("%w: empty", ErrBadLabel)
	case len(label) > maxLabel:
		return fmt.Errorf("%w: %q is longer than %d bytes", ErrBadLabel, label, maxLabel)
	case !utf8.ValidString(label):
		return fmt.Errorf("%w: not UTF-8", ErrBadLabel)
	case strings.TrimSpace(label) != label:
		// CK_TOKEN_INFO pads labels with spaces, so surrounding spaces do not survive.
		return fmt.Errorf("%w: %q has surrounding spaces", ErrBadLabel, label)
	}
	return nil
}

// randomPIN returns a PIN of 32 hex characters (128 bits).
func randomPIN() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return hex.EncodeToString(b[:])
}
