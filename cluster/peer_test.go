package cluster

import (
	"io"
	"net/http"
	"testing"
)

// TestPeerAPISharesRaftPort sends HTTP requests between nodes over the raft port, with plain TCP
// and with mutual TLS, while raft keeps replicating on the same port.
func TestPeerAPISharesRaftPort(t *testing.T) {
	for _, withTLS := range []bool{false, true} {
		name := "tcp"
		if withTLS {
			name = "mtls"
		}
		t.Run(name, func(t *testing.T) {
			ca := newTestCA(t, "peer")
			c := newTestCluster(t, 2, func(i int, cfg *Config) {
				id := cfg.NodeID
				cfg.Peer = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, "hello from "+id+" "+r.URL.Path)
				})
				if withTLS {
					cfg.TLS = ca.nodeTLS(t, id)
				}
			})
			l := c.leader()
			f := c.followers(l)[0]
			c.set(l, "k", "v")
			resp, err := f.node.PeerClient().Get(PeerScheme + "://" + l.node.Addr() + "/ping")
			if err != nil {
				t.Fatalf("peer request: %v", err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if want := "hello from " + l.cfg.NodeID + " /ping"; string(b) != want {
				t.Errorf("peer response: got %q, want %q", b, want)
			}
			c.set(l, "k2", "v2") // raft still works on the shared port
		})
	}
}
