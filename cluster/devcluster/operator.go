package devcluster

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// OperatorKey loads or creates the dev operator's Ed25519 signing key in dir/operator.key,
// and writes its public half to dir/operator.pub. DEV ONLY: the key file is unencrypted (a plain
// PKCS#8 PEM block marked "Keyhold-Dev-Only"), so that `keyholdctl --key .keyhold-dev/operator.key`
// signs proposals without a passphrase. Production operators make theirs with
// `keyholdctl operator keygen`, encrypted under a passphrase.
func OperatorKey(dir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, "operator.key")
	if b, err := os.ReadFile(path); err == nil {
		priv, _, err := ceremony.ReadOperatorKey(b, func() ([]byte, error) {
			return nil, errors.New("the dev operator key is encrypted; keyhold dev needs the unencrypted one")
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return priv, writeOperatorPub(dir, priv)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	file, err := ceremony.DevOperatorKey(priv)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, file, 0o600); err != nil {
		return nil, err
	}
	return priv, writeOperatorPub(dir, priv)
}

func writeOperatorPub(dir string, priv ed25519.PrivateKey) error {
	return os.WriteFile(filepath.Join(dir, "operator.pub"), ceremony.MarshalOperatorPublicKey(priv.Public().(ed25519.PublicKey)), 0o644)
}

// WriteCredentials writes the AWS shared-credentials file and an env file to source.
func WriteCredentials(dir, akid string, secret []byte, region string) error {
	creds := fmt.Sprintf("[keyhold]\naws_access_key_id = %s\naws_secret_access_key = %s\n", akid, secret)
	if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte(creds), 0o600); err != nil {
		return err
	}
	// KEYHOLDCTL_KEY lets keyholdctl sign admin requests with the dev operator key.
	env := fmt.Sprintf("export AWS_SHARED_CREDENTIALS_FILE=%q\nexport AWS_PROFILE=keyhold\nexport AWS_REGION=%s\nexport AWS_DEFAULT_REGION=%s\nexport KEYHOLDCTL_KEY=%q\n",
		filepath.Join(dir, "credentials"), region, region, filepath.Join(dir, "operator.key"))
	return os.WriteFile(filepath.Join(dir, "env"), []byte(env), 0o600)
}
