package main

import (
	"crypto/ed25519"
	"errors"
	"os"
)

// EnvKey names the operator key file that signs admin requests when no --key is given.
const EnvKey = "KEYHOLDCTL_KEY"

// devKeyPath is where `keyhold dev` writes its dev operator key: keyholdctl run from the
// directory `make dev` ran in authenticates to the dev node with it, with no flag.
const devKeyPath = ".keyhold-dev/operator.key"

// useSigner makes priv the key that signs this invocation's admin requests: a command that
// signs a proposal or a verdict authenticates its requests with the same key.
func (e *env) useSigner(priv ed25519.PrivateKey) { e.signer = priv }

// requestSigner returns the key that signs admin requests: the command's own, else --key
// before the command, else $KEYHOLDCTL_KEY, else the dev operator key if it exists.
func (e *env) requestSigner() (ed25519.PrivateKey, error) {
	if e.signer != nil {
		return e.signer, nil
	}
	file := e.keyFile
	if file == "" {
		if _, err := os.Stat(devKeyPath); err == nil {
			file = devKeyPath
		}
	}
	if file == "" {
		return nil, errors.New("this call must be signed by an operator key: pass --key FILE (or set $" + EnvKey + ")")
	}
	priv, err := loadKey(e, file, e.passFile)
	if err != nil {
		return nil, err
	}
	e.signer = priv
	return priv, nil
}
