package node

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/cluster/devcluster"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/hsm"
	"github.com/keyhold/keyhold/softhsm"
)

// newCeremonyNode is newTestNode with the token's SO PIN available to ceremonies.
func newCeremonyNode(t *testing.T) *testNode {
	t.Helper()
	return newCeremonyNodeWith(t, func(*Config) {})
}

// newCeremonyNodeWith is newCeremonyNode with edit applied to the configuration.
func newCeremonyNodeWith(t *testing.T, edit func(*Config)) *testNode {
	t.Helper()
	tok := softhsm.NewToken(t)
	dir := t.TempDir()
	soFile := filepath.Join(dir, "so-pin")
	if err := os.WriteFile(soFile, []byte(tok.SOPIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.NodeID = "node1"
	cfg.DataDir = filepath.Join(dir, "node1")
	cfg.APIAddr, cfg.OpsAddr, cfg.RaftAddr = "127.0.0.1:0", "127.0.0.1:0", clustertest.FreePort(t)
	cfg.HSM, cfg.HSMSOPINFile, cfg.HSMSOPINKeep = tok.URI(), soFile, true
	cfg.HSMSessions, cfg.MemLock, cfg.SweepInterval = 4, false, time.Hour
	edit(&cfg)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tn := &testNode{t: t, cfg: cfg, dir: dir, clock: &fakeClock{}}
	tn.start(t)
	t.Cleanup(tn.stop)
	return tn
}

func TestDomainKeyRotationUnderLoad(t *testing.T) {
	tn := newCeremonyNode(t)
	ctx := context.Background()
	op, err := devcluster.OperatorKey(tn.dir)
	if err != nil {
		t.Fatal(err)
	}
	type blob struct{ id, ct []byte }
	var blobs []blob
	var ids []string
	for range 12 {
		k, err := tn.kms.CreateKey(ctx, &kms.CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		id := *k.KeyMetadata.KeyId
		ids = append(ids, id)
		out, err := tn.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("before rotation")})
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, blob{[]byte(id), out.CiphertextBlob})
	}
	// Load: encrypt/decrypt round trips and new keys while the rotation and re-wrap run.
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	var ops atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				id := ids[(w+i)%len(ids)]
				out, err := tn.kms.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("load")})
				if err == nil {
					_, err = tn.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
				}
				if err == nil && i%10 == 0 {
					_, err = tn.kms.CreateKey(ctx, &kms.CreateKeyInput{})
				}
				if err != nil {
					errs <- err
					return
				}
				ops.Add(1)
			}
		}()
	}
	d := tn.n.svc.Domain()
	p := ceremony.NewProposal(ceremony.KindRotateDK, d.ID, d.Epoch, time.Now(), time.Hour)
	signed, _, err := ceremony.SignNewProposal(p, op)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.n.svc.SubmitProposal(ctx, signed); err != nil {
		t.Fatal(err)
	}
	deadline := clustertest.PollDeadline(t, 60*time.Second)
	for !tn.n.svc.RewrapStatus().Finished || ops.Load() < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("re-wrap did not finish: %+v", tn.n.svc.RewrapStatus())
		}
		tn.n.ceremonyPass(ctx)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("request during rotation: %v", err)
	}
	// Writes after the last batch could have landed under v1 only before the rotation applied;
	// one more pass settles any straggler, then nothing may depend on v1.
	tn.n.ceremonyPass(ctx)
	d = tn.n.svc.Domain()
	if d.CurrentDK != 2 || d.DKVersions[0].State != ceremony.DKStateRetired {
		t.Fatalf("domain keys after re-wrap: current %d, %+v", d.CurrentDK, d.DKVersions)
	}
	if rw := tn.n.svc.RewrapStatus(); rw.Remaining != 0 {
		t.Fatalf("re-wrap remaining: got %d, want 0", rw.Remaining)
	}
	tn.n.cache.PurgeAll()
	for _, b := range blobs {
		out, err := tn.kms.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: b.ct})
		if err != nil || !bytes.Equal(out.Plaintext, []byte("before rotation")) {
			t.Fatalf("old ciphertext of %s after rotation: %v", b.id, err)
		}
	}
	resp, err := http.Get("http://" + tn.n.opsLn.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "keyhold_domain_rewrap_remaining 0") {
		t.Fatal("metrics lack keyhold_domain_rewrap_remaining 0")
	}
	// After a restart (raft replay + snapshot) the state is the same.
	tn.stop()
	tn.start(t)
	if d2 := tn.n.svc.Domain(); d2.CurrentDK != 2 || d2.Epoch != d.Epoch {
		t.Fatalf("after restart: DK %d epoch %d, want 2 and %d", d2.CurrentDK, d2.Epoch, d.Epoch)
	}
}

