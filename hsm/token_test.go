package hsm

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/softhsm"
	"github.com/miekg/pkcs11"
)

func TestOpenErrors(t *testing.T) {
	st := softhsm.NewToken(t)
	base, err := ParseURI(st.URI())
	if err != nil {
		t.Fatal(err)
	}
	withURI := func(f func(*URI)) URI {
		u := base
		f(&u)
		return u
	}
	tests := []struct {
		name string
		uri  URI
		opts Options
		want error
	}{
		{"wrong PIN", base, Options{PIN: "not-the-pin"}, ErrPINIncorrect},
		{"missing token", withURI(func(u *URI) { u.Token = "no-such-token" }), Options{}, ErrTokenNotFound},
		{"wrong serial", withURI(func(u *URI) { u.Serial = "0000000000000000" }), Options{}, ErrTokenNotFound},
		{"wrong manufacturer", withURI(func(u *URI) { u.Manufacturer = "Acme" }), Options{}, ErrTokenNotFound},
		{"bad module path", withURI(func(u *URI) { u.ModulePath = filepath.Join(t.TempDir(), "libnope.so") }), Options{}, ErrModule},
		{"not a module", withURI(func(u *URI) { u.ModulePath = notAModule(t) }), Options{}, ErrModule},
		{"unknown module name", withURI(func(u *URI) { u.ModulePath, u.ModuleName = "", "no-such-module" }), Options{}, ErrModule},
		{"no module", withURI(func(u *URI) { u.ModulePath = "" }), Options{}, ErrModule},
		{"no token named", withURI(func(u *URI) { u.Token = "" }), Options{}, ErrInvalidArgument},
		{"no PIN", withURI(func(u *URI) { u.PINValue = "" }), Options{}, ErrNoPIN},
		{"missing pin-source", withURI(func(u *URI) { u.PINValue, u.PINSource = "", "file:/nonexistent/pin" }), Options{}, ErrNoPIN},
		{"pin-source command", withURI(func(u *URI) { u.PINValue, u.PINSource = "", "|/bin/echo 1234" }), Options{}, ErrNoPIN},
		{"negative sessions", base, Options{Sessions: -1}, ErrInvalidArgument},
	}
	t.Setenv(EnvPIN, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Open(tt.uri, tt.opts)
			if err == nil {
				tok.Close()
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open: got %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), st.PIN) || strings.Contains(err.Error(), "not-the-pin") {
				t.Errorf("error leaks the PIN: %v", err)
			}
		})
	}
}

func TestOpenPINSources(t *testing.T) {
	st := softhsm.NewToken(t)
	u, err := ParseURI(st.URI())
	if err != nil {
		t.Fatal(err)
	}
	pinFile := filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(pinFile, []byte(st.PIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noPIN := u
	noPIN.PINValue = ""
	tests := []struct {
		name   string
		source string
		env    string
		opts   Options
	}{
		{"Options.PIN", "", "", Options{PIN: st.PIN}},
		{"Options.PIN wins", "file:/nonexistent", "wrong", Options{PIN: st.PIN}},
		{"pin-source file:", "file:" + pinFile, "", Options{}},
		{"pin-source file:///", "file://" + pinFile, "", Options{}},
		{"pin-source bare path", pinFile, "", Options{}},
		{"environment", "", st.PIN, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvPIN, tt.env)
			u := noPIN
			u.PINSource = tt.source
			tok, err := Open(u, tt.opts)
			if err != nil {
				t.Fatalf("Open: got %v, want nil", err)
			}
			if err := tok.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		})
	}
}

// TestOpenTwiceSharesLogin opens the same token twice in one process: the second Open finds the
// token logged in, so its PIN must still be checked, and closing one must not log the other out.
func TestOpenTwiceSharesLogin(t *testing.T) {
	a, st := newTestToken(t, Options{Sessions: 2})
	u, _ := ParseURI(st.URI())
	if tok, err := Open(u, Options{PIN: "wrong-pin"}); !errors.Is(err, ErrPINIncorrect) {
		if err == nil {
			tok.Close()
		}
		t.Fatalf("second Open with a wrong PIN: got %v, want ErrPINIncorrect", err)
	}
	b, err := Open(u, Options{})
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	k, err := a.GenerateAESKey("shared")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := k.Encrypt([]byte("still logged in"), nil); err != nil {
		t.Fatalf("Encrypt after the other Token closed: got %v, want nil", err)
	}
}

func TestTokenPrintsNoPIN(t *testing.T) {
	tok, st := newTestToken(t, Options{Sessions: 1})
	u, _ := ParseURI(st.URI())
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok),
		fmt.Sprintf("%#v", u), fmt.Sprintf("%+v", u)} {
		if strings.Contains(s, st.PIN) {
			t.Errorf("printed value leaks the PIN: %s", s)
		}
	}
	if got := tok.Label(); got != st.Label {
		t.Errorf("Label: got %q, want %q", got, st.Label)
	}
}

