package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/keyhold/keyhold/cluster/node"
	"github.com/keyhold/keyhold/softhsm"
)

// runDev runs `keyhold dev`: one node on a SoftHSM2 token under dir, the domain initialised by a
// dev operator, and a root principal whose credentials are written for the AWS CLI. Running it
// again reuses everything.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := node.DefaultConfig()
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
	n, err := node.Start(cfg, log, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := node.DevInit(ctx, n, abs); err != nil {
		return err
	}
	printTour(stdout, abs, n.APIURL(), "http://"+n.OpsAddr())
	<-ctx.Done()
	fmt.Fprintln(stdout, "keyhold dev: shutting down")
	return nil
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
