package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/softhsm"
)

// fakeClock is the key service's clock in tests: real time plus an offset the test moves.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// testNode is a live single-node keyhold on loopback with its own SoftHSM2 token, driven through
// the AWS SDK for Go v2. It is the internal twin of nodetest.Node: these tests reach the node's
// internals (tn.n.svc, tn.n.raft...), and Go does not let them import nodetest, which imports
// this package.
type testNode struct {
	t      testing.TB
	n      *Node
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

func newTestNode(t testing.TB) *testNode {
	t.Helper()
	tok := softhsm.NewToken(t)
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.NodeID = "node1"
	cfg.DataDir = filepath.Join(dir, "node1")
	cfg.APIAddr = "127.0.0.1:0"
	cfg.OpsAddr = "127.0.0.1:0"
	cfg.RaftAddr = clustertest.FreePort(t)
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
	n, err := Start(tn.cfg, log, tn.clock.now)
	if err != nil {
		t.Fatalf("startNode: %v", err)
	}
	tn.n = n
	if err := DevInit(context.Background(), n, tn.dir); err != nil {
		t.Fatalf("devInit: %v", err)
	}
	tn.akid, tn.secret = clustertest.ReadCredentials(t, filepath.Join(tn.dir, "credentials"))
	tn.url = n.APIURL()
	tn.kms = tn.client(tn.akid, tn.secret)
}

func (tn *testNode) client(akid, secret string) *kms.Client {
	return kms.New(kms.Options{
		Region:       tn.cfg.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint: aws.String(tn.url),
		Retryer:      clustertest.ClientRaceRetryer(),
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

func (tn *testNode) stop() {
	if tn.n != nil {
		tn.n.Close()
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

func ctx() context.Context { return context.Background() }

func itoa(i int) string { return strconv.Itoa(i) }
