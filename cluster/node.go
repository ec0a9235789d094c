package cluster

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// Node is one member of the raft cluster: the raft instance, its stores and transport, and the
// StateMachine adapter. Its methods are safe for concurrent use. After Close every method
// returns ErrClosed (Status reports State "Shutdown").
type Node struct {
	cfg  Config
	raft *raft.Raft
	// raftRef is raft for goroutines raft starts before Open has set n.raft (snapshot Persist).
	raftRef atomic.Pointer[raft.Raft]
	fsm     *fsm
	trans   *raft.NetworkTransport
	demux   *demux        // owns the raft listener; sorts raft and peer-API connections
	peers   *http.Client  // PeerClient
	peerSrv *http.Server  // serves Config.Peer; nil without one
	store   *boltStore    // raft.db, rewritten when mostly free (logstore.go)
	logs    raft.LogStore // store behind a cache of recent entries
	leaders leaderFanout
	closed  atomic.Bool
	// termCommitted is the last term in which this node, as leader, committed a barrier: its
	// commit index then covers everything acknowledged before (ReadIndex).
	termCommitted atomic.Uint64
	closeOnce     sync.Once
	closeErr      error
	stop          chan struct{} // closed by Close to stop watchLeadership
	watchDone     chan struct{} // closed when watchLeadership returns
}

// Open starts a node on cfg.DataDir, restoring the newest snapshot there (if any) and then
// replaying the log entries after it as they are known committed. With cfg.Bootstrap and an
// empty DataDir it bootstraps a single-voter cluster; otherwise a new node waits to be added
// by the leader (AddVoter).
func Open(cfg Config, sm StateMachine) (_ *Node, err error) {
	if sm == nil {
		return nil, fmt.Errorf("%w: nil StateMachine", ErrInvalidConfig)
	}
	if cfg, err = cfg.withDefaults(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, stop: make(chan struct{}), watchDone: make(chan struct{})}
	n.fsm = &fsm{sm: sm, cfg: &n.cfg}
	hl := newHCLogAdapter(cfg.Logger)

	// Undo whatever was opened if a later step fails.
	var cleanup []func()
	defer func() {
		if err != nil {
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
		}
	}()

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("cluster: data dir: %w", err)
	}
	n.store, err = openBoltStore(filepath.Join(cfg.DataDir, "raft.db"), cfg.LogCompactMinBytes, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("cluster: open %s: %w", filepath.Join(cfg.DataDir, "raft.db"), err)
	}
	cleanup = append(cleanup, func() { n.store.Close() })
	if n.logs, err = raft.NewLogCache(logCacheSize, n.store); err != nil {
		return nil, fmt.Errorf("cluster: log cache: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.DataDir, snapshotsRetained, hl.Named("snapshots"))
	if err != nil {
		return nil, fmt.Errorf("cluster: snapshot store: %w", err)
	}
	if n.trans, n.demux, err = newTransport(cfg, hl.Named("transport")); err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { n.trans.Close() })
	n.peers = newPeerClient(n.demux)
	n.startPeers()
	cleanup = append(cleanup, func() { n.closePeers() })

	rc := raftConfig(cfg, hl)
	if cfg.Bootstrap {
		has, err := raft.HasExistingState(n.logs, n.store, snaps)
		if err != nil {
			return nil, fmt.Errorf("cluster: inspect state: %w", err)
		}
		if !has {
			self := raft.Server{Suffrage: raft.Voter, ID: rc.LocalID, Address: n.trans.LocalAddr()}
			if err := raft.BootstrapCluster(rc, n.logs, n.store, snaps, n.trans,
				raft.Configuration{Servers: []raft.Server{self}}); err != nil {
				return nil, fmt.Errorf("cluster: bootstrap: %w", err)
			}
		}
	}
	n.fsm.persisted = n.adaptSnapshotThreshold
	if n.raft, err = raft.NewRaft(rc, n.fsm, n.logs, n.store, snaps, n.trans); err != nil {
		return nil, fmt.Errorf("cluster: start raft: %w", err)
	}
	n.raftRef.Store(n.raft)
	go n.watchLeadership()
	return n, nil
}

