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
// (dir/tls). Node 1 bootstraps and holds the domain; the dev operator admits the others by
// putting the domain key into their HSMs (the HSM half of admission: a wrap of the domain key to
// the member's trusted identity key, unwrapped inside its HSM), and they then join raft
// as voters through node 1 (join.go). Ports: node i adds 10*(i-1) to each of node 1's.

const (
	devIdentityLabel = "keyhold-identity"
	devReadyTimeout  = 90 * time.Second
)

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
		infos[i] = devNodeInfo{ID: c.NodeID, APIURL: "http://" + c.APIAddr, OpsURL: "http://" + c.OpsAddr,
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
	printClusterTour(stdout, dir, infos)
	<-ctx.Done()
	fmt.Fprintln(stdout, "keyhold dev: shutting down the cluster")
	return nil
}

// prepareDevCluster provisions tokens, certificates, the shared domain key and per-node config
// files, and initialises the domain on node 1 on first use. It is idempotent.
func prepareDevCluster(ctx context.Context, base Config, dir string, nodes int, stderr io.Writer) ([]Config, error) {
	if nodes < 1 || nodes > 9 {
		return nil, fmt.Errorf("-nodes %d: use 1 to 9", nodes)
	}
	ca, caKey, err := ensureDevCA(filepath.Join(dir, "tls"))
	if err != nil {
		return nil, fmt.Errorf("dev CA: %w", err)
	}
	caPath, _ := devCAFiles(filepath.Join(dir, "tls"))
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
		tok, err := softhsm.Provision(filepath.Join(dir, "hsm"), "keyhold-"+c.NodeID)
		if err != nil {
			return nil, fmt.Errorf("provisioning the SoftHSM2 token of %s: %w", c.NodeID, err)
		}
		toks = append(toks, tok)
		c.HSM = tok.URI()
		c.DataDir = filepath.Join(dir, c.NodeID)
		if c.TLSCert, c.TLSKey, err = ensureDevNodeCert(filepath.Join(dir, "tls"), c.NodeID, ca, caKey); err != nil {
			return nil, err
		}
		c.TLSCA = caPath
		c.Bootstrap = i == 1
		cfgs = append(cfgs, c)
	}
	for i := range cfgs {
		var peers []string
		for j, o := range cfgs {
			if j != i {
				peers = append(peers, o.RaftAddr)
			}
		}
		if i > 0 {
			cfgs[i].Join = strings.Join(peers, ",")
		}
		if err := cfgs[i].Validate(); err != nil {
			return nil, err
		}
		b, _ := json.MarshalIndent(cfgs[i], "", "  ")
		if err := os.WriteFile(devConfigPath(dir, cfgs[i].NodeID), append(b, '\n'), 0o600); err != nil {
			return nil, err
		}
	}
	if err := shareDevDomainKey(dir, toks); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "credentials")); errors.Is(err, os.ErrNotExist) {
		// First run: node 1 initialises the domain and the root principal in this process, alone,
		// before the cluster exists; its child process then restarts from that state.
		n, err := startNode(cfgs[0], newLogger(cfgs[0], stderr), nil)
		if err != nil {
			return nil, err
		}
		err = devInit(ctx, n, dir)
		n.close()
		if err != nil {
			return nil, err
		}
	}
	return cfgs, nil
}

// shareDevDomainKey makes sure node 1's HSM holds the domain key, made extractable only to
// trusted keys, and that every other node's HSM holds it too, moved as a ceremony moves it: the
// member's HSM makes an identity key pair, node 1's security officer trusts its public half, node
// 1's HSM wraps the domain key to it, and the member's HSM unwraps it. The key never exists in
// plaintext outside an HSM.
func shareDevDomainKey(dir string, toks []softhsm.Token) error {
	open := func(t softhsm.Token) (*hsm.Token, error) {
		u, err := hsm.ParseURI(t.URI())
		if err != nil {
			return nil, err
		}
		return hsm.Open(u, hsm.Options{Sessions: 2, SOPINSource: "file:" + filepath.Join(dir, "hsm", t.Label+".so-pin")})
	}
	first, err := open(toks[0])
	if err != nil {
		return err
	}
	defer first.Close()
	if _, err := first.FindAESKey(devDKLabel); errors.Is(err, hsm.ErrKeyNotFound) {
		if _, err := first.GenerateDomainKey(devDKLabel); err != nil {
			return fmt.Errorf("generating the domain key: %w", err)
		}
	} else if err != nil {
		return err
	}
	for _, t := range toks[1:] {
		if err := admitDevMember(first, t, open); err != nil {
			return fmt.Errorf("admitting %s: %w", t.Label, err)
		}
	}
	return nil
}

func admitDevMember(first *hsm.Token, t softhsm.Token, open func(softhsm.Token) (*hsm.Token, error)) error {
	member, err := open(t)
	if err != nil {
		return err
	}
	defer member.Close()
	if _, err := member.FindAESKey(devDKLabel); err == nil {
		return nil
	} else if !errors.Is(err, hsm.ErrKeyNotFound) {
		return err
	}
	pub, err := member.IdentityPublicKey(devIdentityLabel)
	if errors.Is(err, hsm.ErrKeyNotFound) {
		pub, err = member.GenerateIdentityKey(devIdentityLabel)
	}
	if err != nil {
		return fmt.Errorf("identity key: %w", err)
	}
	trusted := "keyhold-member-" + strings.TrimPrefix(t.Label, "keyhold-")
	if ok, err := first.HasTrustedKey(trusted); err != nil {
		return err
	} else if !ok {
		if err := first.TrustWrappingKey(trusted, pub); err != nil {
			return fmt.Errorf("trusting the identity key: %w", err)
		}
	}
	wrapped, err := first.WrapDomainKey(devDKLabel, trusted)
	if err != nil {
		return fmt.Errorf("wrapping the domain key (a single-node dev directory's key cannot be shared: use a fresh -dir): %w", err)
	}
	if _, err := member.UnwrapDomainKey(devIdentityLabel, devDKLabel, wrapped); err != nil {
		return fmt.Errorf("unwrapping the domain key: %w", err)
	}
	return nil
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
