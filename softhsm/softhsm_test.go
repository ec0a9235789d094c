package softhsm

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"
)

// login opens a session on the token labelled tok.Label and logs in with pin.
func login(t *testing.T, tok Token, userType uint, pin string) error {
	t.Helper()
	modulesMu.Lock()
	m, err := moduleLocked(tok.ModulePath)
	modulesMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	slot, found, err := findSlot(m.ctx, tok.Label)
	if err != nil || !found {
		t.Fatalf("findSlot(%q) = %v, %v; want found", tok.Label, found, err)
	}
	sh, err := m.ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	defer m.ctx.CloseSession(sh)
	if err := m.ctx.Login(sh, userType, pin); err != nil {
		return err
	}
	return m.ctx.Logout(sh)
}

func TestNewToken(t *testing.T) {
	a, b := NewToken(t), NewToken(t)
	if a.Label == b.Label {
		t.Fatalf("two tokens share the label %q", a.Label)
	}
	if a.PIN == b.PIN || a.PIN == a.SOPIN {
		t.Fatalf("PINs are not fresh")
	}
	for _, tok := range []Token{a, b} {
		if err := login(t, tok, pkcs11.CKU_USER, tok.PIN); err != nil {
			t.Errorf("user login on %s: got %v, want nil", tok.Label, err)
		}
		if err := login(t, tok, pkcs11.CKU_SO, tok.SOPIN); err != nil {
			t.Errorf("SO login on %s: got %v, want nil", tok.Label, err)
		}
		if err := login(t, tok, pkcs11.CKU_USER, "wrong-pin"); !isCKR(err, pkcs11.CKR_PIN_INCORRECT) {
			t.Errorf("login with a wrong PIN: got %v, want CKR_PIN_INCORRECT", err)
		}
	}
}

func TestInitTokenExists(t *testing.T) {
	tok := NewToken(t)
	err := InitToken(tok.ModulePath, tok.Label, "so-pin-1234", "user-pin-1234")
	if !errors.Is(err, ErrTokenExists) {
		t.Fatalf("InitToken of an existing label: got %v, want ErrTokenExists", err)
	}
}

func TestInitTokenBadLabel(t *testing.T) {
	module, err := FindModule()
	if err != nil {
		t.Skip(err)
	}
	for _, label := range []string{"", strings.Repeat("x", 33), " padded", "padded ", "\xff"} {
		if err := InitToken(module, label, "so-pin-1234", "user-pin-1234"); !errors.Is(err, ErrBadLabel) {
			t.Errorf("InitToken(label %q): got %v, want ErrBadLabel", label, err)
		}
	}
}

func TestInitTokenBadModule(t *testing.T) {
	err := InitToken(filepath.Join(t.TempDir(), "nope.so"), "x", "so-pin-1234", "user-pin-1234")
	if !errors.Is(err, ErrModule) {
		t.Fatalf("InitToken with a missing module: got %v, want ErrModule", err)
	}
}

func TestFindModule(t *testing.T) {
	t.Setenv(EnvModule, filepath.Join(t.TempDir(), "missing.so"))
	if _, err := FindModule(); !errors.Is(err, ErrModuleNotFound) {
		t.Fatalf("FindModule with a missing override: got %v, want ErrModuleNotFound", err)
	}
	if !strings.Contains(ErrModuleNotFound.Error(), "apt-get install softhsm2") {
		t.Errorf("ErrModuleNotFound = %q, want it to say how to install", ErrModuleNotFound)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvModule, self)
	if got, err := FindModule(); err != nil || got != self {
		t.Fatalf("FindModule with an override: got %q, %v; want %q", got, err, self)
	}
}

func TestWriteConfig(t *testing.T) {
	dir := t.TempDir()
	conf, err := WriteConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"directories.tokendir = " + filepath.Join(dir, "tokens") + "\n",
		"objectstore.backend = file\n",
		"log.level = ERROR\n",
	} {
		if !strings.Contains(string(first), want) {
			t.Errorf("config lacks %q:\n%s", want, first)
		}
	}
	st, err := os.Stat(filepath.Join(dir, "tokens"))
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o700 {
		t.Errorf("tokens dir mode: got %o, want 700", got)
	}
	again, err := WriteConfig(dir)
	if err != nil || again != conf {
		t.Fatalf("second WriteConfig: got %q, %v; want %q", again, err, conf)
	}
	second, _ := os.ReadFile(conf)
	if string(second) != string(first) {
		t.Errorf("second WriteConfig changed the file")
	}
}

