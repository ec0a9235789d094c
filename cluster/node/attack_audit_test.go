package node

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/cluster/clustertest"
)

// The attacks on the audit trail and on the listeners' connections.

// fullTrailNode starts a test node whose audit trail lives on a 512 KiB tmpfs, in the given
// audit mode. It needs root (to mount); the test is skipped without it.
func fullTrailNode(t *testing.T, mode string) (*testNode, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "trail")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs for a fillable audit trail (needs root): %v %s", err, out)
	}
	tn := newTestNode(t)
	t.Cleanup(func() {
		tn.stop()
		_ = exec.Command("umount", dir).Run()
	})
	tn.cfg.AuditDir = dir
	tn.cfg.AuditMode = mode
	tn.restart(t)
	return tn, dir
}

// fillDisk writes a file in dir until the file system is full, and returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !strings.Contains(err.Error(), "no space left") {
				t.Fatalf("filling the trail's file system: %v", err)
			}
			return path
		}
	}
}

// readyz returns /readyz's status and reason.
func readyz(t *testing.T, tn *testNode) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + tn.n.opsLn.Addr().String() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Reason string }
	_ = json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v.Reason
}

// trailRecords verifies the trail in dir and returns how many records it holds.
func trailRecords(t *testing.T, dir string) uint64 {
	t.Helper()
	sum, err := audit.Verify(dir, audit.VerifyOptions{})
	if err != nil {
		t.Fatalf("audit trail does not verify: %v", err)
	}
	return sum.Records
}

// encryptAll sends n Encrypt calls, 8 at a time, and returns their errors.
func encryptAll(tn *testNode, keyID string, n int) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, errs[i] = tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("secret " + itoa(i)),
				EncryptionContext: map[string]string{"call": itoa(i)}})
		}()
	}
	wg.Wait()
	return errs
}

// TestAttackAuditTrailFull: the attacker (or an accident) fills the file system the audit trail
// lives on, then uses keys, hoping the calls go unrecorded. keyhold must refuse every call
// with an error the SDKs retry, take itself out of rotation (/readyz 503, saying why), leave
// the trail intact, and serve again by itself once the trail is writable; in the end the trail
// holds exactly one record per answered call.
func TestAttackAuditTrailFull(t *testing.T) {
	tn, dir := fullTrailNode(t, "durable")
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyID := *ck.KeyMetadata.KeyId
	filler := fillDisk(t, dir)
	// The trail file's last page may still hold a few records: calls go on succeeding, each
	// recorded, until the first one whose record does not fit.
	for i := 0; ; i++ {
		if i == 100 {
			t.Fatal("100 calls succeeded with the file system full")
		}
		if _, err := tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x")}); err != nil {
			clustertest.WantCode(t, err, "DependencyTimeoutException")
			break
		}
	}
	before := trailRecords(t, dir)

	const calls = 40
	for i, err := range encryptAll(tn, keyID, calls) {
		if err == nil {
			t.Fatalf("Encrypt %d succeeded with the audit trail's disk full", i)
		}
		clustertest.WantCode(t, err, "DependencyTimeoutException")
		if !retry.NewStandard().IsErrorRetryable(err) {
			t.Fatalf("Encrypt %d: the SDK would not retry %v", i, err)
		}
	}
	_, err = tn.s3Client(true).ListBuckets(ctx(), nil)
	clustertest.WantCode(t, err, "ServiceUnavailable")
	resp, err := http.Get("http://" + tn.n.opsLn.Addr().String() + "/v1/domain/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("admin call with the trail full: status %d, want 503", resp.StatusCode)
	}
	var reason string
	clustertest.Eventually(t, 10*time.Second, "/readyz is 503 naming the audit trail and the full disk", func() bool {
		var code int
		code, reason = readyz(t, tn)
		return code == http.StatusServiceUnavailable && strings.Contains(reason, "the trail cannot be written") && strings.Contains(reason, "no space left")
	})
	t.Logf("/readyz: %s", reason)
	if got := trailRecords(t, dir); got != before {
		t.Fatalf("trail holds %d records after the refused calls, want %d: refused calls must leave none", got, before)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	clustertest.Eventually(t, 10*time.Second, "/readyz is 200 once the trail is writable", func() bool {
		code, _ := readyz(t, tn)
		return code == http.StatusOK
	})
	for i, err := range encryptAll(tn, keyID, calls) {
		if err != nil {
			t.Fatalf("Encrypt %d after the disk was freed: %v", i, err)
		}
	}
	if got := trailRecords(t, dir); got != before+calls {
		t.Fatalf("trail holds %d records, want %d: one per answered call", got, before+calls)
	}
}

// TestAuditBestEffortServesThroughFullTrail: audit_mode best_effort is the operator's choice to
// keep serving when the trail fails; calls succeed and the node stays ready.
func TestAuditBestEffortServesThroughFullTrail(t *testing.T) {
	tn, dir := fullTrailNode(t, "best_effort")
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	fillDisk(t, dir)
	for i, err := range encryptAll(tn, *ck.KeyMetadata.KeyId, 10) {
		if err != nil {
			t.Fatalf("Encrypt %d in best_effort mode: %v", i, err)
		}
	}
	clustertest.Eventually(t, 10*time.Second, "/readyz is 200 in best_effort mode", func() bool {
		code, _ := readyz(t, tn)
		return code == http.StatusOK
	})
}

