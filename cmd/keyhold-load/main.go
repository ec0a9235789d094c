// Command keyhold-load measures keyhold's data plane with the AWS SDK for Go v2 and compares it
// with a bare Go HTTP server that answers the same request shapes without any crypto, measured
// by the same client in the same run, so the ratio is what matters, not the machine.
//
//	keyhold-load -keyhold ./bin/keyhold -duration 10s
//
//	keyhold-load -keyhold ./bin/keyhold -cluster 3 -concurrency 64,256 -duration 10s
//
// It starts `keyhold dev` and the bare server as child processes on loopback, drives Encrypt,
// Decrypt and GenerateDataKey (and, with -ops, Sign with an ECC_NIST_P256 key and GenerateMac
// with an HMAC_256 key) at each concurrency, prints a table, and stops both.
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
	conc := flag.String("concurrency", "8,32", "comma-separated numbers of concurrent callers")
	ops := flag.String("ops", "Encrypt,Decrypt,GenerateDataKey", "comma-separated operations: Encrypt, Decrypt, GenerateDataKey, Sign (ECC_NIST_P256), GenerateMac (HMAC_256)")
	clusterN := flag.Int("cluster", 0, "instead: measure CreateKey throughput and failover time on an N-node loopback cluster (keyhold dev --nodes N)")
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
	if *clusterN > 0 {
		if err := runCluster(ctx, *keyhold, *clusterN, levels, *duration); err != nil {
			fmt.Fprintln(os.Stderr, "keyhold-load:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, *keyhold, strings.Split(*ops, ","), levels, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "keyhold-load:", err)
		os.Exit(1)
	}
}
