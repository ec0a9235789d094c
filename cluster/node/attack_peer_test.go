package node

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/hashicorp/raft"

	"github.com/keyhold/keyhold/cluster"
	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/cluster/devcluster"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/softhsm"
)

// Attacks on the raft port: peers that hold a certificate from the cluster CA but are not
// members, members that send commands no follower forwards, and committed bytes no node can
// decode. The cluster is three real nodes in this process (real SoftHSM2 tokens, real raft over
// mutual TLS on loopback, the dev CA), formed the way `keyhold dev --nodes 3` forms it.

// attackCluster is three in-process nodes of one domain.
type attackCluster struct {
	t      *testing.T
	dir    string
	tlsDir string
	caPool *x509.CertPool
	nodes  []*testNode
}

func newAttackCluster(t *testing.T) *attackCluster {
	t.Helper()
	dir := t.TempDir()
	ac := &attackCluster{t: t, dir: dir, tlsDir: filepath.Join(dir, "tls")}
	ca, caKey, err := devcluster.EnsureCA(ac.tlsDir)
	if err != nil {
		t.Fatal(err)
	}
	ac.caPool = x509.NewCertPool()
	ac.caPool.AddCert(ca)
	caPath, _ := devcluster.CAFiles(ac.tlsDir)
	var toks []softhsm.Token
	raft1 := clustertest.FreePort(t)
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("node%d", i)
		tok := softhsm.NewToken(t)
		toks = append(toks, tok)
		soFile := filepath.Join(dir, id+".so-pin")
		if err := os.WriteFile(soFile, []byte(tok.SOPIN+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig()
		cfg.NodeID, cfg.DataDir = id, filepath.Join(dir, id)
		cfg.APIAddr, cfg.OpsAddr, cfg.RaftAddr = "127.0.0.1:0", "127.0.0.1:0", clustertest.FreePort(t)
		if i == 1 {
			cfg.RaftAddr = raft1
		} else {
			cfg.Join = raft1
		}
		cfg.Bootstrap = i == 1
		cfg.HSM, cfg.HSMSOPINFile, cfg.HSMSessions = tok.URI(), soFile, 4
		cfg.MemLock, cfg.SweepInterval = false, time.Hour
		if cfg.TLSCert, cfg.TLSKey, err = devcluster.EnsureNodeCert(ac.tlsDir, id, ca, caKey); err != nil {
			t.Fatal(err)
		}
		cfg.TLSCA = caPath
		// One object directory for the three nodes, declared shared, as dev mode has it: a
		// per-node dir store cannot serve a cluster (objstore.go).
		cfg.ObjectStoreDir, cfg.ObjectStoreShared = filepath.Join(dir, "objects"), true
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		ac.nodes = append(ac.nodes, &testNode{t: t, cfg: cfg, dir: dir, clock: &fakeClock{}})
	}
	t.Cleanup(ac.stopAll)

	// Node 1 initialises the domain; the dev operator admits nodes 2 and 3 as dev mode does.
	n1 := ac.nodes[0]
	n1.start(t)
	op, err := devcluster.OperatorKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, tn := range ac.nodes[1:] {
		identity, err := devIdentity(toks[i+1])
		if err != nil {
			t.Fatal(err)
		}
		pin, err := certPinFile(tn.cfg.TLSCert)
		if err != nil {
			t.Fatal(err)
		}
		actx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = devAdmitNode(actx, n1.n, op, tn.cfg.NodeID, memberAddr(tn.cfg), identity, pin)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, tn := range ac.nodes[1:] {
		ac.startMember(tn)
	}
	clustertest.Eventually(t, 60*time.Second, "three voters", func() bool {
		return len(n1.n.raft.Status().Voters) == 3
	})
	ac.waitServing()
	return ac
}

// startMember starts a node of the existing domain: it reads the credentials node 1 wrote
// instead of initialising anything, and does not wait for a leader.
func (ac *attackCluster) startMember(tn *testNode) {
	ac.t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("node", tn.cfg.NodeID)
	}
	n, err := Start(tn.cfg, log, tn.clock.now)
	if err != nil {
		ac.t.Fatalf("Start(%s): %v", tn.cfg.NodeID, err)
	}
	tn.n = n
	tn.akid, tn.secret = clustertest.ReadCredentials(ac.t, filepath.Join(ac.dir, "credentials"))
	tn.url = n.APIURL()
	tn.kms = tn.client(tn.akid, tn.secret)
}

func (ac *attackCluster) stopAll() {
	for _, tn := range ac.nodes {
		tn.stop()
	}
}

// restartAll stops every node, then starts them again on the same data and tokens.
func (ac *attackCluster) restartAll() {
	ac.stopAll()
	for _, tn := range ac.nodes {
		ac.startMember(tn)
	}
	ac.waitServing()
}

// waitServing waits until every node is ready, then checks that a key created through one node
// encrypts and decrypts through every node.
func (ac *attackCluster) waitServing() {
	t := ac.t
	t.Helper()
	for _, tn := range ac.nodes {
		clustertest.Eventually(t, 60*time.Second, tn.cfg.NodeID+" ready", func() bool {
			resp, err := http.Get("http://" + tn.n.opsLn.Addr().String() + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	k, err := ac.nodes[1].kms.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatalf("CreateKey through node2: %v", err)
	}
	for _, tn := range ac.nodes {
		enc, err := tn.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyMetadata.KeyId, Plaintext: []byte("still serving")})
		if err != nil {
			t.Fatalf("Encrypt through %s: %v", tn.cfg.NodeID, err)
		}
		dec, err := ac.nodes[0].kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
		if err != nil || string(dec.Plaintext) != "still serving" {
			t.Fatalf("Decrypt of %s's ciphertext through node1: %v", tn.cfg.NodeID, err)
		}
	}
}

// leader returns the node that leads now.
func (ac *attackCluster) leader() *testNode {
	ac.t.Helper()
	var l *testNode
	clustertest.Eventually(ac.t, 30*time.Second, "a leader", func() bool {
		for _, tn := range ac.nodes {
			if tn.n != nil && tn.n.raft.IsLeader() {
				l = tn
				return true
			}
		}
		return false
	})
	return l
}

// mintCert issues a certificate from the cluster's CA for CN cn (valid for 127.0.0.1, server
// and client use, exactly like a member's) and returns the TLS config an attacker dials with.
func (ac *attackCluster) mintCert(cn string) *tls.Config {
	ac.t.Helper()
	ca, caKey, err := devcluster.EnsureCA(ac.tlsDir)
	if err != nil {
		ac.t.Fatal(err)
	}
	certPath, keyPath, err := devcluster.EnsureNodeCert(ac.t.TempDir(), cn, ca, caKey)
	if err != nil {
		ac.t.Fatal(err)
	}
	return ac.tlsConfig(certPath, keyPath)
}

func (ac *attackCluster) tlsConfig(certPath, keyPath string) *tls.Config {
	ac.t.Helper()
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		ac.t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: ac.caPool, MinVersion: tls.VersionTLS13}
}

// peerPost sends one peer-API request to the raft address addr the way nodes do (TLS, then the
// peer marker byte, then HTTP/1.1), with the certificate in conf. It returns the status and body,
// or the transport error.
func peerPost(conf *tls.Config, addr, path string, body []byte) (int, []byte, error) {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, a string) (net.Conn, error) {
		d := &tls.Dialer{Config: conf}
		c, err := d.DialContext(ctx, "tcp", a)
		if err != nil {
			return nil, err
		}
		if _, err := c.Write([]byte{0xE7}); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cluster.PeerScheme+"://"+addr+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, nil
}

// tlsStream is a raft.StreamLayer that dials with the attacker's certificate; it never accepts.
type tlsStream struct {
	conf *tls.Config
	net.Listener
}

func (s tlsStream) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return tls.DialWithDialer(&net.Dialer{Timeout: timeout}, "tcp", string(addr), s.conf)
}