// TestAttackUnrecordedPprof: someone who reaches the ops listener of a node with pprof: true
// takes heap profiles, hoping to leave no trace. An unsigned request is refused and recorded; an
// operator's is served and recorded under the operator's key.
func TestAttackUnrecordedPprof(t *testing.T) {
	tn := newTestNode(t)
	tn.cfg.Pprof = true
	tn.restart(t)
	base := opsBase(tn)
	if code, body := adminCall(t, base, "GET", "/debug/pprof/heap?debug=1", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("unsigned pprof: %d %s, want 401", code, body)
	}
	if code, body := adminCall(t, base, "GET", "/debug/pprof/heap?debug=1", nil, signedBy(t, devOperator(t, tn.dir))); code != http.StatusOK {
		t.Fatalf("operator's pprof: %d %.200s, want 200", code, body)
	}
	var refused, served bool
	for _, l := range readAudit(t, tn.n.cfg.auditDir()) {
		if l.API != "admin" || l.Op != "Pprof" || l.SourceIP != "127.0.0.1" {
			continue
		}
		refused = refused || (l.Outcome == "Unauthenticated" && l.Principal == "")
		served = served || (l.Outcome == "OK" && strings.HasPrefix(l.Principal, "ed25519:"))
	}
	if !refused || !served {
		t.Fatalf("pprof records: refused %v, served %v; want both", refused, served)
	}
}

// TestAttackSlowlorisBody: the attacker sends a KMS request's headers, then its body one byte at
// a time, hoping to hold the connection (and a goroutine) for as long as it likes. The body
// must arrive at min_transfer_rate after read_timeout's grace, or the connection is closed.
func TestAttackSlowlorisBody(t *testing.T) {
	tn := newTestNode(t)
	tn.cfg.ReadTimeout = time.Second
	tn.cfg.MinTransferRate = 1024
	tn.restart(t)
	conn, err := net.Dial("tcp", tn.n.apiLn.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_, err = io.WriteString(conn, "POST / HTTP/1.1\r\nHost: kms\r\nX-Amz-Target: TrentService.Encrypt\r\n"+
		"Content-Type: application/x-amz-json-1.1\r\nContent-Length: 1000\r\n\r\n{")
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, conn) // returns when the server closes the connection
		close(closed)
	}()
	// The bound: 1s grace plus 1000 bytes at 1024 B/s, plus scheduling slack.
	limit := time.After(5 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-closed:
			t.Logf("connection closed after %v", time.Since(start).Round(time.Millisecond))
			return
		case <-limit:
			t.Fatalf("the server still holds a connection trickling one byte every 200ms after %v", time.Since(start).Round(time.Millisecond))
		case <-tick.C:
			_, _ = conn.Write([]byte(" "))
		}
	}
}

// TestAttackConnectionFlood: the attacker opens more connections than the API listener allows
// and keeps them idle. The excess waits (the node does not take on unbounded connections), the
// ops listener still answers /healthz, and once the flood goes the API serves again.
func TestAttackConnectionFlood(t *testing.T) {
	tn := newTestNode(t)
	tn.cfg.MaxConns = 4
	tn.restart(t)
	var flood []net.Conn
	for i := 0; i < 4; i++ {
		c, err := net.Dial("tcp", tn.n.apiLn.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(c, "GET / HTTP/1.1\r\n") // a request that never finishes its headers
		flood = append(flood, c)
	}
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	cctx, cancel := context.WithTimeout(context.Background(), time.Second)
	_, err := tn.kms.ListKeys(cctx, &kms.ListKeysInput{})
	cancel()
	if err == nil {
		t.Fatal("a 5th connection was served while 4 (max_conns) were held open")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the 5th connection: got %v, want it to wait (deadline exceeded)", err)
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	resp, err := hc.Get("http://" + tn.n.opsLn.Addr().String() + "/healthz")
	if err != nil {
		t.Fatalf("ops /healthz while the API listener is full: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ops /healthz while the API listener is full: %d", resp.StatusCode)
	}
	for _, c := range flood {
		c.Close()
	}
	flood = nil
	if _, err := tn.kms.ListKeys(ctx(), &kms.ListKeysInput{}); err != nil {
		t.Fatalf("after the flood: %v", err)
	}
}

// TestAttackUnrecordedPeerCall: a node (or whoever holds a node's certificate) drives the
// leader through the node-to-node API, hoping that only the client-facing APIs are audited. A
// CreateKey on a follower is forwarded to the leader as a peer proposal; the leader's trail
// records that peer call, and the follower's records the KMS call.
func TestAttackUnrecordedPeerCall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	all := []string{"node1", "node2", "node3"}
	leader := pc.Leader(all...)
	follower := clustertest.Without(all, leader)[0]
	if _, err := pc.KMS(follower).CreateKey(ctx(), &kms.CreateKeyInput{}); err != nil {
		t.Fatalf("CreateKey on %s: %v", follower, err)
	}
	trail := func(id string) []auditLine {
		b, err := os.ReadFile(pc.Info(id).Config)
		if err != nil {
			t.Fatal(err)
		}
		var cfg Config
		if err := json.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
		return readAudit(t, cfg.auditDir())
	}
	has := func(lines []auditLine, api, op string) bool {
		for _, l := range lines {
			if l.API == api && l.Op == op && l.Outcome == "OK" {
				return true
			}
		}
		return false
	}
	if !has(trail(leader), "peer", "propose") {
		t.Fatalf("the leader %s has no audit record of the forwarded proposal", leader)
	}
	if !has(trail(follower), "kms", "CreateKey") {
		t.Fatalf("the follower %s has no audit record of CreateKey", follower)
	}
}
