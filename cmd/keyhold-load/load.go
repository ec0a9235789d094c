package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// result is one measured (target, operation, concurrency) cell.
type result struct {
	ops    int
	errors int
	secs   float64
	p50    time.Duration
	p99    time.Duration
	lat    []time.Duration // every successful call's latency, sorted
}

func (r result) rate() float64 { return float64(r.ops) / r.secs }

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// profileOpts asks run for a CPU profile of the keyhold node after the table (-cpuprofile).
type profileOpts struct {
	path     string // where to write it; empty: no profile
	op       string // the operation driven while profiling
	duration time.Duration
}

func run(ctx context.Context, keyholdBin string, ops []string, levels []int, d time.Duration, rounds int, identities []string, prof profileOpts) error {
	dir, err := os.MkdirTemp("", "keyhold-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	addrs := make([]string, 4)
	for i := range addrs {
		if addrs[i], err = freeAddr(); err != nil {
			return err
		}
	}
	api, opsAddr, raft, bare := addrs[0], addrs[1], addrs[2], addrs[3]

	devDir := filepath.Join(dir, "dev")
	khArgs := []string{"dev", "-dir", devDir, "-api-addr", api, "-ops-addr", opsAddr, "-raft-addr", raft, "-log-level", "warn"}
	if prof.path != "" {
		// Operator-only, on the ops listener; off unless a profile is asked for.
		khArgs = append(khArgs, "-pprof")
	}
	kh := exec.CommandContext(ctx, keyholdBin, khArgs...)
	if err := startAndWait(kh, "Stop with Ctrl-C"); err != nil {
		return fmt.Errorf("starting keyhold dev: %w", err)
	}
	defer stopChild(kh)
	self, _ := os.Executable()
	bs := exec.CommandContext(ctx, self, "bare", bare)
	if err := bs.Start(); err != nil {
		return err
	}
	defer stopChild(bs)
	if err := waitTCP(bare, 10*time.Second); err != nil {
		return err
	}
	akid, secret, err := readCreds(filepath.Join(dir, "dev", "credentials"))
	if err != nil {
		return err
	}
	maxConc := 0
	for _, c := range levels {
		maxConc = max(maxConc, c)
	}
	khClient := newClient("http://"+api, akid, secret, maxConc)
	bareClient := newClient("http://"+bare, akid, secret, maxConc)
	key, err := khClient.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("load")})
	if err != nil {
		return fmt.Errorf("CreateKey: %w", err)
	}
	keyID := aws.ToString(key.KeyMetadata.KeyId)
	enc, err := khClient.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: make([]byte, 16)})
	if err != nil {
		return fmt.Errorf("encrypting the Decrypt workload's blob: %w", err)
	}
	blob := enc.CiphertextBlob
	keys := loadKeys{symmetric: keyID, blob: blob}
	if err := keys.createFor(ctx, khClient, ops); err != nil {
		return err
	}
	// Each identity signs with its own access key: the account root (allowed everything in its
	// account without a policy) and an IAM user whose ten-statement policy is evaluated on
	// every request.
	clients := map[string]*kms.Client{"root": khClient}
	for _, id := range identities {
		if id != "user" {
			continue
		}
		uakid, usecret, userARN, err := createLoadUser(ctx, "http://"+api, akid, secret, keys.arns(aws.ToString(key.KeyMetadata.Arn)))
		if err != nil {
			return err
		}
		if err := putUserKeyPolicyAndGrants(ctx, khClient, keys, aws.ToString(key.KeyMetadata.Arn), userARN); err != nil {
			return err
		}
		clients["user"] = newClient("http://"+api, uakid, usecret, maxConc)
		// The user's blob must be one it may decrypt: the same key, so the same blob.
	}

	fmt.Printf("keyhold-load: %s per cell, AWS SDK for Go v2 client, keyhold dev (%s audit, staleness check) vs bare Go HTTP server (no auth, no crypto), loopback\n", d, auditMode())
	fmt.Printf("user: IAM user with a ten-statement policy; its keys have a custom key policy naming it and a grant to it\n")
	fmt.Printf("CPU/req: server process user+system CPU (/proc/<pid>/stat) over the cell divided by requests served\n")
	fmt.Printf("each cell: %d interleaved rounds of %s per target (each identity and the bare server, in rotating order); vs root: throughput over root's in the same rounds; per round: the median (and range) of that ratio round by round\n\n", rounds, d/time.Duration(max(1, rounds)))
	fmt.Println("| operation | identity | callers | keyhold ops/s | keyhold p50 | keyhold p99 | keyhold CPU/req | bare ops/s | bare p99 | bare CPU/req | throughput ratio | p99 ratio | CPU/req ratio | vs root | vs root per round |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	calls := map[string]func(context.Context, *kms.Client) error{}
	for _, op := range ops {
		op = strings.TrimSpace(op)
		call := opCall(op, keys)
		if call == nil {
			return fmt.Errorf("unknown operation %q", op)
		}
		calls[op] = call
		for _, c := range levels {
			// The identities and the bare server are measured in interleaved rounds
			// (rounds.go), so every ratio in a row, and the user's to root's, comes from the
			// same moments of the machine.
			targets := make([]target, 0, len(identities)+1)
			for _, id := range identities {
				client := clients[id]
				if client == nil {
					return fmt.Errorf("unknown identity %q (root or user)", id)
				}
				targets = append(targets, target{name: id, client: client, pid: kh.Process.Pid})
			}
			targets = append(targets, target{name: "bare", client: bareClient, pid: bs.Process.Pid})
			tallies, err := measureRounds(ctx, targets, call, c, d, rounds)
			if err != nil {
				return err
			}
			bt := &tallies[len(tallies)-1]
			b, bcpu := bt.result(), bt.cpuPerOp()
			var root *tally
			for i, t := range targets[:len(targets)-1] {
				k, kcpu := tallies[i].result(), tallies[i].cpuPerOp()
				if k.errors > 0 || b.errors > 0 {
					return fmt.Errorf("%s as %s at %d callers: %d keyhold errors, %d bare errors", op, t.name, c, k.errors, b.errors)
				}
				if t.name == "root" {
					root = &tallies[i]
				}
				vsRoot, paired := "-", "-"
				if root != nil {
					vsRoot = fmt.Sprintf("%.2fx", k.rate()/root.result().rate())
					med, lo, hi := pairedRatios(&tallies[i], root)
					paired = fmt.Sprintf("%.2fx (%.2f-%.2f)", med, lo, hi)
				}
				fmt.Printf("| %s | %s | %d | %.0f | %s | %s | %s | %.0f | %s | %s | %.2fx | %.2fx | %.2fx | %s | %s |\n", op, t.name, c,
					k.rate(), k.p50.Round(time.Microsecond), k.p99.Round(time.Microsecond), kcpu.Round(time.Microsecond),
					b.rate(), b.p99.Round(time.Microsecond), bcpu.Round(time.Microsecond),
					k.rate()/b.rate(), ratio(k.p99, b.p99), ratio(kcpu, bcpu), vsRoot, paired)
			}
		}
	}
	if prof.path != "" {
		op, id, c := strings.TrimSpace(prof.op), identities[len(identities)-1], levels[len(levels)-1]
		call := calls[op]
		if call == nil {
			return fmt.Errorf("-profile-op %q is not among -ops", prof.op)
		}
		if err := profileUnderLoad(ctx, devDir, opsAddr, clients[id], call, c, prof.duration, prof.path); err != nil {
			return err
		}
		fmt.Printf("\nCPU profile of keyhold: %s as %s at %d callers for %s, written to %s (go tool pprof -top %s)\n", op, id, c, prof.duration, prof.path, prof.path)
	}
	return nil
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// loadKeys are the keys the measured operations use, created once on the keyhold node. The
// bare server ignores key ids, so the same requests go to both.
type loadKeys struct {
	symmetric string
	blob      []byte
	signP256  string // ECC_NIST_P256 SIGN_VERIFY, for Sign
	hmac256   string // HMAC_256, for GenerateMac
}

// arns returns the ARNs of the measured keys, symmetric first (its ARN is given), for the
// load user's policy.
func (k *loadKeys) arns(symmetric string) []string {
	out := []string{symmetric}
	prefix := symmetric[:strings.LastIndexByte(symmetric, '/')+1]
	for _, id := range []string{k.signP256, k.hmac256} {
		if id != "" {
			out = append(out, prefix+id)
		}
	}
	return out
}

// createFor creates the asymmetric and HMAC keys that ops need.
func (k *loadKeys) createFor(ctx context.Context, c *kms.Client, ops []string) error {
	for _, op := range ops {
		var spec types.KeySpec
		var usage types.KeyUsageType
		var dst *string
		switch strings.TrimSpace(op) {
		case "Sign":
			spec, usage, dst = types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify, &k.signP256
		case "GenerateMac":
			spec, usage, dst = types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac, &k.hmac256
		default:
			continue
		}
		if *dst != "" {
			continue
		}
		out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("load " + op), KeySpec: spec, KeyUsage: usage})
		if err != nil {
			return fmt.Errorf("CreateKey %s: %w", spec, err)
		}
		*dst = aws.ToString(out.KeyMetadata.KeyId)
	}
	return nil
}

