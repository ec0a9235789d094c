package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"github.com/keyhold/keyhold/domain/ceremony"
)

func init() {
	register("keygen", "make an operator signing key, encrypted under a passphrase", runKeygen)
}

func runKeygen(e *env, args []string) error {
	fs := newFlags(e, "keygen", "--out FILE [--passphrase-file FILE]", `  keyholdctl keygen --out alice.key            # prompts for the passphrase
  KEYHOLDCTL_PASSPHRASE=... keyholdctl keygen --out alice.key
  # writes alice.key (encrypted, 0600) and alice.key.pub (share it with the other operators)`)
	out := fs.String("out", "", "file for the encrypted private key; FILE.pub gets the public key")
	passFile := fs.String("passphrase-file", "", "file holding the passphrase")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("--out is required")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists: refusing to overwrite an operator key", *out)
	}
	pass, err := passphraseSource(e, *passFile)()
	if err != nil {
		return err
	}
	defer clear(pass)
	if len(pass) < 12 {
		return errors.New("the passphrase must be at least 12 characters")
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	file, err := ceremony.EncryptOperatorKey(priv, pass)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, file, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(*out+".pub", ceremony.MarshalOperatorPublicKey(pub), 0o644); err != nil {
		return err
	}
	return e.print(map[string]string{"key": *out, "public_key": *out + ".pub"},
		fmt.Sprintf("operator key written to %s, public key to %s.pub\n", *out, *out))
}
