package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/cluster/devcluster"
	"github.com/keyhold/keyhold/hsm"
	"github.com/keyhold/keyhold/softhsm"
)

// TestCluster runs a real 3-process cluster (keyhold dev --nodes 3) through the AWS SDK: writes
// on any node with read-your-writes on every node, the leader SIGKILLed mid-workload, the killed
// node's catch-up, a whole-cluster restart, and a node outside the domain refused.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	all := []string{"node1", "node2", "node3"}
	var keys []string // every key whose CreateKey was acknowledged

	t.Run("ReadYourWritesAcrossNodes", func(t *testing.T) {
		pc := pc.sub(t)
		for i := range 12 {
			on, use := all[i%3], all[(i+1)%3]
			out, err := pc.KMS(on).CreateKey(ctx(), &kms.CreateKeyInput{})
			if err != nil {
				t.Fatalf("CreateKey on %s: %v", on, err)
			}
			id := aws.ToString(out.KeyMetadata.KeyId)
			keys = append(keys, id)
			// Usable on another node the moment CreateKey returned: no NotFoundException.
			if _, err := pc.KMS(use).Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")}); err != nil {
				t.Fatalf("Encrypt on %s right after CreateKey on %s: %v", use, on, err)
			}
		}
	})

	var killed string
	t.Run("LeaderKilledMidWorkload", func(t *testing.T) {
		pc := pc.sub(t)
		leader := pc.Leader(all...)
		survivors := clustertest.Without(all, leader)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var dataOps, dataFails atomic.Int64
		var failMu sync.Mutex
		var firstFail error
		for _, id := range survivors {
			c := pc.kmsRetrying(id) // the election may bring retryable 503s (freshness.go), never a failure
			for w := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						if err := dataRound(c, keys[i%len(keys)]); err != nil {
							dataFails.Add(1)
							failMu.Lock()
							if firstFail == nil {
								firstFail = fmt.Errorf("%s: %w", id, err)
							}
							failMu.Unlock()
						}
						dataOps.Add(1)
					}
				}()
			}
		}
		var ackMu sync.Mutex
		var acked []string
		var afterKill atomic.Int64
		var killedFlag atomic.Bool
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				out, err := pc.KMS(survivors[i%2]).CreateKey(ctx(), &kms.CreateKeyInput{})
				if err != nil {
					continue // a write may fail during the election; only acknowledged keys count
				}
				ackMu.Lock()
				acked = append(acked, aws.ToString(out.KeyMetadata.KeyId))
				ackMu.Unlock()
				if killedFlag.Load() {
					afterKill.Add(1)
				}
			}
		}()
		pc.Poll("the workload to run", func() bool { return dataOps.Load() >= 50 })
		pc.Kill(leader)
		killedFlag.Store(true)
		killed = leader
		newLeader := pc.Leader(survivors...)
		pc.Poll("writes to resume under leader "+newLeader, func() bool { return afterKill.Load() >= 10 })
		before := dataOps.Load()
		pc.Poll("more data-plane calls after the election", func() bool { return dataOps.Load() >= before+50 })
		close(stop)
		wg.Wait()
		if n := dataFails.Load(); n != 0 {
			t.Fatalf("data-plane failures on surviving nodes: got %d of %d, want 0 (first: %v)", n, dataOps.Load(), firstFail)
		}
		keys = append(keys, acked...)
		for _, id := range keys {
			for _, on := range survivors {
				if _, err := pc.KMS(on).DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(id)}); err != nil {
					t.Fatalf("acknowledged key %s on %s: %v", id, on, err)
				}
			}
		}
		t.Logf("%d data-plane calls, %d keys acknowledged during the run (%d after the kill)", dataOps.Load(), len(acked), afterKill.Load())
	})

	t.Run("KilledNodeRejoinsAndCatchesUp", func(t *testing.T) {
		pc := pc.sub(t)
		if killed == "" {
			t.Skip("no node was killed")
		}
		pc.Restart(killed)
		pc.CaughtUp(killed, pc.Leader(all...))
		for _, id := range keys {
			if err := dataRound(pc.KMS(killed), id); err != nil {
				t.Fatalf("key %s on restarted %s: %v", id, killed, err)
			}
		}
	})

	t.Run("WholeClusterRestart", func(t *testing.T) {
		pc := pc.sub(t)
		for _, id := range all {
			pc.Kill(id)
		}
		for _, id := range all {
			pc.Restart(id)
		}
		lead := pc.Leader(all...)
		for _, id := range all {
			pc.CaughtUp(id, lead)
		}
		for i, id := range keys {
			if err := dataRound(pc.KMS(all[i%3]), id); err != nil {
				t.Fatalf("key %s after a whole-cluster restart: %v", id, err)
			}
		}
		if _, err := pc.KMS(all[1]).CreateKey(ctx(), &kms.CreateKeyInput{}); err != nil {
			t.Fatalf("CreateKey after the restart: %v", err)
		}
	})

	t.Run("OutsiderRefused", func(t *testing.T) {
		testOutsiderRefused(t, pc)
	})
}

