// Command keyhold is the keyhold daemon: an HSM-backed key service that speaks the AWS KMS API.
//
//	keyhold serve -config /etc/keyhold/keyhold.json   # a production node
//	keyhold dev                                       # one local node on SoftHSM2, for trying it out
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/keyhold/keyhold/cluster/node"
)

const usage = `keyhold: an HSM-backed key service with the AWS KMS API.

Usage:
  keyhold serve [flags]   run a node from a config file, KEYHOLD_* variables and flags
  keyhold dev [flags]     run a local development node on SoftHSM2 (state in .keyhold-dev/)
  keyhold help            show this text

Run 'keyhold serve -h' or 'keyhold dev -h' for the flags.

Examples:
  keyhold serve -config /etc/keyhold/keyhold.json
  keyhold dev
  keyhold dev -dir /tmp/kh -api-addr 127.0.0.1:9100
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			// Errors from the node already name the program; do not say it twice.
			fmt.Fprintln(os.Stderr, "keyhold:", strings.TrimPrefix(err.Error(), "keyhold: "))
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stderr)
	case "dev":
		return runDev(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	cfg := node.DefaultConfig()
	fs := flag.NewFlagSet("keyhold serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := loadConfig(&cfg, fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if cfg.MemLock {
		lockMemory(log)
	}
	n, err := node.Start(cfg, log, nil)
	if err != nil {
		return err
	}
	log.Info("keyhold serving", "node_id", cfg.NodeID, "api", n.APIURL(), "ops", n.OpsAddr(), "raft", cfg.RaftAddr)
	<-ctx.Done()
	log.Info("keyhold shutting down")
	n.Close()
	return nil
}