// raftClient is hashicorp/raft's own transport, speaking raft's wire protocol with conf's
// certificate: what a non-member would use to talk to members as if it were one.
func raftClient(t *testing.T, conf *tls.Config) *raft.NetworkTransport {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := raft.NewNetworkTransport(tlsStream{conf: conf, Listener: ln}, 1, 5*time.Second, io.Discard)
	t.Cleanup(func() { tr.Close() })
	return tr
}

// evilBucketCommand is a well-formed create-bucket command, as a leader would propose it.
func evilBucketCommand(name string) []byte {
	body := fmt.Sprintf(`{"Bucket":{"Name":%q,"CreatedAt":%q,"Owner":"mallory"}}`, name, time.Now().UTC().Format(time.RFC3339Nano))
	return append([]byte{16}, body...) // 16: create-bucket
}

// hasBucket reports whether tn's replica holds the bucket.
func hasBucket(tn *testNode, name string) bool {
	for _, b := range tn.n.svc.ListBuckets(domain.AsSystem(ctx())) {
		if b.Name == name {
			return true
		}
	}
	return false
}

// TestAttackPeerAPIWithNonMemberCertificate: Mallory holds a certificate from the cluster CA
// (CN=not-a-member) but is no member of the domain. She asks the leader's peer API to propose a
// command and opens a raft connection to it. Both must be refused: the command never reaches
// the log, and the raft connection is closed before raft reads it.
func TestAttackPeerAPIWithNonMemberCertificate(t *testing.T) {
	ac := newAttackCluster(t)
	mallory := ac.mintCert("not-a-member")
	l := ac.leader()

	status, body, err := peerPost(mallory, l.cfg.RaftAddr, peerPathPropose, evilBucketCommand("mallory-was-here"))
	if err == nil && status/100 == 2 {
		t.Errorf("propose with a non-member certificate: got %d %s, want a refusal", status, body)
	}
	var pe peerError
	if err == nil && (status != http.StatusForbidden || json.Unmarshal(body, &pe) != nil || pe.Code != peerCodeRefused) {
		t.Errorf("propose with a non-member certificate: got %d %s, want 403 refused", status, body)
	}
	time.Sleep(500 * time.Millisecond) // anything committed would have been applied by now
	for _, tn := range ac.nodes {
		if hasBucket(tn, "mallory-was-here") {
			t.Errorf("%s: the non-member's command was applied", tn.cfg.NodeID)
		}
	}

	// A raft connection: raft's own RPC asking the leader for a vote in a far later term.
	st := l.n.raft.Status()
	var vr raft.RequestVoteResponse
	err = raftClient(t, mallory).RequestVote(raft.ServerID(l.cfg.NodeID), raft.ServerAddress(l.cfg.RaftAddr), &raft.RequestVoteRequest{
		RPCHeader: raft.RPCHeader{ProtocolVersion: raft.ProtocolVersionMax, ID: []byte("not-a-member"), Addr: []byte("127.0.0.1:1")},
		Term:      st.Term + 100, LastLogIndex: st.LastLogIndex + 100, LastLogTerm: st.Term + 100,
	}, &vr)
	if err == nil {
		t.Errorf("raft RequestVote with a non-member certificate: got an answer (term %d), want the connection refused", vr.Term)
	}
	if got := l.n.raft.Status().Term; got != st.Term {
		t.Errorf("leader term: got %d after the attack, want %d", got, st.Term)
	}
	ac.waitServing()
}