func opCall(op string, keys loadKeys) func(context.Context, *kms.Client) error {
	pt := []byte("0123456789abcdef")
	keyID, blob := keys.symmetric, keys.blob
	switch op {
	case "Sign":
		return func(ctx context.Context, c *kms.Client) error {
			_, err := c.Sign(ctx, &kms.SignInput{KeyId: aws.String(keys.signP256), Message: pt, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
			return err
		}
	case "GenerateMac":
		return func(ctx context.Context, c *kms.Client) error {
			_, err := c.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(keys.hmac256), Message: pt, MacAlgorithm: types.MacAlgorithmSpecHmacSha256})
			return err
		}
	case "Encrypt":
		return func(ctx context.Context, c *kms.Client) error {
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: pt})
			return err
		}
	case "Decrypt":
		return func(ctx context.Context, c *kms.Client) error {
			_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
			return err
		}
	case "GenerateDataKey":
		return func(ctx context.Context, c *kms.Client) error {
			_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), KeySpec: types.DataKeySpecAes256})
			return err
		}
	}
	return nil
}

func newClient(endpoint, akid, secret string, conns int) *kms.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = conns*2, conns*2
	return kms.New(kms.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint:     aws.String(endpoint),
		HTTPClient:       &http.Client{Transport: tr},
		RetryMaxAttempts: 1,
	})
}

