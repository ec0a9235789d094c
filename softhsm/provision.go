package softhsm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Provision is what dev mode uses. It makes sure dir/softhsm2.conf exists, sets SOFTHSM2_CONF to
// it, and makes sure a token labelled label exists: if not, it initialises one with random PINs,
// written to dir/<label>.pin (user) and dir/<label>.so-pin (security officer), both mode 0600;
// if it does, it reads the PINs back from those files. It is safe to call again after a restart.
//
// SOFTHSM2_CONF is read when the module initialises, so Provision must run before anything else in
// the process initialises libsofthsm2.so with another configuration (ErrConfMismatch otherwise).
// The label must be a plain file name: letters, digits, '.', '_' and '-', not starting with '.'.
func Provision(dir, label string) (Token, error) {
	if err := checkLabel(label); err != nil {
		return Token{}, err
	}
	if !fileSafe(label) {
		return Token{}, fmt.Errorf("%w: %q must be letters, digits, '.', '_' or '-'", ErrBadLabel, label)
	}
	module, err := FindModule()
	if err != nil {
		return Token{}, err
	}
	conf, err := WriteConfig(dir)
	if err != nil {
		return Token{}, err
	}
	tok := Token{ModulePath: module, Label: label, Dir: filepath.Dir(conf)}
	pinFile := filepath.Join(tok.Dir, label+".pin")
	soFile := filepath.Join(tok.Dir, label+".so-pin")

	modulesMu.Lock()
	defer modulesMu.Unlock()
	if m, ok := modules[module]; ok && m.conf != conf {
		return Token{}, fmt.Errorf("%w: initialised with %q, want %q", ErrConfMismatch, m.conf, conf)
	}
	if err := os.Setenv(EnvConf, conf); err != nil {
		return Token{}, fmt.Errorf("softhsm: set %s: %w", EnvConf, err)
	}
	m, err := moduleLocked(module)
	if err != nil {
		return Token{}, err
	}
	_, found, err := findSlot(m.ctx, label)
	if err != nil {
		return Token{}, err
	}
	if found {
		if tok.PIN, err = readPIN(pinFile); err != nil {
			return Token{}, fmt.Errorf("softhsm: token %q exists but its PIN cannot be read: %w", label, err)
		}
		// The SO PIN file is optional on restart: only ceremonies need it.
		if so, err := readPIN(soFile); err == nil {
			tok.SOPIN = so
		} else if !errors.Is(err, fs.ErrNotExist) {
			return Token{}, fmt.Errorf("softhsm: read SO PIN of %q: %w", label, err)
		}
		return tok, nil
	}
	tok.PIN, tok.SOPIN = randomPIN(), randomPIN()
	// The PINs are written before the token exists: a crash in between leaves stale PIN files
	// that the next run overwrites, never a token nobody can log in to.
	if err := writeFileAtomic(pinFile, []byte(tok.PIN+"\n"), 0o600); err != nil {
		return Token{}, fmt.Errorf("softhsm: write PIN file: %w", err)
	}
	if err := writeFileAtomic(soFile, []byte(tok.SOPIN+"\n"), 0o600); err != nil {
		return Token{}, fmt.Errorf("softhsm: write SO PIN file: %w", err)
	}
	if err := initTokenLocked(m.ctx, label, tok.SOPIN, tok.PIN); err != nil {
		return Token{}, err
	}
	return tok, nil
}

// readPIN reads a PIN file, dropping the trailing newline.
func readPIN(name string) (string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	pin := strings.TrimRight(string(b), "\r\n")
	if pin == "" {
		return "", fmt.Errorf("%s is empty", name)
	}
	return pin, nil
}

// fileSafe reports whether label can be used as a file name inside dir as it is.
func fileSafe(label string) bool {
	if label == "" || label[0] == '.' {
		return false
	}
	for _, c := range label {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
