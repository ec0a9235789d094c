// Package nodetest starts real keyhold nodes in this process for tests in any package, as
// hashicorp/raft's testing.go does for raft: one node on loopback with its own SoftHSM2 token,
// its domain initialised by the dev operator (cluster/node's DevInit) and a root principal,
// driven through the AWS SDK for Go v2. Process clusters are cluster/clustertest's.
//
// The node's own tests use an internal twin of this harness (cluster/node/harness_test.go):
// Go does not let a package's internal tests import a package that imports it.
package nodetest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/cluster/node"
	"github.com/keyhold/keyhold/softhsm"
)

// Clock is a node's clock in tests: real time plus an offset the test moves, so that deletion
// windows and rotation schedules pass without waiting.
type Clock struct{ offset atomic.Int64 }

// Now is the node's time.
func (c *Clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the node's time forward by d.
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Node is a live single-node keyhold on loopback.
type Node struct {
	Node   *node.Node  // nil while stopped
	Config node.Config // what Start was given
	Dir    string      // the dev directory: credentials, operator key
	Clock  *Clock
	// AKID and Secret are the root principal's credentials; KMS is a client using them.
	AKID, Secret string
	URL          string
	KMS          *kms.Client
}

// New starts a node and stops it when t ends. configure, when not nil, changes the test
// configuration before the node starts.
func New(t testing.TB, configure func(*node.Config)) *Node {
	t.Helper()
	tok := softhsm.NewToken(t)
	dir := t.TempDir()
	cfg := node.DefaultConfig()
	cfg.NodeID = "node1"
	cfg.DataDir = filepath.Join(dir, "node1")
	cfg.APIAddr = "127.0.0.1:0"
	cfg.OpsAddr = "127.0.0.1:0"
	cfg.RaftAddr = clustertest.FreePort(t)
	cfg.HSM = tok.URI()
	cfg.HSMSessions = 4
	cfg.MemLock = false
	cfg.SweepInterval = time.Hour // tests call Tick themselves
	if configure != nil {
		configure(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tn := &Node{Config: cfg, Dir: dir, Clock: &Clock{}}
	tn.Start(t)
	t.Cleanup(tn.Stop)
	return tn
}

// Start starts the node on its data directory and HSM token; t is the running test or subtest,
// which a failure stops.
func (tn *Node) Start(t testing.TB) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	n, err := node.Start(tn.Config, log, tn.Clock.Now)
	if err != nil {
		t.Fatalf("node.Start: %v", err)
	}
	tn.Node = n
	if err := node.DevInit(context.Background(), n, tn.Dir); err != nil {
		t.Fatalf("node.DevInit: %v", err)
	}
	tn.AKID, tn.Secret = clustertest.ReadCredentials(t, filepath.Join(tn.Dir, "credentials"))
	tn.URL = n.APIURL()
	tn.KMS = tn.Client(tn.AKID, tn.Secret)
}

// Stop stops the node; Start starts it again.
func (tn *Node) Stop() {
	if tn.Node != nil {
		tn.Node.Close()
		tn.Node = nil
	}
}

// Restart stops the node and starts it again on the same data directory and HSM token.
func (tn *Node) Restart(t testing.TB) {
	t.Helper()
	tn.Stop()
	tn.Start(t)
}

// Tick runs the leader's scheduled work (deletions, rotations) now.
func (tn *Node) Tick(t testing.TB) {
	t.Helper()
	if err := tn.Node.Service().Tick(context.Background()); err != nil {
		t.Fatalf("Tick: %v", err)
	}
}

// Client is a KMS client with the given credentials.
func (tn *Node) Client(akid, secret string) *kms.Client {
	return kms.New(kms.Options{
		Region:       tn.Config.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint: aws.String(tn.URL),
		Retryer:      clustertest.ClientRaceRetryer(),
	})
}

// S3 is a path-style S3 client with the root credentials and the SDK's default checksum
// settings (what config.LoadDefaultConfig resolves when nothing is configured).
func (tn *Node) S3() *s3.Client {
	return s3.New(s3.Options{
		Region:                     tn.Config.Region,
		Credentials:                credentials.NewStaticCredentialsProvider(tn.AKID, tn.Secret, ""),
		BaseEndpoint:               aws.String(tn.URL),
		UsePathStyle:               true,
		Retryer:                    clustertest.ClientRaceRetryer(),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}
