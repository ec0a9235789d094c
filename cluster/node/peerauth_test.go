package node

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/cluster/devcluster"
)

// TestPeerMemberMatches: a pinned member is matched by its key only, never by its name or
// address; a member recorded without a pin is matched by its raft address's host.
func TestPeerMemberMatches(t *testing.T) {
	dir := t.TempDir()
	ca, caKey, err := devcluster.EnsureCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	load := func(id string) *x509.Certificate {
		certPath, keyPath, err := devcluster.EnsureNodeCert(dir, id, ca, caKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := devcluster.LoadCertKey(certPath, keyPath)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	node2, impostor := load("node2"), load("node2-again") // both valid for 127.0.0.1
	pinned := peerMember{NodeID: "node2", Address: "127.0.0.1:8112", TLSPin: tlsPin(node2)}
	if !pinned.matches(node2, tlsPin(node2)) {
		t.Error("the pinned certificate does not match its member")
	}
	if pinned.matches(impostor, tlsPin(impostor)) {
		t.Error("another certificate of the same CA, valid for the same address, matches a pinned member")
	}
	legacy := peerMember{NodeID: "node2", Address: "127.0.0.1:8112"}
	if !legacy.matches(impostor, tlsPin(impostor)) {
		t.Error("a member without a pin is not matched by a certificate valid for its address")
	}
	if (peerMember{NodeID: "node2", Address: "10.0.0.9:8102"}).matches(node2, tlsPin(node2)) {
		t.Error("a member without a pin is matched by a certificate for another host")
	}
}

// TestPeerTrustPersistsNewestMemberSet: the persisted set follows the applied record forward
// only (replaying an older log does not roll it back) and survives a restart.
func TestPeerTrustPersistsNewestMemberSet(t *testing.T) {
	path := filepath.Join(t.TempDir(), peerMembersFile)
	var p peerTrust
	if err := p.load(path); err != nil {
		t.Fatal(err)
	}
	pin := bytes.Repeat([]byte{1}, 32)
	rec := func(epoch uint64, ids ...string) *ceremony.Domain {
		d := &ceremony.Domain{ID: "d1", Epoch: epoch}
		for _, id := range ids {
			d.Members = append(d.Members, ceremony.Member{NodeID: id, TLSPin: pin})
		}
		return d
	}
	logf := func(msg string, args ...any) { t.Errorf("%s %v", msg, args) }
	p.observe(rec(3, "node1", "node2", "node3"), logf)
	p.observe(rec(1, "node1"), logf) // a replay from the start of the log
	var again peerTrust
	if err := again.load(path); err != nil {
		t.Fatal(err)
	}
	if s := again.saved; s.Epoch != 3 || len(s.Members) != 3 || !bytes.Equal(s.Members[2].TLSPin, pin) {
		t.Fatalf("persisted set after restart: got %+v, want epoch 3 with 3 pinned members", s)
	}
}

// TestFollowerWithoutMemberSetRejoins: a follower that restarts knowing no member set (as after
// an upgrade from a keyhold that kept none; without a snapshot its record is applied only once
// the leader has reached it) still accepts the leader, by its raft configuration, catches up and
// persists the member set again.
func TestFollowerWithoutMemberSetRejoins(t *testing.T) {
	ac := newAttackCluster(t)
	l := ac.leader()
	var f *testNode
	for _, tn := range ac.nodes {
		if tn != l {
			f = tn
			break
		}
	}
	f.stop()
	path := filepath.Join(f.cfg.DataDir, peerMembersFile)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	ac.startMember(f)
	ac.waitServing()
	var p peerTrust
	if err := p.load(path); err != nil || len(p.saved.Members) != 3 {
		t.Fatalf("%s's persisted member set after catching up: %+v, %v", f.cfg.NodeID, p.saved, err)
	}
}
