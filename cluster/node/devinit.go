package node

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/cluster/devcluster"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/hsm"
	"github.com/keyhold/keyhold/softhsm"
)

// Dev mode's node-side bootstrapping, for `keyhold dev` and the tests: what needs a running
// node's key service and HSM. The files around it (dev CA, operator key, nodes.json) are
// cluster/devcluster's.

// devDKLabel is the HSM label of domain key version 1 in dev mode.
const devDKLabel = "keyhold-dk-v1"

// DevInit initialises the domain (the dev operator its only operator, 1-of-1 quorum) and the
// root principal on first run, and rewrites the credential files in dir on every run. DEV ONLY.
func DevInit(ctx context.Context, n *Node, dir string) error {
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
		priv, err := devcluster.OperatorKey(dir)
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
			Operators: []ceremony.Operator{{Name: "dev-operator", PublicKey: pub}},
			Quorum:    1,
			Member:    ceremony.Member{NodeID: n.cfg.NodeID, Address: memberAddr(n.cfg), IdentityKey: identity},
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
	return devcluster.WriteCredentials(dir, akid, secret, n.cfg.Region)
}

// DevInitCluster runs node 1 (cfgs[0]) in this process: domain init, then the admit-node
// ceremony, signed by the dev operator, for every other node (its identity key read from its
// token, toks[i], directly: its process is not running yet). DEV ONLY.
func DevInitCluster(ctx context.Context, cfgs []Config, toks []softhsm.Token, dir string, log *slog.Logger) error {
	n, err := Start(cfgs[0], log, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := DevInit(ctx, n, dir); err != nil {
		return err
	}
	op, err := devcluster.OperatorKey(dir)
	if err != nil {
		return err
	}
	for i, c := range cfgs[1:] {
		identity, err := devIdentity(toks[i+1])
		if err != nil {
			return fmt.Errorf("the HSM identity key of %s: %w", c.NodeID, err)
		}
		pin, err := certPinFile(c.TLSCert)
		if err != nil {
			return fmt.Errorf("the TLS certificate of %s: %w", c.NodeID, err)
		}
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = devAdmitNode(actx, n, op, c.NodeID, memberAddr(c), identity, pin)
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}

// devIdentity returns the identity public key of a member's token, generating it on first use.
func devIdentity(t softhsm.Token) ([]byte, error) {
	u, err := hsm.ParseURI(t.URI())
	if err != nil {
		return nil, err
	}
	tok, err := hsm.Open(u, hsm.Options{Sessions: 1})
	if err != nil {
		return nil, err
	}
	defer tok.Close()
	return ceremonyHSM{tok}.IdentityKey(context.Background())
}

// DevJoinPeers makes every node but the first (which bootstraps) join through the raft
// addresses of all the others, so a node can join whichever of them is up.
func DevJoinPeers(cfgs []Config) {
	addrs := make([]string, len(cfgs))
	for i, c := range cfgs {
		addrs[i] = c.RaftAddr
	}
	for i := 1; i < len(cfgs); i++ {
		cfgs[i].Join = devcluster.JoinPeers(addrs, i)
	}
}