// admittedHSM is a second member's HSM, admitted as node2 (at an address nothing listens on) by
// the dev operator: what a joining node's HSM holds after its admit-node ceremony.
type admittedHSM struct {
	soft  softhsm.Token // the SoftHSM2 token, for raw PKCS#11 sessions
	tok   *hsm.Token
	ident []byte // its identity public key (PKIX DER)
}

// admitSecondHSM provisions a fresh SoftHSM2 token, generates its identity key and admits it
// to tn's domain as node2.
func admitSecondHSM(t *testing.T, tn *testNode) admittedHSM {
	t.Helper()
	op, err := devcluster.OperatorKey(tn.dir)
	if err != nil {
		t.Fatal(err)
	}
	st := softhsm.NewToken(t)
	u, _ := hsm.ParseURI(st.URI())
	b, err := hsm.Open(u, hsm.Options{Sessions: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	ident, err := ceremonyHSM{b}.IdentityKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := devAdmitNode(context.Background(), tn.n, op, "node2", "127.0.0.1:9", ident, nil); err != nil {
		t.Fatalf("devAdmitNode: %v", err)
	}
	return admittedHSM{soft: st, tok: b, ident: ident}
}

func TestAdmitNodeMovesDomainKeyBetweenHSMs(t *testing.T) {
	tn := newCeremonyNode(t)
	n2 := admitSecondHSM(t, tn)
	b := n2.tok
	d := tn.n.svc.Domain()
	if len(d.Members) != 2 {
		t.Fatalf("members: got %d, want 2", len(d.Members))
	}
	// node2's service over the same replicated state installs the key into its own HSM.
	svc2 := domain.NewService(tn.n.state, nil, nil, domain.Config{NodeID: "node2", HSM: ceremonyHSM{b}})
	if n, err := svc2.SyncDomainKeys(context.Background()); err != nil || n != 1 {
		t.Fatalf("SyncDomainKeys on node2: got %d, %v", n, err)
	}
	label := d.DKVersions[0].Label
	ka, err := tn.n.tok.FindAESKey(label)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := b.FindAESKey(label)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := ka.Encrypt([]byte("same key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := kb.Decrypt(ct, nil); err != nil || string(pt) != "same key" {
		t.Fatalf("node2's HSM decrypts node1's ciphertext: got %q, %v", pt, err)
	}
	// A node outside the domain gets nothing: its HSM is not trusted by node1's, so the
	// domain key cannot be wrapped to it outside a ceremony.
	outsider := softhsm.NewToken(t)
	uo, _ := hsm.ParseURI(outsider.URI())
	c, err := hsm.Open(uo, hsm.Options{Sessions: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.GenerateIdentityKey(identityLabel); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.n.tok.WrapDomainKey(label, "keyhold-member-unknown"); !errors.Is(err, hsm.ErrKeyNotFound) {
		t.Fatalf("wrap to a key the SO never trusted: got %v, want ErrKeyNotFound", err)
	}
	svc3 := domain.NewService(tn.n.state, nil, nil, domain.Config{NodeID: "node3", HSM: ceremonyHSM{c}})
	if n, err := svc3.SyncDomainKeys(context.Background()); err != nil || n != 0 {
		t.Fatalf("SyncDomainKeys on a non-member: got %d, %v; want 0", n, err)
	}
}
