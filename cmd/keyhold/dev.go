package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/hsm"
	"github.com/keyhold/keyhold/softhsm"
)

// devDKLabel is the HSM label of domain key version 1 in dev mode.
const devDKLabel = "keyhold-dk-v1"

// runDev runs `keyhold dev`: one node on a SoftHSM2 token under dir, the domain initialised by a
// dev operator, and a root principal whose credentials are written for the AWS CLI. Running it
// again reuses everything.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := DefaultConfig()
	cfg.APIAddr = "127.0.0.1:8100"
	cfg.MemLock = false
	cfg.AllowSSECOverHTTP = true // dev serves loopback only
	cfg.SweepInterval = 10 * time.Second
	cfg.HSMSessions = 4
	fs := flag.NewFlagSet("keyhold dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", ".keyhold-dev", "directory for all dev state (token, raft, credentials)")
	nodes := fs.Int("nodes", 1, "number of local nodes")
	if err := loadConfig(&cfg, fs, args); err != nil {
		return err
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return err
	}
	if *nodes != 1 {
		return runDevCluster(ctx, cfg, abs, *nodes, stdout, stderr)
	}
	tok, err := softhsm.Provision(filepath.Join(abs, "hsm"), "keyhold-"+cfg.NodeID)
	if err != nil {
		return fmt.Errorf("provisioning the SoftHSM2 token: %w", err)
	}
	cfg.HSM = tok.URI()
	cfg.DataDir = filepath.Join(abs, cfg.NodeID)
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	n, err := startNode(cfg, log, nil)
	if err != nil {
		return err
	}
	defer n.close()
	if err := devInit(ctx, n, abs); err != nil {
		return err
	}
	printTour(stdout, abs, n.apiURL(), "http://"+n.opsLn.Addr().String())
	<-ctx.Done()
	fmt.Fprintln(stdout, "keyhold dev: shutting down")
	return nil
}

// devInit initialises the domain and the root principal on first run, and rewrites the
// credential files on every run.
func devInit(ctx context.Context, n *node, dir string) error {
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := n.raft.WaitForLeader(wctx); err != nil {
		return fmt.Errorf("waiting for raft: %w", err)
	}
	// After a restart raft replays the log asynchronously; the barrier makes sure this node has
	// applied everything before it decides whether the domain exists.
	if err := n.raft.Barrier(wctx); err != nil {
		return fmt.Errorf("waiting for raft to catch up: %w", err)
	}
	if n.svc.Domain() == nil {
		if _, err := n.tok.FindAESKey(devDKLabel); errors.Is(err, hsm.ErrKeyNotFound) {
			// Extractable only to keys the SO trusts, so that admission ceremonies can move it.
			if _, err := n.tok.GenerateDomainKey(devDKLabel); err != nil {
				return fmt.Errorf("generating the domain key in the HSM: %w", err)
			}
		} else if err != nil {
			return err
		}
		priv, err := devOperatorKey(dir)
		if err != nil {
			return err
		}
		pub := priv.Public().(ed25519.PublicKey)
		identity, err := ceremonyHSM{n.tok}.IdentityKey(wctx)
		if err != nil {
			return fmt.Errorf("the HSM identity key: %w", err)
		}
		err = n.svc.InitDomain(wctx, domain.InitDomainInput{
			DKLabel:   devDKLabel,
			Operators: []domain.Operator{{Name: "dev-operator", PublicKey: pub}},
			Quorum:    1,
			Member:    domain.Member{NodeID: n.cfg.NodeID, Address: memberAddr(n.cfg), IdentityKey: identity},
		})
		if err != nil {
			return fmt.Errorf("initialising the domain: %w", err)
		}
	}
	akid, ok := n.svc.RootPrincipal()
	var secret []byte
	var err error
	if !ok {
		akid, secret, err = n.svc.CreatePrincipal(wctx, "root", true)
	} else {
		secret, _, err = n.svc.SecretKey(wctx, akid)
	}
	if err != nil {
		return fmt.Errorf("root principal: %w", err)
	}
	defer clear(secret)
	return writeCredentials(dir, akid, secret, n.cfg.Region)
}

// devOperatorKey loads or creates the dev operator's Ed25519 signing key in dir/operator.key,
// and writes its public half to dir/operator.pub. DEV ONLY: the key file is unencrypted (a plain
// PKCS#8 PEM block marked "Keyhold-Dev-Only"), so that `keyholdctl --key .keyhold-dev/operator.key`
// signs proposals without a passphrase. Production operators make theirs with
// `keyholdctl operator keygen`, encrypted under a passphrase.
func devOperatorKey(dir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, "operator.key")
	if b, err := os.ReadFile(path); err == nil {
		priv, _, err := domain.ReadOperatorKey(b, func() ([]byte, error) {
			return nil, errors.New("the dev operator key is encrypted; keyhold dev needs the unencrypted one")
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return priv, writeDevOperatorPub(dir, priv)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	file, err := domain.DevOperatorKey(priv)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, file, 0o600); err != nil {
		return nil, err
	}
	return priv, writeDevOperatorPub(dir, priv)
}

func writeDevOperatorPub(dir string, priv ed25519.PrivateKey) error {
	return os.WriteFile(filepath.Join(dir, "operator.pub"), domain.MarshalOperatorPublicKey(priv.Public().(ed25519.PublicKey)), 0o644)
}

// writeCredentials writes the AWS shared-credentials file and an env file to source.
func writeCredentials(dir, akid string, secret []byte, region string) error {
	creds := fmt.Sprintf("[keyhold]\naws_access_key_id = %s\naws_secret_access_key = %s\n", akid, secret)
	if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte(creds), 0o600); err != nil {
		return err
	}
	// KEYHOLDCTL_KEY lets keyholdctl sign admin requests with the dev operator key.
	env := fmt.Sprintf("export AWS_SHARED_CREDENTIALS_FILE=%q\nexport AWS_PROFILE=keyhold\nexport AWS_REGION=%s\nexport AWS_DEFAULT_REGION=%s\nexport KEYHOLDCTL_KEY=%q\n",
		filepath.Join(dir, "credentials"), region, region, filepath.Join(dir, "operator.key"))
	return os.WriteFile(filepath.Join(dir, "env"), []byte(env), 0o600)
}

func printTour(w io.Writer, dir, endpoint, ops string) {
	rel := dir
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, dir); err == nil && len(r) < len(dir) {
			rel = r
		}
	}
	fmt.Fprintf(w, `
keyhold dev is running: one node, its domain key in SoftHSM2, state in %s/
  API  %s    metrics %s/metrics

In another shell:
  source %s/env
  aws --endpoint-url %s kms create-key --description demo
  aws --endpoint-url %s kms encrypt --key-id <KeyId> --plaintext fileb://README.md --query CiphertextBlob --output text
  aws --endpoint-url %s kms list-keys

Stop with Ctrl-C; running it again reuses the same keys and credentials.
`, rel, endpoint, ops, rel, endpoint, endpoint, endpoint)
}
