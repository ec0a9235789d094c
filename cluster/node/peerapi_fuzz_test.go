package node

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyhold/keyhold/cluster"
	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/domain"
)

// peerRoutes are the peer API's routes a fuzz input picks from with its first byte.
var peerRoutes = []struct{ method, path string }{
	{http.MethodPost, peerPathPropose},
	{http.MethodPost, peerPathJoin},
	{http.MethodPost, peerPathReadIndex},
	{http.MethodGet, peerPathDomainKey},
}

// fuzzPeerNode is a node with just what the peer API uses: a real single-voter raft over the
// real FSM and domain state, no HSM.
func fuzzPeerNode(f *testing.F) *Node {
	f.Helper()
	log := slog.New(slog.DiscardHandler)
	n := &Node{cfg: Config{NodeID: "node1", DataDir: f.TempDir()}, log: log, started: make(chan struct{})}
	n.state = domain.NewState(domain.ARNs{Partition: "aws", Region: "us-east-1", Account: "111122223333"})
	sm := &fsm{st: n.state, log: log, trust: &n.trust, halt: func(msg string) { f.Fatal(msg) }}
	var err error
	n.raft, err = cluster.Open(cluster.Config{
		NodeID: "node1", DataDir: filepath.Join(n.cfg.DataDir, "raft"), BindAddr: clustertest.FreePort(f), Bootstrap: true,
		HeartbeatTimeout: 200 * time.Millisecond, ElectionTimeout: 200 * time.Millisecond,
		LeaderLeaseTimeout: 100 * time.Millisecond, CommitTimeout: 5 * time.Millisecond,
	}, sm)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.raft.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.raft.WaitForLeader(ctx); err != nil {
		f.Fatal(err)
	}
	n.svc = domain.NewService(n.state, forwardingProposer{n}, nil, domain.Config{NodeID: "node1"})
	close(n.started)
	return n
}

// FuzzPeerAPI sends arbitrary bodies to every peer API route: no input panics the node, every
// answer is a well-formed peer response, and a command is proposed (a 2xx from propose) only if
// domain.ValidateForwarded accepts it.
func FuzzPeerAPI(f *testing.F) {
	n := fuzzPeerNode(f)
	h := n.peerHandler()
	for i := range peerRoutes {
		f.Add(byte(i), []byte{})
	}
	f.Add(byte(0), []byte{0xFF})
	f.Add(byte(0), append([]byte{2}, `{"Key":{}}`...))
	f.Add(byte(0), append([]byte{24}, `{}`...))
	f.Add(byte(1), []byte(`{"node_id":"n2","raft_addr":"127.0.0.1:1","proof":"AAAA"}`))
	f.Add(byte(1), []byte(`{"node_id":"n2","raft_addr":"127.0.0.1:1"}`))
	f.Fuzz(func(t *testing.T, route byte, body []byte) {
		rt := peerRoutes[int(route)%len(peerRoutes)]
		req := httptest.NewRequest(rt.method, cluster.PeerScheme+"://peer"+rt.path, bytes.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code/100 == 2 {
			if rt.path == peerPathPropose && domain.ValidateForwarded(body) != nil {
				t.Fatalf("propose answered %d for a command ValidateForwarded refuses", w.Code)
			}
			return
		}
		var pe peerError
		if err := json.Unmarshal(w.Body.Bytes(), &pe); err != nil || pe.Code == "" {
			t.Fatalf("%s %s: got %d %q, want a peer error", rt.method, rt.path, w.Code, w.Body.Bytes())
		}
	})
}