func TestTokenURIAndString(t *testing.T) {
	tok := Token{ModulePath: "/usr/lib/softhsm/libsofthsm2.so", Label: "dev node;1", PIN: "p&n", SOPIN: "so-secret"}
	if got, want := tok.URI(), "pkcs11:token=dev%20node%3B1?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=p%26n"; got != want {
		t.Errorf("URI: got %q, want %q", got, want)
	}
	for _, s := range []string{tok.String(), fmt.Sprintf("%v", tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok)} {
		if strings.Contains(s, "p&n") || strings.Contains(s, "so-secret") {
			t.Errorf("printed token leaks a PIN: %s", s)
		}
	}
}

func TestProvisionConfMismatch(t *testing.T) {
	NewToken(t) // initialises the module with the test configuration
	before := os.Getenv(EnvConf)
	if _, err := Provision(t.TempDir(), "dev"); !errors.Is(err, ErrConfMismatch) {
		t.Fatalf("Provision after the module initialised elsewhere: got %v, want ErrConfMismatch", err)
	}
	if got := os.Getenv(EnvConf); got != before {
		t.Errorf("a failed Provision changed %s: got %q, want %q", EnvConf, got, before)
	}
}

func TestProvisionBadLabel(t *testing.T) {
	for _, label := range []string{"../escape", ".hidden", "a/b", ""} {
		if _, err := Provision(t.TempDir(), label); !errors.Is(err, ErrBadLabel) {
			t.Errorf("Provision(label %q): got %v, want ErrBadLabel", label, err)
		}
	}
}

// TestProvision runs Provision twice in fresh processes (SoftHSM2 reads SOFTHSM2_CONF once per
// process, and a restart is exactly what Provision must survive) and checks the second run finds
// the token and PIN the first made.
func TestProvision(t *testing.T) {
	if _, err := FindModule(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	run := func() string {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestProvisionHelper$")
		cmd.Env = append(os.Environ(), "KEYHOLD_TEST_PROVISION_DIR="+dir, EnvConf+"=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helper: %v\n%s", err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, "PROVISIONED "); ok {
				return v
			}
		}
		t.Fatalf("helper printed no result:\n%s", out)
		return ""
	}
	first, second := run(), run()
	if first != second {
		t.Fatalf("second Provision: got %s, want %s", second, first)
	}
	pin, err := os.ReadFile(filepath.Join(dir, "dev-node.pin"))
	if err != nil {
		t.Fatal(err)
	}
	if got := pinDigest(strings.TrimSpace(string(pin))); !strings.HasSuffix(first, got) {
		t.Errorf("PIN file digest %s not in %s", got, first)
	}
	for _, name := range []string{"dev-node.pin", "dev-node.so-pin", ConfName} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != 0o600 {
			t.Errorf("%s mode: got %o, want 600", name, got)
		}
	}
}

func TestProvisionHelper(t *testing.T) {
	dir := os.Getenv("KEYHOLD_TEST_PROVISION_DIR")
	if dir == "" {
		t.Skip("helper process for TestProvision")
	}
	tok, err := Provision(dir, "dev-node")
	if err != nil {
		t.Fatal(err)
	}
	if err := login(t, tok, pkcs11.CKU_USER, tok.PIN); err != nil {
		t.Fatalf("login with the provisioned PIN: %v", err)
	}
	fmt.Printf("PROVISIONED %s %s\n", tok.Label, pinDigest(tok.PIN))
}

// pinDigest lets the helper report which PIN it used without printing it.
func pinDigest(pin string) string {
	d := sha256.Sum256([]byte(pin))
	return hex.EncodeToString(d[:8])
}

func BenchmarkNewToken(b *testing.B) {
	for b.Loop() {
		NewToken(b)
	}
}