// TestAttackRaftTransportFromNonMember: Mallory, with a CA-issued certificate but no
// membership, speaks raft's own protocol to a follower: an AppendEntries in a later term that
// carries a command and commits it. Raft itself does not check that a sender is in its
// configuration, so keyhold must refuse the connection: the follower's log, state and term stay
// untouched.
func TestAttackRaftTransportFromNonMember(t *testing.T) {
	ac := newAttackCluster(t)
	mallory := ac.mintCert("not-a-member")
	l := ac.leader()
	var f *testNode
	for _, tn := range ac.nodes {
		if tn != l {
			f = tn
			break
		}
	}
	// The follower must have applied everything so its log ends in the leader's term.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.n.raft.WaitForApplied(ctx, l.n.raft.Status().CommitIndex); err != nil {
		t.Fatal(err)
	}
	st := f.n.raft.Status()
	var resp raft.AppendEntriesResponse
	err := raftClient(t, mallory).AppendEntries(raft.ServerID(f.cfg.NodeID), raft.ServerAddress(f.cfg.RaftAddr), &raft.AppendEntriesRequest{
		RPCHeader:         raft.RPCHeader{ProtocolVersion: raft.ProtocolVersionMax, ID: []byte("not-a-member"), Addr: []byte("127.0.0.1:1")},
		Term:              st.Term + 1,
		PrevLogEntry:      st.LastLogIndex,
		PrevLogTerm:       st.Term,
		Entries:           []*raft.Log{{Index: st.LastLogIndex + 1, Term: st.Term + 1, Type: raft.LogCommand, Data: evilBucketCommand("injected-by-mallory")}},
		LeaderCommitIndex: st.LastLogIndex + 1,
	}, &resp)
	if err == nil {
		t.Errorf("AppendEntries with a non-member certificate: got an answer (success %v, term %d), want the connection refused", resp.Success, resp.Term)
	}
	time.Sleep(500 * time.Millisecond)
	if hasBucket(f, "injected-by-mallory") {
		t.Errorf("%s applied an entry a non-member sent over raft", f.cfg.NodeID)
	}
	if got := f.n.raft.Status().Term; got != st.Term {
		t.Errorf("follower term: got %d after the attack, want %d", got, st.Term)
	}
	ac.waitServing()
	for _, tn := range ac.nodes {
		if hasBucket(tn, "injected-by-mallory") {
			t.Errorf("%s: the injected entry survived", tn.cfg.NodeID)
		}
	}
}

