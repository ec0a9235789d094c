package softhsm

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	testConfOnce sync.Once
	testConfErr  error
)

// setupTestConf points SOFTHSM2_CONF at a configuration in a fresh temporary directory, unless it
// is set already. It runs once per process because SoftHSM2 reads the variable only once.
func setupTestConf() error {
	testConfOnce.Do(func() {
		if os.Getenv(EnvConf) != "" {
			return
		}
		// Not t.TempDir: the directory must outlive the test that happens to come first, since
		// every later token of the process lives in it.
		dir, err := os.MkdirTemp("", "keyhold-softhsm-")
		if err != nil {
			testConfErr = err
			return
		}
		conf, err := WriteConfig(dir)
		if err != nil {
			testConfErr = err
			return
		}
		testConfErr = os.Setenv(EnvConf, conf)
	})
	return testConfErr
}

// NewToken makes a fresh token, with a unique label and random PINs, for a test. The first call
// in a process sets SOFTHSM2_CONF to a configuration in a temporary directory unless
// SOFTHSM2_CONF is set already. It skips the test if libsofthsm2.so is not installed and fails it
// if the token cannot be made. It takes a few milliseconds, so every test can have its own token.
func NewToken(t testing.TB) Token {
	t.Helper()
	module, err := FindModule()
	if err != nil {
		t.Skipf("skipping: SoftHSM2 is needed for this test: %v", err)
	}
	if err := setupTestConf(); err != nil {
		t.Fatalf("softhsm: test config: %v", err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	tok := Token{
		ModulePath: module,
		Label:      "kh-test-" + hex.EncodeToString(b[:]),
		PIN:        randomPIN(),
		SOPIN:      randomPIN(),
		Dir:        filepath.Dir(os.Getenv(EnvConf)),
	}
	if err := InitToken(tok.ModulePath, tok.Label, tok.SOPIN, tok.PIN); err != nil {
		t.Fatalf("softhsm: new token: %v", err)
	}
	return tok
}
