package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/keyhold/keyhold/hsm"
	"github.com/keyhold/keyhold/softhsm"
)

// `keyhold dev --nodes N` runs N `keyhold serve` child processes on loopback, one SoftHSM2
// token each (all in dir/hsm), raft and node-to-node traffic over mutual TLS with a dev CA
// (dir/tls), and one S3 object directory that all of them share (dir/objects). On first use
// node 1, alone in this process, initialises the domain and the dev operator admits every other
// node through the admit-node ceremony (1-of-1 quorum): the member's HSM identity key and the
// domain key wrapped to it (inside node 1's HSM, after its security officer trusted that
// identity key) go into the replicated domain record. The children then start; nodes 2..N join
// raft as members (join.go), install their domain key from the record and become voters.
// Ports: node i adds 10*(i-1) to each of node 1's.

const devReadyTimeout = 90 * time.Second

// devNodeInfo is one entry of dir/nodes.json.
type devNodeInfo struct {
	ID       string `json:"id"`
	APIURL   string `json:"api_url"`
	OpsURL   string `json:"ops_url"`
	RaftAddr string `json:"raft_addr"`
	Config   string `json:"config"`
	PID      int    `json:"pid"`
}

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
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			_ = p.Process.Signal(syscall.SIGTERM)
		}
		for _, p := range procs {
			_ = p.Wait()
		}
	}()
	infos := make([]devNodeInfo, len(cfgs))
	for i, c := range cfgs {
		logf, err := os.OpenFile(filepath.Join(dir, c.NodeID+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		cmd := exec.Command(self, "serve", "-config", devConfigPath(dir, c.NodeID))
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			logf.Close()
			return err
		}
		logf.Close()
		procs = append(procs, cmd)
		scheme := "http"
		if c.APITLSCert != "" {
			scheme = "https"
		}
		infos[i] = devNodeInfo{ID: c.NodeID, APIURL: scheme + "://" + c.APIAddr, OpsURL: "http://" + c.OpsAddr,
			RaftAddr: c.RaftAddr, Config: devConfigPath(dir, c.NodeID), PID: cmd.Process.Pid}
	}
	b, _ := json.MarshalIndent(map[string]any{"nodes": infos}, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "nodes.json"), append(b, '\n'), 0o600); err != nil {
		return err
	}
	for _, in := range infos {
		if err := waitDevReady(ctx, in.OpsURL); err != nil {
			return fmt.Errorf("%s did not become ready (see %s/%s.log): %w", in.ID, dir, in.ID, err)
		}
	}
	// Ready means serving; a joining member is ready as a raft non-voter already. The cluster is
	// up once every node votes, so that losing any one keeps a quorum.
	if err := waitDevVoters(ctx, infos); err != nil {
		return err
	}
	printClusterTour(stdout, dir, infos)
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
	ca, caKey, err := ensureDevCA(filepath.Join(dir, "tls"))
	if err != nil {
		return nil, fmt.Errorf("dev CA: %w", err)
	}
	caPath, _ := devCAFiles(filepath.Join(dir, "tls"))
	_, err = os.Stat(filepath.Join(dir, "credentials"))
	firstRun := errors.Is(err, os.ErrNotExist)
	var cfgs []Config
	var toks []softhsm.Token
	for i := 1; i <= nodes; i++ {
		c := base
		c.NodeID = "node" + strconv.Itoa(i)
		off := 10 * (i - 1)
		for _, a := range []*string{&c.APIAddr, &c.OpsAddr, &c.RaftAddr} {
			if *a, err = addPort(*a, off); err != nil {
				return nil, err
			}
		}
		c.RaftAdvertise = ""
		if _, err := os.Stat(devConfigPath(dir, c.NodeID)); i > 1 && !firstRun && errors.Is(err, os.ErrNotExist) {
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
		if c.TLSCert, c.TLSKey, err = ensureDevNodeCert(filepath.Join(dir, "tls"), c.NodeID, ca, caKey); err != nil {
			return nil, err
		}
		c.TLSCA = caPath
		c.Bootstrap = i == 1
		// One object directory for all nodes, declared shared: an object written through any
		// node reads through every node, as a cluster on NFS or CephFS has it.
		c.ObjectStore, c.ObjectStoreDir, c.ObjectStoreShared = "dir", filepath.Join(dir, "objects"), true
		cfgs = append(cfgs, c)
	}
	setJoinPeers(cfgs)
	for i := range cfgs {
		if err := cfgs[i].Validate(); err != nil {
			return nil, err
		}
		b, _ := json.MarshalIndent(cfgs[i], "", "  ")
		if err := os.WriteFile(devConfigPath(dir, cfgs[i].NodeID), append(b, '\n'), 0o600); err != nil {
			return nil, err
		}
	}
	if firstRun {
		// Node 1 initialises the domain and the root principal in this process, alone, before
		// the cluster exists, and admits the others; its child process then restarts from that
		// state. Without the credentials file the next run counts as a first run, so a failed
		// admission is redone (devAdmitNode skips members admitted already).
		if err := devInitCluster(ctx, cfgs, toks, dir, stderr); err != nil {
			_ = os.Remove(filepath.Join(dir, "credentials"))
			return nil, err
		}
	}
	return cfgs, nil
}

