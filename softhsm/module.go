package softhsm

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/miekg/pkcs11"
)

// EnvModule names the environment variable that overrides where FindModule looks.
const EnvModule = "KEYHOLD_SOFTHSM_MODULE"

// EnvConf is the variable SoftHSM2 reads, at C_Initialize, to find its configuration.
const EnvConf = "SOFTHSM2_CONF"

// modulePaths are the places distributions install libsofthsm2.so, in the order FindModule tries
// them.
var modulePaths = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
	"/usr/lib64/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/lib/pkcs11/libsofthsm2.so",
	"/opt/homebrew/lib/softhsm/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.dylib",
}

var (
	// ErrModuleNotFound means libsofthsm2.so is not installed where FindModule looks.
	ErrModuleNotFound = errors.New("softhsm: libsofthsm2.so not found: install SoftHSM2 (apt-get install softhsm2) or set " + EnvModule)
	// ErrModule means the module could not be loaded or initialised.
	ErrModule = errors.New("softhsm: cannot load module")
	// ErrTokenExists means a token with the requested label exists already.
	ErrTokenExists = errors.New("softhsm: token exists")
	// ErrTokenNotFound means no initialised token carries the requested label.
	ErrTokenNotFound = errors.New("softhsm: token not found")
	// ErrNoFreeSlot means the module offers no uninitialised slot to initialise a token in.
	ErrNoFreeSlot = errors.New("softhsm: no free slot")
	// ErrBadLabel means a token label is empty, too long for PKCS#11 (32 bytes) or, for Provision,
	// not usable as a file name.
	ErrBadLabel = errors.New("softhsm: bad token label")
	// ErrConfMismatch means the module was initialised in this process with a different
	// SOFTHSM2_CONF than the one now asked for; SoftHSM2 cannot switch configuration without
	// C_Finalize, which this package never calls.
	ErrConfMismatch = errors.New("softhsm: module already initialised with another " + EnvConf)
)

// FindModule returns the path of libsofthsm2.so: $KEYHOLD_SOFTHSM_MODULE if set, else the first
// of the usual install locations that exists. It returns ErrModuleNotFound otherwise.
func FindModule() (string, error) {
	if p := os.Getenv(EnvModule); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w (%s=%s)", ErrModuleNotFound, EnvModule, p)
		}
		return p, nil
	}
	for _, p := range modulePaths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", ErrModuleNotFound
}

// loaded is one initialised module. conf is the SOFTHSM2_CONF it was initialised with.
type loaded struct {
	ctx  *pkcs11.Ctx
	conf string
}

var (
	// modulesMu guards modules and serialises token initialisation: SoftHSM2 offers a single free
	// slot, and re-numbers slots after C_InitToken.
	modulesMu sync.Mutex
	// modules holds one context per module path for the life of the process. Entries are never
	// removed and never finalised (see the package doc).
	modules = map[string]*loaded{}
)

// moduleLocked returns the initialised context for path. modulesMu must be held.
func moduleLocked(path string) (*loaded, error) {
	if m, ok := modules[path]; ok {
		return m, nil
	}
	ctx := pkcs11.New(path)
	if ctx == nil {
		return nil, fmt.Errorf("%w: %s", ErrModule, path)
	}
	if err := ctx.Initialize(); err != nil && !isCKR(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		// Destroy only unloads our handle to the library (dlclose); it does not finalise it.
		ctx.Destroy()
		return nil, fmt.Errorf("%w: %s: C_Initialize: %v", ErrModule, path, err)
	}
	m := &loaded{ctx: ctx, conf: os.Getenv(EnvConf)}
	modules[path] = m
	return m, nil
}

// isCKR reports whether err is the PKCS#11 return value code.
func isCKR(err error, code uint) bool {
	var e pkcs11.Error
	return errors.As(err, &e) && uint(e) == code
}