// raftConfig maps our Config onto raft's.
func raftConfig(cfg Config, hl *hclogAdapter) *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.NodeID)
	rc.Logger = hl.Named("raft")
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	rc.SnapshotInterval = cfg.SnapshotInterval
	rc.TrailingLogs = cfg.TrailingLogs
	rc.MaxAppendEntries = cfg.MaxAppendEntries
	// Group commit: the leader drains up to MaxAppendEntries queued proposals per disk write
	// and our FSM applies them in one ApplyBatch call.
	rc.BatchApplyCh = true
	// Restart restores the newest snapshot and replays only the log after it.
	rc.NoSnapshotRestoreOnStart = false
	// Raft emits each metric under a legacy name too; one copy is enough. Metrics go to
	// go-metrics' global sink, a blackhole unless the process installs one, so nothing reaches
	// stderr; cmd reads Status and the Observer instead.
	rc.NoLegacyTelemetry = true
	if cfg.HeartbeatTimeout > 0 {
		rc.HeartbeatTimeout = cfg.HeartbeatTimeout
	}
	if cfg.ElectionTimeout > 0 {
		rc.ElectionTimeout = cfg.ElectionTimeout
	}
	if cfg.LeaderLeaseTimeout > 0 {
		rc.LeaderLeaseTimeout = cfg.LeaderLeaseTimeout
	}
	if cfg.CommitTimeout > 0 {
		rc.CommitTimeout = cfg.CommitTimeout
	}
	return rc
}

// newTransport listens on BindAddr with plain TCP or mutual TLS. The listener is shared with the
// peer API through the demux.
func newTransport(cfg Config, hl hclog.Logger) (*raft.NetworkTransport, *demux, error) {
	ln, err := net.Listen("tcp", cfg.BindAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster: listen %s: %w", cfg.BindAddr, err)
	}
	var adv net.Addr = ln.Addr()
	if cfg.AdvertiseAddr != "" {
		if adv, err = net.ResolveTCPAddr("tcp", cfg.AdvertiseAddr); err != nil {
			ln.Close()
			return nil, nil, fmt.Errorf("%w: AdvertiseAddr %q: %w", ErrInvalidConfig, cfg.AdvertiseAddr, err)
		}
	}
	if ta := adv.(*net.TCPAddr); ta.IP == nil || ta.IP.IsUnspecified() {
		ln.Close()
		return nil, nil, fmt.Errorf("%w: advertise address %s is not one peers can dial; set AdvertiseAddr", ErrInvalidConfig, adv)
	}
	d := newDemux(ln, adv, cfg.TLS, cfg.VerifyPeer, cfg.Logger)
	stream := &streamLayer{chanListener{d: d, ch: d.raftCh}}
	return raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  stream,
		MaxPool: transportMaxPool,
		Timeout: transportTimeout,
		Logger:  hl,
	}), d, nil
}

// closePeers stops the peer server and drops the client's idle connections.
func (n *Node) closePeers() {
	if n.peerSrv != nil {
		_ = n.peerSrv.Close()
	}
	n.peers.CloseIdleConnections()
}

// watchLeadership forwards raft's leadership signals to LeaderCh subscribers until Close.
func (n *Node) watchLeadership() {
	defer close(n.watchDone)
	ch := n.raft.LeaderCh()
	for {
		select {
		case v := <-ch:
			n.leaders.publish(v)
		case <-n.stop:
			return
		}
	}
}

// Addr returns the raft address peers use for this node (the advertise address).
func (n *Node) Addr() string { return string(n.trans.LocalAddr()) }

// IsLeader reports whether this node is the leader now. Leadership can be lost at any moment;
// use Apply or Barrier for decisions that need it.
func (n *Node) IsLeader() bool { return !n.closed.Load() && n.raft.State() == raft.Leader }

// LeaderCh returns a new channel that carries whether this node is the leader: the current
// value first, then each change. Values are not queued: a slow reader sees only the latest
// value, so it must treat each receive as "the state now", not as an edge. Close sends a final
// false and closes the channel. Each call makes an independent subscription.
func (n *Node) LeaderCh() <-chan bool { return n.leaders.subscribe(n.IsLeader()) }

// Close shuts raft down (waiting for in-flight FSM work), then closes the transport and the
// store. Pending Applies fail with ErrClosed. Close is safe to call more than once and from
// several goroutines; later calls return the first call's result.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.closed.Store(true)
		errs := []error{n.raft.Shutdown().Error()}
		close(n.stop)
		<-n.watchDone
		n.leaders.close()
		n.closePeers()
		errs = append(errs, n.trans.Close(), n.store.Close())
		if err := errors.Join(errs...); err != nil {
			n.closeErr = fmt.Errorf("cluster: close: %w", err)
		}
	})
	return n.closeErr
}
