// Command keyhold-load measures keyhold's data plane with the AWS SDK for Go v2 and compares it
// with a bare Go HTTP server that answers the same request shapes without any crypto, measured
// by the same client in the same run, so the ratio is what matters, not the machine.
//
//	keyhold-load -keyhold ./bin/keyhold -duration 10s
//
//	keyhold-load -keyhold ./bin/keyhold -cluster 3 -concurrency 64,256 -duration 10s
//
//	keyhold-load -keyhold ./bin/keyhold -create-keys 1000000 -iam-users 5000 -concurrency 32
//
//	keyhold-load -keyhold ./bin/keyhold -s3 -s3-sizes 1MiB,64MiB -concurrency 4 -duration 10s [-s3-tls]
//
// It starts `keyhold dev` and the bare server as child processes on loopback, drives Encrypt,
// Decrypt and GenerateDataKey (and, with -ops, Sign with an ECC_NIST_P256 key and GenerateMac
// with an HMAC_256 key) at each concurrency, prints a table, and stops both. Each row gives
// both servers' throughput, p99 and server CPU per request (the process's user+system time
// from /proc/<pid>/stat over the cell, divided by the requests it served), and their ratios.
// A cell measures its targets in interleaved rounds (-rounds), so that the machine's drift
// falls on all of them alike.
// With -as user the requests are signed by an IAM user with a ten-statement policy, on keys
// whose custom key policy names the user and which carry a grant to it (keypolicy.go). With
// -cpuprofile a CPU profile of the node under load is fetched from its operator-only pprof
// on the ops listener (profile.go). With -s3 it
// measures S3 PUT/GET throughput of plaintext, SSE-S3 and SSE-KMS objects instead (s3.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "bare" {
		if err := serveBare(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "keyhold-load bare:", err)
			os.Exit(1)
		}
		return
	}
	keyhold := flag.String("keyhold", "./bin/keyhold", "path of the keyhold binary to run in dev mode")
	duration := flag.Duration("duration", 10*time.Second, "how long to drive each operation at each concurrency")
	rounds := flag.Int("rounds", 10, "split each cell into this many interleaved rounds, every target measured once per round in rotating order (rounds.go)")
	conc := flag.String("concurrency", "8,32", "comma-separated numbers of concurrent callers")
	ops := flag.String("ops", "Encrypt,Decrypt,GenerateDataKey", "comma-separated operations: Encrypt, Decrypt, GenerateDataKey, Sign (ECC_NIST_P256), GenerateMac (HMAC_256)")
	clusterN := flag.Int("cluster", 0, "instead: measure CreateKey throughput and failover time on an N-node loopback cluster (keyhold dev --nodes N)")
	s3Mode := flag.Bool("s3", false, "instead: measure S3 PUT/GET throughput of plaintext, SSE-S3 and SSE-KMS objects on one dev node (uses the first -concurrency)")
	s3Sizes := flag.String("s3-sizes", "1MiB,64MiB", "comma-separated object sizes for -s3 (KiB or MiB suffix)")
	as := flag.String("as", "root", "comma-separated identities to sign with: root (the account root) and user (an IAM user with a ten-statement policy, created through the IAM API)")
	s3TLS := flag.Bool("s3-tls", false, "with -s3: serve the API over HTTPS (api_tls_cert), as production does, instead of plain HTTP")
	createKeys := flag.Int("create-keys", 0, "instead: create N keys (and N/10 aliases) on one dev node from the last -concurrency callers; report rate, p99, node RSS, raft.db and snapshot size, restart-to-ready time")
	snapWait := flag.Duration("snapshot-wait", 75*time.Second, "with -create-keys: how long to wait for the node to snapshot after the load")
	keepDir := flag.String("dir", "", "with -create-keys: keep the dev node's state in this directory instead of a temporary one")
	iamUsers := flag.Int("iam-users", 0, "with -create-keys: then create N IAM users (at most 5000, IAM's per-account quota), each with a ten-statement inline policy and an access key, through the IAM API")
	cpuProfile := flag.String("cpuprofile", "", "after the table: write a CPU profile of the keyhold node (its operator-only /debug/pprof on the ops listener) taken while -profile-op runs as the last -as identity at the last -concurrency")
	profileOp := flag.String("profile-op", "Encrypt", "with -cpuprofile: the operation driven while profiling")
	profileDur := flag.Duration("profile-duration", 10*time.Second, "with -cpuprofile: how long to profile")
	flag.Parse()
	var levels []int
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "keyhold-load: bad -concurrency %q\n", *conc)
			os.Exit(2)
		}
		levels = append(levels, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *s3Mode {
		sizes, err := parseSizes(*s3Sizes)
		if err != nil {
			fmt.Fprintln(os.Stderr, "keyhold-load:", err)
			os.Exit(2)
		}
		if err := runS3(ctx, *keyhold, sizes, levels[0], *duration, *s3TLS); err != nil {
			fmt.Fprintln(os.Stderr, "keyhold-load:", err)
			os.Exit(1)
		}
		return
	}
	if *createKeys > 0 {
		if err := runCreateKeys(ctx, *keyhold, *createKeys, levels[len(levels)-1], *iamUsers, *snapWait, *keepDir); err != nil {
			fmt.Fprintln(os.Stderr, "keyhold-load:", err)
			os.Exit(1)
		}
		return
	}
	if *clusterN > 0 {
		if err := runCluster(ctx, *keyhold, *clusterN, levels, *duration); err != nil {
			fmt.Fprintln(os.Stderr, "keyhold-load:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, *keyhold, strings.Split(*ops, ","), levels, *duration, *rounds, strings.Split(*as, ","), profileOpts{*cpuProfile, *profileOp, *profileDur}); err != nil {
		fmt.Fprintln(os.Stderr, "keyhold-load:", err)
		os.Exit(1)
	}
}

// parseSizes reads "1MiB,64MiB,256KiB".
func parseSizes(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		unit := int64(1)
		switch {
		case strings.HasSuffix(f, "MiB"):
			unit, f = 1<<20, strings.TrimSuffix(f, "MiB")
		case strings.HasSuffix(f, "KiB"):
			unit, f = 1<<10, strings.TrimSuffix(f, "KiB")
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad -s3-sizes %q", s)
		}
		out = append(out, n*unit)
	}
	return out, nil
}
