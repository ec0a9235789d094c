package cluster

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestVerifyPeerRefusesBeforeRaftAndPeerAPI: a certificate from the cluster CA that VerifyPeer
// refuses reaches neither the peer API (it gets a 403 naming the reason, and the handler never
// runs) nor raft (the connection is closed before raft reads a byte), members send nothing to
// it, and members keep replicating and talking over the same port.
func TestVerifyPeerRefusesBeforeRaftAndPeerAPI(t *testing.T) {
	ca := newTestCA(t, "cluster CA")
	var handled atomic.Int64
	members := map[string]bool{"n0": true, "n1": true}
	verify := func(cs tls.ConnectionState, _ bool) error {
		if cn := cs.PeerCertificates[0].Subject.CommonName; !members[cn] {
			return errors.New("certificate " + cn + " is not a member")
		}
		return nil
	}
	c := newTestCluster(t, 2, func(i int, cfg *Config) {
		cfg.TLS = ca.nodeTLS(t, cfg.NodeID)
		cfg.VerifyPeer = verify
		cfg.Peer = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			handled.Add(1)
			_, _ = io.WriteString(w, "ok")
		})
	})
	l := c.leader()
	c.set(l, "k", "v")
	c.waitConverged()

	outsiderCfg := testConfig(t, "not-a-member", c.logs)
	outsiderCfg.TLS = ca.nodeTLS(t, "not-a-member")
	var outsiderHandled atomic.Int64
	outsiderCfg.Peer = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { outsiderHandled.Add(1) })
	outsider, err := Open(outsiderCfg, newKV())
	if err != nil {
		t.Fatal(err)
	}
	defer outsider.Close()

	before := handled.Load()
	resp, err := outsider.PeerClient().Post(PeerScheme+"://"+l.node.Addr()+"/propose", "application/octet-stream", strings.NewReader("\xff"))
	if err != nil {
		t.Fatalf("peer request: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var pr PeerRefusal
	if resp.StatusCode != http.StatusForbidden || json.Unmarshal(body, &pr) != nil || pr.Code != "refused" || !strings.Contains(pr.Message, "not a member") {
		t.Fatalf("outsider's peer request: got %d %s, want 403 refused", resp.StatusCode, body)
	}
	if handled.Load() != before {
		t.Fatal("the peer handler ran for a refused certificate")
	}

	// A raft connection (first byte 0, raft's AppendEntries RPC type) is closed unanswered.
	conn, err := tls.Dial("tcp", l.node.Addr(), outsiderCfg.TLS)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte{0, 0x80, 0x81}); err != nil {
		t.Fatal(err)
	}
	if n, err := conn.Read(make([]byte, 64)); err == nil {
		t.Fatalf("raft connection from a refused certificate: read %d bytes, want it closed", n)
	}

	// Nor does a member send anything to it: a forwarded write or a raft RPC to an address a
	// non-member answers fails after the handshake, before a byte is written.
	if resp, err := l.node.PeerClient().Get(PeerScheme + "://" + outsider.Addr() + "/ping"); err == nil {
		resp.Body.Close()
		t.Fatalf("member's peer request to a non-member: got %s, want an error", resp.Status)
	} else if !strings.Contains(err.Error(), "not a member") {
		t.Errorf("member's peer request to a non-member: got %v, want the refusal", err)
	}
	if outsiderHandled.Load() != 0 {
		t.Fatal("a member sent a peer request to a non-member")
	}

	// Members are unaffected.
	f := c.followers(l)[0]
	resp, err = f.node.PeerClient().Get(PeerScheme + "://" + l.node.Addr() + "/ping")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("member peer request: %v %v", resp, err)
	}
	resp.Body.Close()
	c.set(l, "k2", "v2")
	c.waitConverged()
}

// TestRecheckPeersClosesRemovedPeersConnections: a raft connection accepted while its peer was
// acceptable is closed by RecheckPeers once VerifyPeer refuses that peer; members' connections
// stay.
func TestRecheckPeersClosesRemovedPeersConnections(t *testing.T) {
	ca := newTestCA(t, "cluster CA")
	var mu sync.Mutex
	allowed := map[string]bool{"n0": true, "n1": true, "soon-removed": true}
	verify := func(cs tls.ConnectionState, _ bool) error {
		mu.Lock()
		defer mu.Unlock()
		if cn := cs.PeerCertificates[0].Subject.CommonName; !allowed[cn] {
			return errors.New(cn + " is not a member")
		}
		return nil
	}
	c := newTestCluster(t, 2, func(i int, cfg *Config) {
		cfg.TLS = ca.nodeTLS(t, cfg.NodeID)
		cfg.VerifyPeer = verify
	})
	l := c.leader()
	conn, err := tls.Dial("tcp", l.node.Addr(), ca.nodeTLS(t, "soon-removed"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte{0}); err != nil { // raft's AppendEntries type, then silence
		t.Fatal(err)
	}
	// The connection is with raft now, which waits for the rest of the RPC.
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("before removal: got %v, want the connection open and silent", err)
	}
	if n := l.node.RecheckPeers(); n != 0 {
		t.Fatalf("RecheckPeers with nobody removed closed %d connections", n)
	}
	mu.Lock()
	delete(allowed, "soon-removed")
	mu.Unlock()
	if n := l.node.RecheckPeers(); n != 1 {
		t.Fatalf("RecheckPeers after the removal closed %d connections, want 1", n)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after removal: got %v, want the connection closed", err)
	}
	c.set(l, "k", "v")
	c.waitConverged()
}
