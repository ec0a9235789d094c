package softhsm

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// StorageDir returns the directory in which SoftHSM2 keeps this token's objects: the
// subdirectory of the configuration's directories.tokendir whose token.object carries the
// token's label. Tests move it away to play a token that disappears under a running process.
func (t Token) StorageDir() (string, error) {
	conf := filepath.Join(t.Dir, ConfName)
	if env := os.Getenv(EnvConf); env != "" && filepath.Dir(env) == filepath.Clean(t.Dir) {
		conf = env
	}
	tokendir, err := tokenDir(conf)
	if err != nil {
		return "", err
	}
	entries, err := os.ReadDir(tokendir)
	if err != nil {
		return "", fmt.Errorf("softhsm: %w", err)
	}
	label := []byte(t.Label)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(tokendir, e.Name(), "token.object"))
		if err == nil && bytes.Contains(b, label) {
			return filepath.Join(tokendir, e.Name()), nil
		}
	}
	return "", fmt.Errorf("softhsm: no directory under %s holds token %q", tokendir, t.Label)
}

// tokenDir reads directories.tokendir from a softhsm2.conf.
func tokenDir(conf string) (string, error) {
	f, err := os.Open(conf)
	if err != nil {
		return "", fmt.Errorf("softhsm: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && strings.TrimSpace(k) == "directories.tokendir" {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("softhsm: %s names no directories.tokendir", conf)
}
