package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Mode is one way of storing the benchmark objects on the same server.
type s3Mode struct {
	name string
	sse  types.ServerSideEncryption // "" = plaintext (s3_plaintext_objects)
}

var s3Modes = []s3Mode{{"plaintext", ""}, {"SSE-S3", types.ServerSideEncryptionAes256}, {"SSE-KMS", types.ServerSideEncryptionAwsKms}}

// s3Cell is one measured (mode, size, operation) cell.
type s3Cell struct {
	ops, errs int
	bytes     int64
	secs      float64
}

func (c s3Cell) mbps() float64  { return float64(c.bytes) / (1 << 20) / c.secs }
func (c s3Cell) opsps() float64 { return float64(c.ops) / c.secs }

// runS3 measures S3 PUT and GET throughput of plaintext, SSE-S3 and SSE-KMS objects of each
// size on one `keyhold dev` node started with -s3-plaintext-objects, so that the three modes
// differ only in the encryption: same server, same store (the dev node's directory), same
// SDK client, same run. It prints MB/s, ops/s and each mode's slowdown against plaintext.
//
// With useTLS the node serves the API over HTTPS with a throwaway certificate, as a production
// node does (api_tls_cert): the SDK then streams bodies unsigned with a trailing checksum
// instead of signing every chunk, and both ends pay for TLS.
func runS3(ctx context.Context, keyholdBin string, sizes []int64, conc int, d time.Duration, useTLS bool) error {
	dir, err := os.MkdirTemp("", "keyhold-load-s3-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	addrs := make([]string, 3)
	for i := range addrs {
		if addrs[i], err = freeAddr(); err != nil {
			return err
		}
	}
	args := []string{"dev", "-dir", filepath.Join(dir, "dev"), "-api-addr", addrs[0], "-ops-addr", addrs[1],
		"-raft-addr", addrs[2], "-log-level", "warn", "-s3-plaintext-objects"}
	scheme, transport := "http", &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}
	if useTLS {
		certFile, keyFile, roots, err := selfSignedCert(dir)
		if err != nil {
			return err
		}
		args = append(args, "-api-tls-cert", certFile, "-api-tls-key", keyFile)
		scheme, transport.TLSClientConfig = "https", &tls.Config{RootCAs: roots}
	}
	kh := exec.CommandContext(ctx, keyholdBin, args...)
	if err := startAndWait(kh, "Stop with Ctrl-C"); err != nil {
		return fmt.Errorf("starting keyhold dev: %w", err)
	}
	defer stopChild(kh)
	akid, secret, err := readCreds(filepath.Join(dir, "dev", "credentials"))
	if err != nil {
		return err
	}
	// The SDK's default settings (CRC32 checksums; signed payloads over HTTP, unsigned with a
	// trailing checksum over HTTPS), path style for the loopback address.
	cli := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(scheme + "://" + addrs[0]), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""),
		HTTPClient:  &http.Client{Transport: transport},
		// config.LoadDefaultConfig's defaults; s3.New alone would send no checksums.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
	const bucket = "keyhold-load"
	if _, err := cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return err
	}
	fmt.Printf("S3 throughput over %s, %d concurrent callers, %s per cell in 1s slices taking turns, one keyhold dev node (dir store), %d CPUs\n", strings.ToUpper(scheme), conc, d, runtime.NumCPU())
	fmt.Printf("%-10s %-8s %-4s %10s %9s %8s %6s\n", "mode", "size", "op", "MB/s", "ops/s", "vs plain", "errors")
	for _, size := range sizes {
		body := make([]byte, size)
		_, _ = rand.Read(body)
		cells := map[string]s3Cell{}
		calls := map[string]func(context.Context, int) error{}
		for _, m := range s3Modes {
			key := func(w int) string { return fmt.Sprintf("%s/%d/%d", m.name, size, w) }
			put := func(ctx context.Context, w int) error {
				_, err := cli.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key(w)),
					Body: bytes.NewReader(body), ServerSideEncryption: m.sse})
				return err
			}
			get := func(ctx context.Context, w int) error {
				out, err := cli.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key(w))})
				if err != nil {
					return err
				}
				defer out.Body.Close()
				n, err := io.Copy(io.Discard, out.Body)
				if err == nil && n != size {
					err = fmt.Errorf("GET returned %d bytes, want %d", n, size)
				}
				return err
			}
			// Every worker's object exists before the measured GETs.
			for w := range conc {
				if err := put(ctx, w); err != nil {
					return fmt.Errorf("%s PUT: %w", m.name, err)
				}
			}
			calls[m.name+"PUT"], calls[m.name+"GET"] = put, get
		}
		// The modes take turns in one-second slices, so that load from anything else on the
		// machine falls on all of them alike and the ratios stay meaningful.
		rounds := max(1, int(d/time.Second))
		for range rounds {
			for _, op := range []string{"PUT", "GET"} {
				for _, m := range s3Modes {
					c := measureS3(ctx, calls[m.name+op], size, conc, d/time.Duration(rounds))
					acc := cells[m.name+op]
					acc.ops, acc.errs, acc.bytes, acc.secs = acc.ops+c.ops, acc.errs+c.errs, acc.bytes+c.bytes, acc.secs+c.secs
					cells[m.name+op] = acc
				}
			}
		}
		for _, op := range []string{"PUT", "GET"} {
			base := cells["plaintext"+op]
			for _, m := range s3Modes {
				c := cells[m.name+op]
				fmt.Printf("%-10s %-8s %-4s %10.1f %9.1f %7.2fx %6d\n", m.name, sizeName(size), op, c.mbps(), c.opsps(), base.mbps()/c.mbps(), c.errs)
			}
		}
	}
	fmt.Println("vs plain = plaintext MB/s / mode MB/s (1.00x = as fast as plaintext; target <= 1.25x)")
	return nil
}

// measureS3 runs call from conc workers for d and counts the bytes of the calls that succeeded.
func measureS3(ctx context.Context, call func(context.Context, int) error, size int64, conc int, d time.Duration) s3Cell {
	var ops, errs atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := call(ctx, w); err != nil {
					if errs.Add(1) == 1 {
						fmt.Fprintln(os.Stderr, "keyhold-load: s3:", err)
					}
					continue
				}
				ops.Add(1)
			}
		}()
	}
	wg.Wait()
	n := int(ops.Load())
	return s3Cell{ops: n, errs: int(errs.Load()), bytes: int64(n) * size, secs: time.Since(start).Seconds()}
}

func sizeName(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}
