package cluster

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"time"
)

// Defaults applied by Open to zero Config fields.
const (
	DefaultSnapshotThreshold = 8192
	// DefaultSnapshotInterval is how often raft checks the threshold. Between checks the log
	// grows with the write rate (at 3,000 CreateKeys/s, 30 s is 90,000 entries, about 150 MB of
	// raft.db); raft's 2-minute default let 189,000 entries pile up before the first snapshot.
	DefaultSnapshotInterval = 30 * time.Second
	// DefaultLogCompactMinBytes is the raft.db size below which the file is never rewritten.
	DefaultLogCompactMinBytes = 64 << 20
	// DefaultTrailingLogs is how many log entries stay behind a snapshot, so a follower that is
	// briefly away catches up from the log instead of receiving a whole snapshot.
	DefaultTrailingLogs = 10240
	// DefaultMaxAppendEntries bounds one group commit: how many concurrent proposals the leader
	// takes from its queue, writes with one fsync, and sends in one AppendEntries RPC. Raft's own
	// default (64) caps throughput at 64 entries per disk sync; 256 keeps a sync's latency small
	// while letting hundreds of concurrent writers share it.
	DefaultMaxAppendEntries = 256
	// DefaultCommitTimeout is how long the leader lets a follower go without an AppendEntries
	// while nothing new is written (raft waits one to two of it). That message is how a
	// follower learns the commit index, so it bounds how long a write forwarded by a follower
	// waits to be applied there whenever the flow of new entries pauses: raft's 50 ms default
	// held such writes 50-100 ms. BenchmarkWritesThroughFollowers (3 nodes, 32 callers on every
	// node, a shared 2-core machine) gave 15% to 2.6x more writes per second with 5 ms while the
	// machine was busy, when pauses in the flow of writes are common, and the same rate when it
	// was quiet. An empty AppendEntries costs the follower no disk write, so 5 ms (raft's own
	// tests use it) costs a few hundred small messages a second on an idle cluster.
	DefaultCommitTimeout = 5 * time.Millisecond
	// DefaultApplyTimeout bounds Apply, Barrier and membership changes when ctx has no deadline.
	DefaultApplyTimeout = 10 * time.Second

	snapshotsRetained = 2
	transportMaxPool  = 3
	transportTimeout  = 10 * time.Second
	logCacheSize      = 512
)

// Observer receives one call per completed operation: its name (one of the Op constants), how
// long it took and its error (nil on success). It is called synchronously, sometimes from raft's
// FSM goroutine, so it must be fast and must not call back into the Node.
type Observer func(op string, d time.Duration, err error)

// Operation names passed to an Observer.
const (
	OpApply        = "apply"         // Node.Apply, proposer side (enqueue to commit and FSM apply)
	OpBarrier      = "barrier"       // Node.Barrier
	OpReadIndex    = "read_index"    // Node.ReadIndex (a heartbeat round to a quorum)
	OpApplyBatch   = "fsm_batch"     // one group of committed entries applied to the StateMachine
	OpSnapshot     = "snapshot"      // Node.Snapshot (user-requested snapshot)
	OpPersist      = "persist"       // writing a snapshot to disk (StateMachine Snapshot.Persist)
	OpRestore      = "restore"       // StateMachine.Restore from a snapshot
	OpAddVoter     = "add_voter"     // Node.AddVoter
	OpRemoveServer = "remove_server" // Node.RemoveServer
	OpAddNonvoter  = "add_nonvoter"  // Node.AddNonvoter
)

