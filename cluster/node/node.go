package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/keyhold/keyhold/api"
	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/api/sts"
	"github.com/keyhold/keyhold/cluster"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/hsm"
	"github.com/keyhold/keyhold/wrap"
)

// Node is one running keyhold daemon: HSM, raft, domain service and both listeners.
type Node struct {
	cfg     Config
	log     *slog.Logger
	tok     *hsm.Token
	state   *domain.State
	raft    *cluster.Node
	svc     *domain.Service
	ring    *hsmKeyring
	cache   *wrap.Cache
	metrics *api.Metrics
	audit   *audit.Writer // audit.go
	srv     *api.Server   // the API and ops listeners' handlers
	apiLn   net.Listener
	// apiScheme is "https" when the API listener serves TLS (api_tls_cert), else "http".
	apiScheme string
	opsLn     net.Listener
	servers   []*http.Server
	stop      context.CancelFunc
	done      chan struct{}

	// Cluster runtime (forward.go, join.go, readindex.go).
	started chan struct{} // closed once every field above is set; gates the peer API
	join    joinState
	fresh   *freshness     // freshness.go: bounded staleness, the API gate
	reads   readRounds     // readindex.go
	bg      sync.WaitGroup // joinLoop and freshnessLoop
	trust   peerTrust      // peerauth.go: who may use the raft port
}

// Start opens everything a node needs and starts serving. Listeners are bound before it
// returns, so the addresses are usable at once. clock, when not nil, replaces time.Now for the
// key service (deletion windows, rotation schedules); tests use it to move time forward.
func Start(cfg Config, log *slog.Logger, clock func() time.Time) (_ *Node, err error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("keyhold: data dir: %w", err)
	}
	n := &Node{cfg: cfg, log: log, metrics: api.NewMetrics(), done: make(chan struct{}), started: make(chan struct{})}
	n.fresh = newFreshness(cfg.MaxStaleness)
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	uri, err := hsm.ParseURI(cfg.HSM)
	if err != nil {
		return nil, err
	}
	n.tok, err = hsm.Open(uri, hsm.Options{Sessions: cfg.HSMSessions, Observer: n.metrics.ObserveHSM, Logger: log, SOPINSource: cfg.HSMSOPINFile})
	if err != nil {
		return nil, err
	}
	if err := n.tok.CheckCapabilities(); err != nil { // refuse a token lacking what keyhold relies on
		return nil, err
	}
	arns := domain.ARNs{Partition: "aws", Region: cfg.Region, Account: cfg.Account}
	n.state = domain.NewState(arns)
	peerTLS, err := peerTLS(cfg)
	if err != nil {
		return nil, err
	}
	sm, err := n.newFSM(peerTLS)
	if err != nil {
		return nil, err
	}
	n.raft, err = cluster.Open(cluster.Config{
		TLS:           peerTLS,
		VerifyPeer:    n.verifyPeer,                   // peerauth.go
		Peer:          n.auditedPeer(n.peerHandler()), // peeraudit.go
		NodeID:        cfg.NodeID,
		DataDir:       filepath.Join(cfg.DataDir, "raft"),
		BindAddr:      cfg.RaftAddr,
		AdvertiseAddr: cfg.RaftAdvertise,
		Bootstrap:     cfg.Bootstrap,
		Logger:        log.With("component", "raft"),

		SnapshotThreshold: uint64(cfg.RaftSnapshotThreshold),
		SnapshotInterval:  cfg.RaftSnapshotInterval,
	}, sm)
	if err != nil {
		return nil, err
	}
	anchors, err := loadTrustAnchors(cfg)
	if err != nil {
		return nil, err
	}
	n.ring = newKeyring(n.tok, n.state)
	n.cache = wrap.NewCache(cfg.CacheEntries, cfg.CacheTTL)
	n.svc = domain.NewService(n.state, forwardingProposer{n}, n.ring, domain.Config{
		ARNs:   arns,
		Cache:  n.cache,
		Random: func(_ context.Context, k int) ([]byte, error) { return n.tok.Random(k) }, // PKCS#11: not cancellable
		// A key created through another node is usable here as soon as CreateKey returned there.
		CatchUp: n.catchUp,
		// Ceremonies (ceremony.go).
		NodeID:   cfg.NodeID,
		NodeAddr: memberAddr(cfg),
		HSM:      ceremonyHSM{n.tok},
		TLSPin:   sm.selfPin,
		Logger:   log,
		Now:      clock,
		// Trust anchors before a domain exists (trustanchors.go).
		BootstrapOperators: anchors.bootstrap,
		RecoveryOperators:  anchors.recovery,
	})
	n.ring.install = n.svc.SyncDomainKeys // keyring.go: a missing domain key version is installed on use
	n.registerMetrics()
	store, sweepStore, err := n.openObjectStore() // objstore.go
	if err != nil {
		return nil, err
	}
	n.registerCeremonyMetrics()
	auditH, err := n.openAudit()
	if err != nil {
		return nil, err
	}
	oidc, err := sts.LoadOIDCProviders(cfg.OIDCProvidersFile) // api/sts/oidc.go
	if err != nil {
		return nil, fmt.Errorf("keyhold: %w", err)
	}
	n.srv = api.NewServer(api.Options{
		Audit:   auditH,
		Service: n.svc,
		Region:  cfg.Region,
		Metrics: n.metrics,
		Logger:  log,
		Cluster: statusReporter{n},
		Ready:   n.ready,
		// freshness.go: bounded staleness on every request, linearizable metadata reads.
		Fresh:      n.serveGate,
		StillFresh: n.fresh.stillServable,
		LinearRead: n.linearRead(),

		ObjectStore:       store,
		S3Domains:         splitList(cfg.S3Domains),
		AllowSSECOverHTTP: cfg.AllowSSECOverHTTP,

		S3PlaintextObjects: cfg.S3PlaintextObjects,
		Pprof:              cfg.Pprof,
		Quotas:             cfg.Quotas,

		OIDCProviders: oidc,
	})
	apiTLSConfig, err := apiTLS(cfg, log.Warn)
	if err != nil {
		return nil, err
	}
	if apiTLSConfig == nil && !loopbackOnly(cfg.APIAddr) {
		log.Warn("the API listener is plain HTTP on a non-loopback address: set api_tls_cert and api_tls_key, or keep it behind a TLS-terminating proxy", "api_addr", cfg.APIAddr)
	}
	if n.apiLn, err = n.listen(cfg.APIAddr); err != nil { // listenlimits.go: connection cap
		return nil, fmt.Errorf("keyhold: api listener: %w", err)
	}
	n.apiScheme = "http"
	if apiTLSConfig != nil {
		// HTTP/1.1 only, as S3 and KMS endpoints speak it to SDKs.
		apiTLSConfig.NextProtos = []string{"http/1.1"}
		n.apiLn, n.apiScheme = tls.NewListener(n.apiLn, apiTLSConfig), "https"
	}
	if n.opsLn, err = n.listen(cfg.OpsAddr); err != nil {
		return nil, fmt.Errorf("keyhold: ops listener: %w", err)
	}
	n.serve(n.apiLn, n.srv.APIHandler())
	n.serve(n.opsLn, n.srv.OpsHandler())
	ctx, cancel := context.WithCancel(context.Background())
	n.stop = cancel
	close(n.started)
	go n.leaderJobs(ctx)
	n.bg.Add(1)
	go func() { defer n.bg.Done(); sweepStore(ctx) }()
	n.bg.Add(1)
	go func() { defer n.bg.Done(); n.ceremonyJobs(ctx) }()
	n.startFreshness(ctx)
	if cfg.Join != "" {
		n.bg.Add(1)
		go func() { defer n.bg.Done(); n.joinLoop(ctx) }()
	}
	return n, nil
}

