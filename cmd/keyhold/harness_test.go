package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/keyhold/keyhold/softhsm"
)

// fakeClock is the key service's clock in tests: real time plus an offset the test moves.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// testNode is a live single-node keyhold on loopback with its own SoftHSM2 token, driven through
// the AWS SDK for Go v2.
type testNode struct {
	t      testing.TB
	n      *node
	cfg    Config
	dir    string
	clock  *fakeClock
	akid   string
	secret string
	kms    *kms.Client
	url    string
	// tlsRoots, when set, is the CA pool clients trust for an API listener serving TLS.
	tlsRoots *x509.CertPool
}

// freePort returns a loopback address that was free a moment ago. Raft needs an advertisable
// address, so it cannot bind to port 0 directly.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func newTestNode(t testing.TB) *testNode {
	t.Helper()
	tok := softhsm.NewToken(t)
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.NodeID = "node1"
	cfg.DataDir = filepath.Join(dir, "node1")
	cfg.APIAddr = "127.0.0.1:0"
	cfg.OpsAddr = "127.0.0.1:0"
	cfg.RaftAddr = freePort(t)
	cfg.HSM = tok.URI()
	cfg.HSMSessions = 4
	cfg.MemLock = false
	cfg.SweepInterval = time.Hour // tests call Tick themselves
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tn := &testNode{t: t, cfg: cfg, dir: dir, clock: &fakeClock{}}
	tn.start(t)
	t.Cleanup(tn.stop)
	return tn
}

// start starts the node; t is the running test or subtest, which a failure stops (never a
// parent: a subtest must not call FailNow on it).
func (tn *testNode) start(t testing.TB) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	n, err := startNode(tn.cfg, log, tn.clock.now)
	if err != nil {
		t.Fatalf("startNode: %v", err)
	}
	tn.n = n
	if err := devInit(context.Background(), n, tn.dir); err != nil {
		t.Fatalf("devInit: %v", err)
	}
	tn.akid, tn.secret = readCredentials(t, filepath.Join(tn.dir, "credentials"))
	tn.url = n.apiURL()
	tn.kms = tn.client(tn.akid, tn.secret)
}

func (tn *testNode) client(akid, secret string) *kms.Client {
	return kms.New(kms.Options{
		Region:       tn.cfg.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint: aws.String(tn.url),
		Retryer:      clientRaceRetryer(),
		HTTPClient:   tn.httpClient(nil),
	})
}

// httpClient is the SDK's default HTTP client for the API listener, trusting tlsRoots when it
// is set, with dial (if not nil) replacing the transport's dialer.
func (tn *testNode) httpClient(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		if dial != nil {
			tr.DialContext = dial
		}
		if tn.tlsRoots != nil {
			tr.TLSClientConfig = &tls.Config{RootCAs: tn.tlsRoots}
		}
	})
}

// clientRaceRetryer retries a call once, and only when net/http's client closed the connection
// under the response (net.ErrClosed: a keep-alive race inside the client, aws-sdk-go-v2
// #2737, which the SDK's default retryer retries too). Everything the server answers reaches
// the test unretried.
func clientRaceRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 2
		o.RateLimiter = ratelimit.None
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			return aws.BoolTernary(errors.Is(err, net.ErrClosed))
		})}
	})
}

func (tn *testNode) stop() {
	if tn.n != nil {
		tn.n.close()
		tn.n = nil
	}
}

// restart stops the node and starts it again on the same data directory and HSM token; t is the
// running test or subtest.
func (tn *testNode) restart(t testing.TB) {
	t.Helper()
	tn.stop()
	tn.start(t)
}

// tick runs the leader's scheduled work now; t is the running test or subtest.
func (tn *testNode) tick(t testing.TB) {
	t.Helper()
	if err := tn.n.svc.Tick(context.Background()); err != nil {
		t.Fatalf("Tick: %v", err)
	}
}

func readCredentials(t testing.TB, path string) (string, string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var akid, secret string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
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
	if akid == "" || secret == "" {
		t.Fatalf("%s has no credentials", path)
	}
	return akid, secret
}

// errCode returns the AWS error code of err, or "" when err is nil.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "non-API error: " + err.Error()
}

func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := errCode(err); got != want {
		t.Fatalf("error code: got %q, want %q (err: %v)", got, want, err)
	}
}

func ctx() context.Context { return context.Background() }

func itoa(i int) string { return strconv.Itoa(i) }

// eventually polls cond until it holds. It gives up after d, or, when the test binary has a
// deadline, shortly before that (pollDeadline): a loaded machine makes the wait longer, not the
// test fail. It never sleeps longer than a poll interval.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	deadline := pollDeadline(t, d)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: not true that %s", time.Since(start).Round(time.Millisecond), what)
		}
		<-tick.C
	}
}
