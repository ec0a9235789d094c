package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/api/adminclient"
	"github.com/keyhold/keyhold/cluster/devcluster"
)

// profileUnderLoad drives call from c callers for d while it fetches a CPU profile of the
// keyhold node over the same d from the node's /debug/pprof/profile, which the node serves
// only on its ops listener and only to an operator (keyhold dev's operator key signs the
// request), and writes it to path for `go tool pprof`.
func profileUnderLoad(ctx context.Context, devDir, opsAddr string, client *kms.Client, call func(context.Context, *kms.Client) error, c int, d time.Duration, path string) error {
	ac := &adminclient.Client{
		Addr:   "http://" + opsAddr,
		HTTP:   &http.Client{Timeout: d + time.Minute},
		Signer: func() (ed25519.PrivateKey, error) { return devcluster.OperatorKey(devDir) },
	}
	secs := max(1, int(d/time.Second))
	type answer struct {
		b   []byte
		err error
	}
	done := make(chan answer, 1)
	go func() {
		b, err := ac.Do(http.MethodGet, fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), "", nil, nil)
		done <- answer{b, err}
	}()
	// The profile covers secs seconds from when the node receives the request; the load
	// starts now and runs a little longer so that the whole profile is under load.
	measure(ctx, client, call, c, time.Duration(secs)*time.Second+2*time.Second)
	a := <-done
	if a.err != nil {
		return fmt.Errorf("fetching the CPU profile: %w", a.err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, a.b, 0o644)
}