func (n *Node) serve(ln net.Listener, h http.Handler) {
	s := n.httpServer(h) // listenlimits.go: timeouts and minimum transfer rates
	n.servers = append(n.servers, s)
	go func() {
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("listener stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
}

// leaderJobs runs the scheduled deletions and rotations while this node leads.
func (n *Node) leaderJobs(ctx context.Context) {
	defer close(n.done)
	t := time.NewTicker(n.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !n.raft.IsLeader() || n.svc.Domain() == nil {
			continue
		}
		tctx, cancel := context.WithTimeout(ctx, n.cfg.SweepInterval)
		if err := n.svc.Tick(tctx); err != nil {
			n.log.Warn("scheduled key work failed; it will be retried", "err", err)
		}
		cancel()
	}
}

// ready is /readyz: this node has a leader (or is it) and its replica is within max_staleness
// (freshness.go), the domain exists, and this node's HSM holds the current domain key.
func (n *Node) ready() error {
	if err := n.freshReady(); err != nil {
		return err
	}
	d := n.svc.Domain()
	if d == nil {
		return fmt.Errorf("%w: the domain is not initialised", errNotReady)
	}
	if _, err := n.ring.DomainKey(context.Background(), d.CurrentDK); err != nil {
		return fmt.Errorf("%w: this node's HSM does not hold domain key version %d", errNotReady, d.CurrentDK)
	}
	if err := n.ring.hsmReady(); err != nil { // keyring_probe.go
		return fmt.Errorf("%w: %v", errNotReady, err)
	}
	return n.auditHealthy() // audit.go: the trail can be written (audit_mode durable)
}

// Close stops serving and releases everything; it is safe on a partly started node.
func (n *Node) Close() {
	if n.stop != nil {
		n.stop()
		<-n.done
		n.bg.Wait()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range n.servers {
		_ = s.Shutdown(ctx)
	}
	for _, ln := range []net.Listener{n.apiLn, n.opsLn} {
		if ln != nil {
			_ = ln.Close()
		}
	}
	n.closeAudit()
	if n.raft != nil {
		if err := n.raft.Close(); err != nil {
			n.log.Warn("raft shutdown", "err", err)
		}
	}
	if n.cache != nil {
		n.cache.PurgeAll()
	}
	if n.tok != nil {
		_ = n.tok.Close()
	}
}

// APIURL is the API listener's base URL, for clients.
func (n *Node) APIURL() string { return n.apiScheme + "://" + n.apiLn.Addr().String() }

// OpsAddr is the ops listener's address (/metrics, /healthz, /readyz, /v1/cluster/status).
func (n *Node) OpsAddr() string { return n.opsLn.Addr().String() }

// Service is the node's key service, for embedders and tests that drive it directly (Tick runs
// the leader's scheduled work now).
func (n *Node) Service() *domain.Service { return n.svc }