func TestCloseThenUse(t *testing.T) {
	tok, _ := newTestToken(t, Options{Sessions: 2})
	k, err := tok.GenerateAESKey("k")
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := tok.Close(); err != nil {
		t.Fatalf("second Close: got %v, want nil", err)
	}
	if _, err := tok.Random(8); !errors.Is(err, ErrClosed) {
		t.Errorf("Random after Close: got %v, want ErrClosed", err)
	}
	if _, err := k.Encrypt([]byte("x"), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Encrypt after Close: got %v, want ErrClosed", err)
	}
	if _, err := tok.FindAESKey("k"); !errors.Is(err, ErrClosed) {
		t.Errorf("FindAESKey after Close: got %v, want ErrClosed", err)
	}
}

func TestModuleRefcount(t *testing.T) {
	st := softhsm.NewToken(t)
	u, _ := ParseURI(st.URI())
	before := moduleRefs(st.ModulePath)
	tok, err := Open(u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := moduleRefs(st.ModulePath), before+1; got != want {
		t.Errorf("refs after Open: got %d, want %d", got, want)
	}
	tok.Close()
	if got := moduleRefs(st.ModulePath); got != before {
		t.Errorf("refs after Close: got %d, want %d", got, before)
	}
	// A failed Open must not leak a reference.
	if _, err := Open(u, Options{PIN: "wrong-pin"}); !errors.Is(err, ErrPINIncorrect) {
		t.Fatalf("Open with a wrong PIN: got %v, want ErrPINIncorrect", err)
	}
	if got := moduleRefs(st.ModulePath); got != before {
		t.Errorf("refs after a failed Open: got %d, want %d", got, before)
	}
}

func TestRandom(t *testing.T) {
	tok, _ := newTestToken(t, Options{Sessions: 1})
	for _, n := range []int{0, 1, 32, 4096} {
		b, err := tok.Random(n)
		if err != nil {
			t.Fatalf("Random(%d): %v", n, err)
		}
		if len(b) != n {
			t.Errorf("Random(%d): got %d bytes, want %d", n, len(b), n)
		}
	}
	a, _ := tok.Random(32)
	b, _ := tok.Random(32)
	if bytes.Equal(a, b) {
		t.Errorf("two Random(32) calls returned the same bytes")
	}
	for _, n := range []int{-1, maxRandom + 1} {
		if _, err := tok.Random(n); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("Random(%d): got %v, want ErrInvalidArgument", n, err)
		}
	}
}

func TestObserver(t *testing.T) {
	var obs observed
	tok, _ := newTestToken(t, Options{Sessions: 2, Observer: obs.observe})
	if _, err := tok.Random(16); err != nil {
		t.Fatal(err)
	}
	k, err := tok.GenerateAESKey("observed")
	if err != nil {
		t.Fatal(err)
	}
	ct, err := k.Encrypt([]byte("hello"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Decrypt(ct, []byte("other aad")); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Decrypt with other AAD: got %v, want ErrDecrypt", err)
	}
	for _, c := range []struct {
		op   string
		err  error
		want int
	}{
		{"find_token", nil, 1},
		{"open_session", nil, 1},
		{"login", nil, 1},
		{"random", nil, 1},
		{"find", nil, 1},
		{"generate_key", nil, 1},
		{"encrypt", nil, 1},
		{"decrypt", ErrDecrypt, 1},
	} {
		if got := obs.count(c.op, c.err); got != c.want {
			t.Errorf("Observer calls for %s (err %v): got %d, want %d", c.op, c.err, got, c.want)
		}
	}
}

// TestSessionReplaced closes a pooled session behind the pool's back: the next operation must
// replace it and succeed.
func TestSessionReplaced(t *testing.T) {
	var obs observed
	tok, _ := newTestToken(t, Options{Sessions: 1, Observer: obs.observe})
	k, err := tok.GenerateAESKey("k")
	if err != nil {
		t.Fatal(err)
	}
	sabotageSession(t, tok, func(ctx *pkcs11.Ctx, sh pkcs11.SessionHandle) {
		if err := ctx.CloseSession(sh); err != nil {
			t.Fatal(err)
		}
	})
	ct, err := k.Encrypt([]byte("after replacement"), nil)
	if err != nil {
		t.Fatalf("Encrypt on a closed session: got %v, want nil after replacement", err)
	}
	if got := obs.count("encrypt", ErrSessionClosed); got != 1 {
		t.Errorf("failed encrypt attempts: got %d, want 1", got)
	}
	if pt, err := k.Decrypt(ct, nil); err != nil || string(pt) != "after replacement" {
		t.Fatalf("Decrypt: got %q, %v", pt, err)
	}
}

// TestLoggedOutRelogin logs the token out behind the pool's back: the next operation must log in
// again and succeed.
func TestLoggedOutRelogin(t *testing.T) {
	tok, _ := newTestToken(t, Options{Sessions: 1})
	k, err := tok.GenerateAESKey("k")
	if err != nil {
		t.Fatal(err)
	}
	sabotageSession(t, tok, func(ctx *pkcs11.Ctx, sh pkcs11.SessionHandle) {
		if err := ctx.Logout(sh); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := k.Encrypt([]byte("after logout"), nil); err != nil {
		t.Fatalf("Encrypt after a logout: got %v, want nil after re-login", err)
	}
}

// notAModule returns a file that exists but is no shared library.
func notAModule(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "libgarbage.so")
	if err := os.WriteFile(p, []byte("not an ELF file"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