// TestAttackForwardUnknownCommandType: a member's certificate (node2's, stolen or a bug in a
// member) asks the leader's peer API to propose commands no follower ever forwards: an
// import-domain command that would replace the operator set, an init-domain, and a one-byte
// 0xFF. Each must be refused before raft, and the leader must keep running.
func TestAttackForwardUnknownCommandType(t *testing.T) {
	ac := newAttackCluster(t)
	l := ac.leader()
	var member *testNode
	for _, tn := range ac.nodes {
		if tn != l {
			member = tn
			break
		}
	}
	conf := ac.tlsConfig(member.cfg.TLSCert, member.cfg.TLSKey)
	// The leader appends its own barrier entries (read index rounds), so the log index is no
	// measure; what must not move is the state and the count of commands Apply rejected.
	rejectedBefore := metricValue(t, l, "keyhold_raft_rejected_commands_total")
	domainBefore := l.n.svc.Domain()
	keysBefore := countKeys(t, l)
	for _, tc := range []struct {
		name string
		cmd  []byte
	}{
		{"import-domain without signatures", append([]byte{24}, `{"Record":"oA==","At":"2026-01-01T00:00:00Z"}`...)},
		{"init-domain over the existing domain", append([]byte{1}, `{"ID":"evil","Operators":[{"Name":"mallory","PublicKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}],"Quorum":1}`...)},
		{"create-key with an unknown field", append([]byte{2}, `{"Key":{},"Evil":true}`...)},
		{"unknown type 0x7f", []byte{0x7f, '{', '}'}},
		{"one byte 0xFF", []byte{0xFF}},
	} {
		status, body, err := peerPost(conf, l.cfg.RaftAddr, peerPathPropose, tc.cmd)
		if err != nil {
			t.Fatalf("%s: the leader did not answer: %v", tc.name, err)
		}
		var pe peerError
		if status != http.StatusBadRequest || json.Unmarshal(body, &pe) != nil || pe.Code != peerCodeBad {
			t.Errorf("%s: got %d %s, want 400 bad_request", tc.name, status, body)
		}
	}
	// The follower's own forwarding path gets the leader's refusal at once, not a retry loop
	// until its deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := (forwardingProposer{member.n}).Propose(ctx, []byte{0xFF}); !errors.Is(err, domain.ErrValidation) || time.Since(start) > 5*time.Second {
		t.Errorf("forwarding 0xFF from %s: got %v after %v, want ErrValidation at once", member.cfg.NodeID, err, time.Since(start))
	}
	if after := metricValue(t, l, "keyhold_raft_rejected_commands_total"); after != rejectedBefore {
		t.Errorf("the leader's Apply rejected %v commands during the attack: refused commands reached the log", after-rejectedBefore)
	}
	if d := l.n.svc.Domain(); d == nil || d.ID != domainBefore.ID || d.Epoch != domainBefore.Epoch {
		t.Errorf("domain after the attack: got %+v, want id %s at epoch %d", d, domainBefore.ID, domainBefore.Epoch)
	}
	if n := countKeys(t, l); n != keysBefore {
		t.Errorf("keys after the attack: %d, before %d: a refused create-key reached the log", n, keysBefore)
	}
	if d := l.n.svc.Domain(); d == nil || d.Operators[0].Name != "dev-operator" {
		t.Errorf("operators after the attack: got %+v, want the dev operator", d)
	}
	ac.waitServing()
}

