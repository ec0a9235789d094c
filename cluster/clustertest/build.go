package clustertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	binOnce sync.Once
	binDir  string
	binErr  error

	ctlOnce sync.Once
	ctlErr  error
)

// KeyholdBinary builds cmd/keyhold once per test process (without -race: the processes under
// test are the product, the race detector runs on the in-process tests).
func KeyholdBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "keyhold-bin-")
		if binErr == nil {
			binErr = goBuild(filepath.Join(binDir, "keyhold"), "github.com/keyhold/keyhold/cmd/keyhold")
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "keyhold")
}

// KeyholdctlBinary builds cmd/keyholdctl once per test process, next to the keyhold binary.
func KeyholdctlBinary(t testing.TB) string {
	t.Helper()
	path := filepath.Join(filepath.Dir(KeyholdBinary(t)), "keyholdctl")
	ctlOnce.Do(func() { ctlErr = goBuild(path, "github.com/keyhold/keyhold/cmd/keyholdctl") })
	if ctlErr != nil {
		t.Fatal(ctlErr)
	}
	return path
}

// goBuild builds the package named by its import path, which works from any directory of the
// module: the tests run in their own package's directory.
func goBuild(out, pkg string) error {
	b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}
