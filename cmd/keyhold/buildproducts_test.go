package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoBuildProductsTracked: no file git tracks is a build product (an ELF executable or a Go
// test binary). `go build` in a command's directory writes one there; `make build` writes bin/,
// which is ignored. Skipped outside a git checkout.
func TestNoBuildProductsTracked(t *testing.T) {
	out, err := exec.Command("git", "-C", "../..", "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		f, err := os.Open(filepath.Join("../..", name))
		if err != nil {
			continue // deleted in the work tree
		}
		magic := make([]byte, 4)
		n, _ := f.Read(magic)
		f.Close()
		if n == 4 && bytes.Equal(magic, []byte("\x7fELF")) {
			t.Errorf("%s is a built binary: git rm --cached it (make build writes bin/)", name)
		}
	}
}