// Config configures a Node. Zero values take the defaults documented on each field.
type Config struct {
	// NodeID is this node's raft server id; unique and stable for the life of the DataDir.
	NodeID string
	// DataDir holds raft.db (log and stable store) and snapshots/. Created 0700 if missing.
	DataDir string
	// BindAddr is the raft TCP listen address, e.g. 127.0.0.1:8102 (port 0 picks a free port).
	BindAddr string
	// AdvertiseAddr is the address peers dial; default the bound address. It must be a concrete
	// host (not 0.0.0.0) and, with TLS, a name or IP in this node's certificate.
	AdvertiseAddr string
	// Bootstrap makes this node the single voter of a new cluster if DataDir holds no raft state.
	// It is ignored when state exists, so it is safe to leave set across restarts.
	Bootstrap bool

	// SnapshotThreshold is how many log entries since the last snapshot trigger a new one
	// (checked every SnapshotInterval). Default DefaultSnapshotThreshold.
	SnapshotThreshold uint64
	// SnapshotInterval is how often raft checks whether to snapshot (raft waits a random time
	// between one and two intervals). Default DefaultSnapshotInterval.
	SnapshotInterval time.Duration
	// TrailingLogs is how many entries a snapshot leaves in the log. Default DefaultTrailingLogs.
	TrailingLogs uint64
	// MaxAppendEntries bounds one group commit (1..1024). Default DefaultMaxAppendEntries.
	MaxAppendEntries int
	// LogCompactMinBytes: once raft.db is at least this large and more than half of it is free
	// after a snapshot truncated the log, the file is rewritten to hold only the log that is
	// left (logstore.go). Default DefaultLogCompactMinBytes; negative never rewrites it.
	LogCompactMinBytes int64

	// HeartbeatTimeout, ElectionTimeout and LeaderLeaseTimeout default to hashicorp/raft's (1s,
	// 1s, 500ms), which suit a LAN; CommitTimeout defaults to DefaultCommitTimeout (raft's is
	// 50ms). Tests shorten them.
	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
	LeaderLeaseTimeout time.Duration
	CommitTimeout      time.Duration

	// TLS, when set, runs raft traffic over mutual TLS: it must carry this node's certificate
	// (Certificates or GetCertificate) and the CA pool that peer certificates chain to, as
	// ClientCAs (to verify dialling peers) and RootCAs (to verify the peer we dial). Open
	// forces ClientAuth to RequireAndVerifyClientCert and MinVersion to TLS 1.3. Nil means plain
	// TCP, for dev mode only.
	TLS *tls.Config

	// VerifyPeer, if not nil, decides after the TLS handshake whether the peer at the other end
	// of a connection may talk raft or the peer API with this node. It gets the verified chain
	// (state.PeerCertificates[0] is the peer's certificate, already chained to the cluster CA)
	// and dialed: false for a connection this node accepted (checked before raft or the peer
	// server reads a byte of it), true for one it dialled (checked before raft or PeerClient
	// writes a byte to it). It returns nil to admit the connection. Anything else closes it; an
	// accepted peer-API request is first answered with 403 and a JSON body (PeerRefusal) so that
	// the dialling node can tell why. It runs on every connection, concurrently, so it must be
	// fast and safe for concurrent use. Nil admits every certificate from the CA; without TLS it
	// is never called (plain TCP carries no identity).
	VerifyPeer func(state tls.ConnectionState, dialed bool) error

	// Peer, if not nil, serves the peer API: HTTP requests other nodes send with PeerClient to
	// this node's raft address, over the same mutual TLS as raft. Nil refuses peer connections.
	Peer http.Handler

	// Logger receives raft's logs; nil discards them. Raft's Info is chatty on elections and
	// snapshots; its Warn and Error are worth alerting on.
	Logger *slog.Logger
	// Observer, if not nil, times operations for metrics.
	Observer Observer
}

// withDefaults returns c with zero fields defaulted, or an error naming the bad field.
func (c Config) withDefaults() (Config, error) {
	if c.NodeID == "" {
		return c, fmt.Errorf("%w: NodeID is empty", ErrInvalidConfig)
	}
	if c.DataDir == "" {
		return c, fmt.Errorf("%w: DataDir is empty", ErrInvalidConfig)
	}
	if c.BindAddr == "" {
		return c, fmt.Errorf("%w: BindAddr is empty", ErrInvalidConfig)
	}
	if c.SnapshotThreshold == 0 {
		c.SnapshotThreshold = DefaultSnapshotThreshold
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = DefaultSnapshotInterval
	}
	if c.TrailingLogs == 0 {
		c.TrailingLogs = DefaultTrailingLogs
	}
	if c.CommitTimeout == 0 {
		c.CommitTimeout = DefaultCommitTimeout
	}
	if c.MaxAppendEntries == 0 {
		c.MaxAppendEntries = DefaultMaxAppendEntries
	}
	switch {
	case c.LogCompactMinBytes == 0:
		c.LogCompactMinBytes = DefaultLogCompactMinBytes
	case c.LogCompactMinBytes < 0:
		c.LogCompactMinBytes = math.MaxInt64
	}
	if c.MaxAppendEntries < 0 || c.MaxAppendEntries > 1024 {
		return c, fmt.Errorf("%w: MaxAppendEntries %d is outside 1..1024", ErrInvalidConfig, c.MaxAppendEntries)
	}
	if c.TLS != nil && len(c.TLS.Certificates) == 0 && (c.TLS.GetCertificate == nil || c.TLS.GetClientCertificate == nil) {
		return c, fmt.Errorf("%w: TLS needs Certificates, or both GetCertificate and GetClientCertificate", ErrInvalidConfig)
	}
	if c.TLS != nil && (c.TLS.ClientCAs == nil || c.TLS.RootCAs == nil) {
		return c, fmt.Errorf("%w: TLS needs both ClientCAs and RootCAs (the cluster CA)", ErrInvalidConfig)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

func (c Config) observe(op string, start time.Time, err error) {
	if c.Observer != nil {
		c.Observer(op, time.Since(start), err)
	}
}