// devInitCluster runs node 1 in this process: domain init, then the admit-node ceremony, signed
// by the dev operator, for every other node (its identity key read from its token directly: its
// process is not running yet).
func devInitCluster(ctx context.Context, cfgs []Config, toks []softhsm.Token, dir string, stderr io.Writer) error {
	n, err := startNode(cfgs[0], newLogger(cfgs[0], stderr), nil)
	if err != nil {
		return err
	}
	defer n.close()
	if err := devInit(ctx, n, dir); err != nil {
		return err
	}
	op, err := devOperatorKey(dir)
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

func devConfigPath(dir, id string) string { return filepath.Join(dir, id+".json") }

// addPort adds off to the port of host:port.
func addPort(addr string, off int) (string, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n+off > 65535 {
		return "", fmt.Errorf("address %q: bad port", addr)
	}
	return net.JoinHostPort(h, strconv.Itoa(n+off)), nil
}

// waitDevReady polls a node's /readyz until it answers 200.
func waitDevReady(ctx context.Context, ops string) error {
	ctx, cancel := context.WithTimeout(ctx, devReadyTimeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ops+"/readyz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := pause(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// waitDevVoters polls node 1's /v1/cluster/status until every node is a raft voter.
func waitDevVoters(ctx context.Context, infos []devNodeInfo) error {
	ctx, cancel := context.WithTimeout(ctx, devReadyTimeout)
	defer cancel()
	for {
		var st clusterStatus
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, infos[0].OpsURL+"/v1/cluster/status", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if err == nil && len(st.Voters) == len(infos) {
				return nil
			}
		}
		if err := pause(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for every node to become a raft voter (voters now: %v): %w", st.Voters, err)
		}
	}
}

func printClusterTour(w io.Writer, dir string, infos []devNodeInfo) {
	fmt.Fprintf(w, "\nkeyhold dev is running a %d-node cluster (raft over mutual TLS), state in %s/\n", len(infos), dir)
	for _, in := range infos {
		fmt.Fprintf(w, "  %-6s API %s  ops %s  pid %d\n", in.ID, in.APIURL, in.OpsURL, in.PID)
	}
	fmt.Fprintf(w, `
In another shell:
  source %s/env
  aws --endpoint-url %s kms create-key --description demo
  aws --endpoint-url %s kms list-keys
  curl -s %s/v1/cluster/status

Nodes are listed in %s/nodes.json. Stop with Ctrl-C; running it again reuses the cluster.
`, dir, infos[0].APIURL, infos[len(infos)-1].APIURL, infos[0].OpsURL, dir)
}

// setJoinPeers makes every node but the first (which bootstraps) join through the raft addresses
// of all the others, so a node can join whichever of them is up.
func setJoinPeers(cfgs []Config) {
	for i := 1; i < len(cfgs); i++ {
		var peers []string
		for j, o := range cfgs {
			if j != i {
				peers = append(peers, o.RaftAddr)
			}
		}
		cfgs[i].Join = strings.Join(peers, ",")
	}
}
