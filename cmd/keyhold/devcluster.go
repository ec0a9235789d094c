package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/keyhold/keyhold/cluster/devcluster"
	"github.com/keyhold/keyhold/cluster/node"
	"github.com/keyhold/keyhold/softhsm"
)

// `keyhold dev --nodes N` runs N `keyhold serve` child processes on loopback, one SoftHSM2
// token each (all in dir/hsm), raft and node-to-node traffic over mutual TLS with a dev CA
// (dir/tls), and one S3 object directory that all of them share (dir/objects). On first use
// node 1, alone in this process, initialises the domain and the dev operator admits every other
// node through the admit-node ceremony (1-of-1 quorum): the member's HSM identity key and the
// domain key wrapped to it (inside node 1's HSM, after its security officer trusted that
// identity key) go into the replicated domain record. The children then start; nodes 2..N join
// raft as members (cluster/node/join.go), install their domain key from the record and become voters.
// Ports: node i adds 10*(i-1) to each of node 1's.

// runDevCluster prepares and runs the N-node dev cluster until ctx ends.
func runDevCluster(ctx context.Context, base Config, dir string, nodes int, stdout, stderr io.Writer) error {
	cfgs, err := prepareDevCluster(ctx, base, dir, nodes, stderr)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	infos := make([]devcluster.NodeInfo, len(cfgs))
	for i, c := range cfgs {
		scheme := "http"
		if c.APITLSCert != "" {
			scheme = "https"
		}
		infos[i] = devcluster.NodeInfo{ID: c.NodeID, APIURL: scheme + "://" + c.APIAddr, OpsURL: "http://" + c.OpsAddr,
			RaftAddr: c.RaftAddr, Config: devcluster.ConfigPath(dir, c.NodeID)}
	}
	stop, err := devcluster.Run(ctx, self, dir, infos)
	defer stop()
	if err != nil {
		return err
	}
	devcluster.PrintClusterTour(stdout, dir, infos)
	<-ctx.Done()
	fmt.Fprintln(stdout, "keyhold dev: shutting down the cluster")
	return nil
}

// prepareDevCluster provisions tokens, certificates and per-node config files, and on first use
// initialises the domain on node 1 and admits the other nodes. It is idempotent.
func prepareDevCluster(ctx context.Context, base Config, dir string, nodes int, stderr io.Writer) ([]Config, error) {
	if nodes < 1 || nodes > 9 {
		return nil, fmt.Errorf("-nodes %d: use 1 to 9", nodes)
	}
	ca, caKey, err := devcluster.EnsureCA(filepath.Join(dir, "tls"))
	if err != nil {
		return nil, fmt.Errorf("dev CA: %w", err)
	}
	caPath, _ := devcluster.CAFiles(filepath.Join(dir, "tls"))
	_, err = os.Stat(filepath.Join(dir, "credentials"))
	firstRun := errors.Is(err, os.ErrNotExist)
	var cfgs []Config
	var toks []softhsm.Token
	for i := 1; i <= nodes; i++ {
		c := base
		c.NodeID = "node" + strconv.Itoa(i)
		off := 10 * (i - 1)
		for _, a := range []*string{&c.APIAddr, &c.OpsAddr, &c.RaftAddr} {
			if *a, err = devcluster.AddPort(*a, off); err != nil {
				return nil, err
			}
		}
		c.RaftAdvertise = ""
		if _, err := os.Stat(devcluster.ConfigPath(dir, c.NodeID)); i > 1 && !firstRun && errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s was made for fewer than %d nodes and cannot grow: use a fresh -dir", dir, nodes)
		}
		tok, err := softhsm.Provision(filepath.Join(dir, "hsm"), "keyhold-"+c.NodeID)
		if err != nil {
			return nil, fmt.Errorf("provisioning the SoftHSM2 token of %s: %w", c.NodeID, err)
		}
		toks = append(toks, tok)
		c.HSM = tok.URI()
		// Every node may lead, and a leader's HSM security officer trusts members' identity keys.
		c.HSMSOPINFile = filepath.Join(dir, "hsm", tok.Label+".so-pin")
		c.HSMSOPINKeep = true // dev only: the SO PIN stays on disk
		c.DataDir = filepath.Join(dir, c.NodeID)
		if c.TLSCert, c.TLSKey, err = devcluster.EnsureNodeCert(filepath.Join(dir, "tls"), c.NodeID, ca, caKey); err != nil {
			return nil, err
		}
		c.TLSCA = caPath
		c.Bootstrap = i == 1
		// One object directory for all nodes, declared shared: an object written through any
		// node reads through every node, as a cluster on NFS or CephFS has it.
		c.ObjectStore, c.ObjectStoreDir, c.ObjectStoreShared = "dir", filepath.Join(dir, "objects"), true
		cfgs = append(cfgs, c)
	}
	node.DevJoinPeers(cfgs)
	for i := range cfgs {
		if err := cfgs[i].Validate(); err != nil {
			return nil, err
		}
		b, _ := json.MarshalIndent(cfgs[i], "", "  ")
		if err := os.WriteFile(devcluster.ConfigPath(dir, cfgs[i].NodeID), append(b, '\n'), 0o600); err != nil {
			return nil, err
		}
	}
	if firstRun {
		// Node 1 initialises the domain and the root principal in this process, alone, before
		// the cluster exists, and admits the others; its child process then restarts from that
		// state. Without the credentials file the next run counts as a first run, so a failed
		// admission is redone (devAdmitNode skips members admitted already).
		if err := node.DevInitCluster(ctx, cfgs, toks, dir, newLogger(cfgs[0], stderr)); err != nil {
			_ = os.Remove(filepath.Join(dir, "credentials"))
			return nil, err
		}
	}
	return cfgs, nil
}
