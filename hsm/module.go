package hsm

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/miekg/pkcs11"
)

// module is one loaded PKCS#11 library, shared by every Token of the process that uses it.
type module struct {
	path string
	ctx  *pkcs11.Ctx
	refs int // Tokens holding the module; guarded by registry.mu

	// logins records, per token, how many Tokens of this process share its login and a digest of
	// the PIN that logged in; guarded by registry.mu. A second Open finds the token already logged
	// in (C_Login says CKR_USER_ALREADY_LOGGED_IN without checking the PIN), so its PIN is checked
	// against the digest instead.
	logins map[string]*loginRecord

	flOnce sync.Once
	fl     unsafe.Pointer // the module's CK_FUNCTION_LIST, for the cgo calls (cgo_keypair.go)

	// gate is held shared by every PKCS#11 call of this package and exclusively by reinit, so
	// C_Finalize never runs under a call in flight. gen counts re-initialisations: every session
	// and object handle obtained under an older gen is void (reinit.go).
	gate       sync.RWMutex
	gen        atomic.Uint64
	lastReinit time.Time // guarded by gate (exclusive)
}

type loginRecord struct {
	count  int
	digest [sha256.Size]byte
}

// registry is the process-wide set of loaded modules, keyed by cleaned module path.
var registry = struct {
	mu   sync.Mutex
	mods map[string]*module
}{mods: map[string]*module{}}

// acquireModule returns the module at path, loading and initialising it on first use, and takes
// a reference that releaseModule gives back.
func acquireModule(path string) (*module, error) {
	path = filepath.Clean(path)
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if m, ok := registry.mods[path]; ok {
		m.refs++
		return m, nil
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModule, err)
	}
	ctx := pkcs11.New(path)
	if ctx == nil {
		return nil, fmt.Errorf("%w: %s is not a loadable PKCS#11 module", ErrModule, path)
	}
	if err := ctx.Initialize(); err != nil {
		if code, _ := ckrCode(err); code != pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED {
			// Destroy drops our dlopen handle; the library was not initialised by us.
			ctx.Destroy()
			return nil, fmt.Errorf("%w: %s: C_Initialize: %s", ErrModule, path, ckrName(code))
		}
		// Another package of this process (softhsm) initialised it first: share it.
	}
	m := &module{path: path, ctx: ctx, refs: 1, logins: map[string]*loginRecord{}}
	registry.mods[path] = m
	return m, nil
}

// releaseModule gives back a reference. The module stays loaded and initialised at zero
// references: C_Finalize would pull the library out from under any other user in the process
// (see the package doc), and a later Open reuses it.
func (m *module) release() {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if m.refs > 0 {
		m.refs--
	}
}

// moduleRefs reports how many Tokens hold the module at path (for tests and diagnostics).
func moduleRefs(path string) int {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if m, ok := registry.mods[filepath.Clean(path)]; ok {
		return m.refs
	}
	return 0
}

// joinLogin records a Token sharing the login of token key. alreadyLoggedIn says the token was
// logged in before this Token's C_Login; then the PIN must match the one this process used, when
// this process is the one that logged in.
func (m *module) joinLogin(key string, pin []byte, alreadyLoggedIn bool) error {
	d := sha256.Sum256(pin)
	registry.mu.Lock()
	defer registry.mu.Unlock()
	rec := m.logins[key]
	if rec == nil {
		m.logins[key] = &loginRecord{count: 1, digest: d}
		return nil
	}
	if alreadyLoggedIn && subtle.ConstantTimeCompare(rec.digest[:], d[:]) != 1 {
		return &OpError{Op: "login", Code: pkcs11.CKR_PIN_INCORRECT, Err: ErrPINIncorrect}
	}
	rec.count++
	return nil
}

// leaveLogin drops a Token from the login of token key and reports whether it was the last one,
// which must then log out.
func (m *module) leaveLogin(key string) bool {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	rec := m.logins[key]
	if rec == nil {
		return true
	}
	rec.count--
	if rec.count > 0 {
		return false
	}
	delete(m.logins, key)
	return true
}

// moduleDirs are searched, in order, for a URI's module-name.
var moduleDirs = []string{
	"/usr/lib/x86_64-linux-gnu/pkcs11",
	"/usr/lib/aarch64-linux-gnu/pkcs11",
	"/usr/lib64/pkcs11",
	"/usr/lib/pkcs11",
	"/usr/lib/softhsm",
	"/usr/lib/x86_64-linux-gnu/softhsm",
	"/usr/lib/aarch64-linux-gnu/softhsm",
	"/usr/local/lib/softhsm",
	"/usr/local/lib",
	"/usr/lib64",
	"/usr/lib",
}

// modulePath returns the file the URI names: module-path, or module-name looked up as NAME.so or
// libNAME.so in the usual directories.
func modulePath(u URI) (string, error) {
	if u.ModulePath != "" {
		return u.ModulePath, nil
	}
	if u.ModuleName == "" {
		return "", fmt.Errorf("%w: the URI has neither module-path nor module-name", ErrModule)
	}
	if filepath.Base(u.ModuleName) != u.ModuleName {
		return "", fmt.Errorf("%w: module-name %q must not contain a directory", ErrModule, u.ModuleName)
	}
	for _, dir := range moduleDirs {
		for _, name := range []string{u.ModuleName + ".so", "lib" + u.ModuleName + ".so"} {
			p := filepath.Join(dir, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%w: module-name %q not found", ErrModule, u.ModuleName)
}