// TestAttackPoisonLogEntry: bytes no node can decode are committed to the log anyway (here by
// proposing them on the leader in process, standing in for a bug or a compromised leader): a
// one-byte 0xFF, a create-key whose body is null, an unassigned type. Every node must reject
// each entry the same way (an error result, no state change, the rejection counted in
// keyhold_raft_rejected_commands_total), keep serving, and survive a restart that replays them.
func TestAttackPoisonLogEntry(t *testing.T) {
	ac := newAttackCluster(t)
	l := ac.leader()
	poison := [][]byte{{0xFF}, append([]byte{2}, "null"...), {0x00}, {0x99, '{', '}'}}
	for _, cmd := range poison {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := l.n.raft.Apply(ctx, cmd)
		cancel()
		if err != nil {
			t.Fatalf("committing %x: %v", cmd, err)
		}
		if _, ok := res.(error); !ok {
			t.Errorf("applying %x: got result %v, want an error", cmd, res)
		}
	}
	commit := l.n.raft.Status().CommitIndex
	for _, tn := range ac.nodes {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := tn.n.raft.WaitForApplied(ctx, commit)
		cancel()
		if err != nil {
			t.Fatalf("%s did not apply the poison entries: %v", tn.cfg.NodeID, err)
		}
		if got := metricValue(t, tn, "keyhold_raft_rejected_commands_total"); got != float64(len(poison)) {
			t.Errorf("%s: keyhold_raft_rejected_commands_total = %v, want %d", tn.cfg.NodeID, got, len(poison))
		}
	}
	ac.waitServing()
	// Every node restarts and replays the poison entries from its log.
	ac.restartAll()
	ac.waitServing()
}

// metricValue reads one unlabelled sample from tn's /metrics.
func metricValue(t *testing.T, tn *testNode, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + tn.n.opsLn.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("%s: no metric %s", tn.cfg.NodeID, name)
	return 0
}

// TestAttackRemovedMemberKeepsRaftConnection: node3's key is compromised. Before the operators
// remove node3 from the domain, the attacker opens a raft connection to the leader with node3's
// certificate and leaves it open, to speak raft later as a member. Once the remove-node ceremony
// commits, the leader must close that connection and refuse new ones.
func TestAttackRemovedMemberKeepsRaftConnection(t *testing.T) {
	ac := newAttackCluster(t)
	l := ac.leader()
	var victim *testNode
	for _, tn := range ac.nodes {
		if tn != l {
			victim = tn
		}
	}
	stolen := ac.tlsConfig(victim.cfg.TLSCert, victim.cfg.TLSKey)
	conn, err := tls.Dial("tcp", l.cfg.RaftAddr, stolen)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte{0}); err != nil { // raft's AppendEntries type; the rest later
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("before the removal: got %v, want the connection open (a member's)", err)
	}

	// The operators remove node3 (the dev operator alone is the quorum here).
	victim.stop()
	op, err := devcluster.OperatorKey(ac.dir)
	if err != nil {
		t.Fatal(err)
	}
	d := l.n.svc.Domain()
	p := ceremony.NewProposal(ceremony.KindRemoveNode, d.ID, d.Epoch, time.Now(), time.Hour)
	p.NodeID = victim.cfg.NodeID
	signed, _, err := ceremony.SignNewProposal(p, op)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := l.n.svc.SubmitProposal(ctx, signed); err != nil {
		t.Fatalf("remove-node: %v", err)
	}
	if d := l.n.svc.Domain(); len(d.Members) != 2 {
		t.Fatalf("members after remove-node: got %d, want 2", len(d.Members))
	}

	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the removed member's open raft connection: got %v, want it closed by the leader", err)
	}
	if status, body, err := peerPost(stolen, l.cfg.RaftAddr, peerPathReadIndex, nil); err == nil && status != http.StatusForbidden {
		t.Errorf("a new connection with the removed member's certificate: got %d %s, want 403", status, body)
	}
}

// countKeys counts the keys tn's API lists.
func countKeys(t *testing.T, tn *testNode) int {
	t.Helper()
	n := 0
	p := kms.NewListKeysPaginator(tn.kms, &kms.ListKeysInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx())
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Keys)
	}
	return n
}
