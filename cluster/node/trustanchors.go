package node

import (
	"crypto/ed25519"
	"encoding/pem"
	"fmt"
	"os"
	"strings"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// trustAnchors are the operator keys a node trusts before it has a domain, read from local
// files named by its configuration: what the person who starts the node decides, never what a
// request says.
type trustAnchors struct {
	bootstrap, recovery []ed25519.PublicKey
}

func loadTrustAnchors(cfg Config) (trustAnchors, error) {
	var a trustAnchors
	var err error
	if a.bootstrap, err = loadOperatorKeys("bootstrap_operator_keys", cfg.BootstrapOperatorKeys); err != nil {
		return a, err
	}
	if a.recovery, err = loadOperatorKeys("recovery_operator_keys", cfg.RecoveryOperatorKeys); err != nil {
		return a, err
	}
	return a, nil
}

// loadOperatorKeys reads every PUBLIC KEY PEM block of every file in the comma-separated list.
func loadOperatorKeys(field, list string) ([]ed25519.PublicKey, error) {
	var out []ed25519.PublicKey
	for _, path := range strings.Split(list, ",") {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %s: %w", field, err)
		}
		n := 0
		for rest := b; ; n++ {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				if strings.TrimSpace(string(rest)) != "" {
					return nil, fmt.Errorf("config: %s: %s: trailing data that is not a PEM block", field, path)
				}
				break
			}
			pub, err := ceremony.ParseOperatorPublicKey(pem.EncodeToMemory(blk))
			if err != nil {
				return nil, fmt.Errorf("config: %s: %s: %w", field, path, err)
			}
			out = append(out, pub)
		}
		if n == 0 {
			return nil, fmt.Errorf("config: %s: %s holds no operator public key", field, path)
		}
	}
	return out, nil
}
