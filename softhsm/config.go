package softhsm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// ConfName is the file WriteConfig writes inside its directory.
const ConfName = "softhsm2.conf"

// WriteConfig writes dir/softhsm2.conf, which keeps SoftHSM2's token files in dir/tokens (created
// with mode 0700) with the file object store and error-level logging, and returns the
// configuration's absolute path. It is idempotent: an identical file is left alone.
func WriteConfig(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("softhsm: config dir: %w", err)
	}
	tokens := filepath.Join(abs, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return "", fmt.Errorf("softhsm: config dir: %w", err)
	}
	// MkdirAll leaves an existing directory's mode alone; token files hold wrapped key material,
	// so the directory is tightened every time.
	if err := os.Chmod(tokens, 0o700); err != nil {
		return "", fmt.Errorf("softhsm: config dir: %w", err)
	}
	conf := filepath.Join(abs, ConfName)
	want := []byte("# Written by keyhold (package softhsm); rewritten if changed.\n" +
		"directories.tokendir = " + tokens + "\n" +
		"objectstore.backend = file\n" +
		"log.level = ERROR\n" +
		"slots.removable = false\n")
	if got, err := os.ReadFile(conf); err == nil && bytes.Equal(got, want) {
		return conf, nil
	}
	if err := writeFileAtomic(conf, want, 0o600); err != nil {
		return "", fmt.Errorf("softhsm: write config: %w", err)
	}
	return conf, nil
}

// writeFileAtomic writes data to a temporary file beside name and renames it into place, so a
// crash never leaves a half-written file behind.
func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