// measure drives call from c goroutines for d and reports throughput and latency percentiles.
func measure(ctx context.Context, client *kms.Client, call func(context.Context, *kms.Client) error, c int, d time.Duration) result {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			e := 0
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				if err := call(ctx, client); err != nil {
					e++
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			errs += e
			mu.Unlock()
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := result{ops: len(lat), errors: errs, secs: secs, lat: lat}
	if len(lat) > 0 {
		r.p50, r.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return r
}

func startAndWait(cmd *exec.Cmd, line string) error {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		once := sync.Once{}
		for sc.Scan() {
			if strings.Contains(sc.Text(), line) {
				once.Do(func() { close(found) })
			}
		}
	}()
	select {
	case <-found:
		return nil
	case <-time.After(60 * time.Second):
		return fmt.Errorf("%s did not print %q within 60s", cmd.Path, line)
	}
}

func stopChild(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			// Wait for the kill too: a restart must not race the old process for raft.db's lock.
			_ = cmd.Process.Kill()
			<-done
		}
	}
}

func waitTCP(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s not listening after %s", addr, d)
}

func readCreds(path string) (string, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	var akid, secret string
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			akid = strings.TrimSpace(v)
		case "aws_secret_access_key":
			secret = strings.TrimSpace(v)
		}
	}
	if akid == "" {
		return "", "", fmt.Errorf("%s: no credentials", path)
	}
	return akid, secret, nil
}

// auditMode is the audit_mode of the keyhold dev node, which inherits this process's
// environment: make bench runs one table with KEYHOLD_AUDIT_MODE=best_effort to show what the
// fail-closed audit's fsync costs.
func auditMode() string {
	if m := os.Getenv("KEYHOLD_AUDIT_MODE"); m != "" {
		return m
	}
	return "durable"
}
