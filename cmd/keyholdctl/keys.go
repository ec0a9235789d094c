package main

import (
	"bufio"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// EnvPassphrase holds the operator key passphrase for non-interactive use.
const EnvPassphrase = "KEYHOLDCTL_PASSPHRASE"

// passphraseSource returns the passphrase from --passphrase-file, then $KEYHOLDCTL_PASSPHRASE,
// then a prompt on stdin (the prompt goes to stderr).
func passphraseSource(e *env, file string) func() ([]byte, error) {
	return func() ([]byte, error) {
		if file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return nil, err
			}
			return []byte(strings.TrimRight(string(b), "\r\n")), nil
		}
		if v := os.Getenv(EnvPassphrase); v != "" {
			return []byte(v), nil
		}
		fmt.Fprint(e.stderr, "passphrase: ")
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return nil, errors.New("no passphrase: use --passphrase-file, $KEYHOLDCTL_PASSPHRASE or type it")
		}
		return []byte(strings.TrimRight(line, "\r\n")), nil
	}
}

// loadKey opens an operator key file, warning when it is the unencrypted dev form.
func loadKey(e *env, path, passFile string) (ed25519.PrivateKey, error) {
	if path == "" {
		return nil, errors.New("--key is required: the operator key file that signs")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	priv, encrypted, err := ceremony.ReadOperatorKey(b, passphraseSource(e, passFile))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !encrypted {
		fmt.Fprintf(e.stderr, "keyholdctl: warning: %s is an unencrypted (dev-only) operator key\n", path)
	}
	return priv, nil
}

func loadPub(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pub, err := ceremony.ParseOperatorPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}