// dataRound runs Encrypt, Decrypt and GenerateDataKey with key id.
func dataRound(c *kms.Client, id string) error {
	enc, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("payload")})
	if err != nil {
		return fmt.Errorf("Encrypt: %w", err)
	}
	dec, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil {
		return fmt.Errorf("Decrypt: %w", err)
	}
	if !bytes.Equal(dec.Plaintext, []byte("payload")) {
		return fmt.Errorf("Decrypt: got %q, want %q", dec.Plaintext, "payload")
	}
	if _, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: "AES_256"}); err != nil {
		return fmt.Errorf("GenerateDataKey: %w", err)
	}
	return nil
}

// testOutsiderRefused starts a fourth node with a valid cluster certificate and an HSM holding a
// key under the domain key's label that is not the domain key: the leader must refuse to make it
// a voter.
func testOutsiderRefused(t *testing.T, pc *procCluster) {
	pc = pc.sub(t)
	tok := softhsm.NewToken(t)
	u, err := hsm.ParseURI(tok.URI())
	if err != nil {
		t.Fatal(err)
	}
	ht, err := hsm.Open(u, hsm.Options{Sessions: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ht.GenerateDomainKey(devDKLabel); err != nil {
		t.Fatal(err)
	}
	ht.Close()
	ca, caKey, err := devcluster.EnsureCA(filepath.Join(pc.Dir, "tls"))
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := devcluster.EnsureNodeCert(t.TempDir(), "node9", ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caPath, _ := devcluster.CAFiles(filepath.Join(pc.Dir, "tls"))
	cfg := DefaultConfig()
	cfg.NodeID, cfg.DataDir, cfg.HSM, cfg.HSMSessions = "node9", t.TempDir(), tok.URI(), 2
	cfg.APIAddr, cfg.OpsAddr, cfg.RaftAddr = clustertest.FreePort(t), clustertest.FreePort(t), clustertest.FreePort(t)
	cfg.Bootstrap, cfg.MemLock = false, false
	cfg.TLSCert, cfg.TLSKey, cfg.TLSCA = cert, key, caPath
	cfg.Join = pc.Info("node1").RaftAddr + "," + pc.Info("node2").RaftAddr
	cfg.ObjectStoreDir, cfg.ObjectStoreShared = filepath.Join(pc.Dir, "objects"), true
	b, _ := json.Marshal(cfg)
	path := filepath.Join(t.TempDir(), "node9.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pc.Bin, "serve", "-config", path)
	cmd.Env = os.Environ() // this process's SOFTHSM2_CONF, where tok lives
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	var st clusterStatus
	pc.Poll("node9's join to be refused", func() bool {
		resp, err := http.Get("http://" + cfg.OpsAddr + "/v1/cluster/status")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(&st)
		return strings.Contains(st.JoinStatus, "not a member of the domain")
	})
	if st.Ready {
		t.Errorf("node9 ready: got true, want false")
	}
	lead := pc.Leader("node1", "node2", "node3")
	ls, _ := pc.status(lead)
	for _, v := range ls.Voters {
		if v.ID == "node9" {
			t.Fatalf("voters: got %v, want node9 absent", ls.Voters)
		}
	}
}
