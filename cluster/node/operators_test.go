package node

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestOperatorCeremonies walks docs/ceremonies.md on a 3-process cluster with the real
// keyholdctl: three operators make encrypted keys, node 1 starts and is initialised with a
// 2-of-3 quorum, nodes 2 and 3 start with join config and are admitted (one approval is not
// enough), KMS works through every node; then a domain key rotation under load on all three
// nodes, and a remove-node ceremony that takes the node out of raft.
func TestOperatorCeremonies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	oc := newOpCluster(t, 3)
	all := []string{"node1", "node2", "node3"}

	t.Run("InitAdmitAndServe", func(t *testing.T) {
		oc := oc.sub(t)
		for _, name := range []string{"alice", "bob", "carol"} {
			out := oc.run(t, "node1", "keygen", "--out", name+".key")
			if !strings.Contains(out, "operator key written to "+name+".key") {
				t.Fatalf("keygen %s: got %q", name, out)
			}
		}
		oc.Restart("node1")
		oc.Leader("node1")

		// 1. Domain init: alice proposes, bob's approval makes the quorum of 2.
		p := oc.propose(t, "node1", "init", "--key", "alice.key", "--operator", "alice=alice.key.pub",
			"--operator", "bob=bob.key.pub", "--operator", "carol=carol.key.pub", "--quorum", "2")
		if p.Status != "pending" || p.Approvals != 1 {
			t.Fatalf("init after alice: got %s with %d approvals, want pending with 1", p.Status, p.Approvals)
		}
		oc.run(t, "node1", "approve", "--key", "bob.key", p.ID)
		oc.Poll("the domain to be initialised", func() bool {
			st, ok := oc.domainStatus("node1")
			return ok && st.Initialised && st.CurrentDK == 1
		})
		creds := filepath.Join(oc.Dir, "root.credentials")
		oc.Poll("root_credentials_file", func() bool {
			b, err := os.ReadFile(creds)
			return err == nil && bytes.Contains(b, []byte("aws_secret_access_key"))
		})
		oc.AKID, oc.Secret = clustertest.ReadCredentials(t, creds)
		if out := oc.run(t, "node1", "status"); !strings.Contains(out, "quorum: default 2") {
			t.Fatalf("keyholdctl status after init: %q", out)
		}

		// 2. Nodes 2 and 3 start with join config; raft refuses them until they are members.
		for _, id := range all[1:] {
			oc.Restart(id)
			oc.Poll(id+" to be refused as a non-member", func() bool {
				st, ok := oc.status(id)
				return ok && strings.Contains(st.JoinStatus, "not a member of the domain")
			})
		}
		for i, id := range all[1:] {
			second := []string{"bob.key", "carol.key"}[i]
			in := oc.Info(id)
			p := oc.propose(t, "node1", "admit", "--key", "alice.key", "--node-url", in.OpsURL, "--address", in.RaftAddr)
			if p.Kind != "admit-node" || p.Status != "pending" || p.Approvals != 1 {
				t.Fatalf("admit %s after alice: got %+v, want a pending admit-node with 1 approval", id, p)
			}
			// One approval of two: nothing happens. The proposal waits, the domain and raft are
			// unchanged, the node is still refused.
			st, _ := oc.domainStatus("node1")
			if slices.Contains(memberIDs(st), id) || slices.Contains(oc.voters("node1"), id) {
				t.Fatalf("%s with one approval: members %v, voters %v; want it in neither", id, memberIDs(st), oc.voters("node1"))
			}
			if js, _ := oc.status(id); !strings.Contains(js.JoinStatus, "not a member of the domain") {
				t.Fatalf("%s join status with one approval: %q", id, js.JoinStatus)
			}
			if out := oc.run(t, "node1", "show", p.ID); !strings.Contains(out, id) {
				t.Fatalf("keyholdctl show %s: %q lacks %s", p.ID, out, id)
			}
			out := oc.run(t, "node1", "approve", "--key", second, p.ID)
			if !strings.Contains(out, "2 approval(s)") {
				t.Fatalf("approve by %s: %q", second, out)
			}
			oc.Poll(id+" to become a raft voter", func() bool { return slices.Contains(oc.voters("node1"), id) })
		}
		lead := oc.Leader(all...)
		for _, id := range all {
			oc.CaughtUp(id, lead)
			st, _ := oc.status(id)
			if !slices.Equal(st.Members, all) || len(st.Voters) != 3 {
				t.Fatalf("%s cluster status: members %v, voters %v; want all three in both", id, st.Members, st.Voters)
			}
		}
		ds, _ := oc.domainStatus("node2")
		for _, m := range ds.Members {
			if len(m.IdentityKey) == 0 || (m.NodeID != "node1" && !slices.Equal(m.WrappedDKs, []uint32{1})) {
				t.Fatalf("member %s: identity %d bytes, wrapped DKs %v; want an identity and DK v1 wrapped", m.NodeID, len(m.IdentityKey), m.WrappedDKs)
			}
		}

		// 3. KMS through every node: a key made on one is usable on the others at once.
		for i, on := range all {
			out, err := oc.KMS(on).CreateKey(ctx(), &kms.CreateKeyInput{})
			if err != nil {
				t.Fatalf("CreateKey on %s: %v", on, err)
			}
			id := aws.ToString(out.KeyMetadata.KeyId)
			for _, use := range []string{all[(i+1)%3], all[(i+2)%3]} {
				if err := dataRound(oc.KMS(use), id); err != nil {
					t.Fatalf("key made on %s, used on %s: %v", on, use, err)
				}
			}
		}
	})
	if t.Failed() {
		return
	}
	t.Run("RotateUnderLoad", func(t *testing.T) { testRotateUnderLoad(t, oc, all) })
	if t.Failed() {
		return
	}
	t.Run("RemoveNode", func(t *testing.T) { testRemoveNode(t, oc, all) })
}

// testRotateUnderLoad rotates the domain key with keyholdctl while Encrypt, Decrypt and CreateKey
// run through all three nodes: no call may fail, every key token ends up under the new version,
// and ciphertexts made before decrypt on every node.
func testRotateUnderLoad(t *testing.T, oc *opCluster, all []string) {
	oc = oc.sub(t)
	type blob struct {
		key string
		ct  []byte
	}
	var blobs []blob
	var keys []string
	for i := range 9 {
		out, err := oc.KMS(all[i%3]).CreateKey(ctx(), &kms.CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		id := aws.ToString(out.KeyMetadata.KeyId)
		enc, err := oc.KMS(all[(i+1)%3]).Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("before rotation")})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, id)
		blobs = append(blobs, blob{id, enc.CiphertextBlob})
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var ops, fails atomic.Int64
	var failMu sync.Mutex
	var firstFail error
	for w, on := range append(all, all...) {
		c := oc.KMS(on)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				id := keys[(w+i)%len(keys)]
				err := dataRound(c, id)
				if err == nil && i%8 == 0 {
					_, err = c.CreateKey(ctx(), &kms.CreateKeyInput{})
				}
				if err != nil {
					fails.Add(1)
					failMu.Lock()
					if firstFail == nil {
						firstFail = fmt.Errorf("%s: %w", on, err)
					}
					failMu.Unlock()
				}
				ops.Add(1)
			}
		}()
	}
	oc.Poll("the load to run", func() bool { return ops.Load() >= 30 })
	p := oc.propose(t, "node2", "rotate", "--key", "alice.key")
	if p.Status != "pending" {
		t.Fatalf("rotate after one approval: got %s, want pending", p.Status)
	}
	oc.run(t, "node3", "approve", "--key", "carol.key", p.ID)
	oc.Poll("domain key version 2 to be active", func() bool {
		st, ok := oc.domainStatus("node1")
		return ok && st.CurrentDK == 2
	})
	before := ops.Load()
	oc.Poll("more load after the rotation", func() bool { return ops.Load() >= before+30 })
	stop.Store(true)
	wg.Wait()
	if n := fails.Load(); n != 0 {
		t.Fatalf("data-plane failures during the rotation: got %d of %d, want 0 (first: %v)", n, ops.Load(), firstFail)
	}
	// With the load stopped, the leader's re-wrap settles every key token made under v1.
	for _, id := range all {
		oc.Poll(id+" to see the re-wrap finished", func() bool {
			st, ok := oc.domainStatus(id)
			return ok && st.Rewrap.Finished && st.Rewrap.Remaining == 0 && st.Rewrap.Target == 2 &&
				st.DKVersions[0].State == ceremony.DKStateRetired
		})
		if st, _ := oc.status(id); !st.Ready || st.DomainKeyVersion != 2 {
			t.Fatalf("%s after rotation: ready %v (%s), domain key v%d", id, st.Ready, st.NotReadyReason, st.DomainKeyVersion)
		}
		resp, err := http.Get(oc.Info(id).OpsURL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "keyhold_domain_rewrap_remaining 0") {
			t.Fatalf("%s metrics lack keyhold_domain_rewrap_remaining 0", id)
		}
	}
	if out := oc.run(t, "node3", "status"); !strings.Contains(out, "re-wrap to v2:") || !strings.Contains(out, " 0 remaining, finished=true") {
		t.Fatalf("keyholdctl status after the re-wrap: %q", out)
	}
	for _, b := range blobs {
		for _, on := range all {
			out, err := oc.KMS(on).Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: b.ct})
			if err != nil || !bytes.Equal(out.Plaintext, []byte("before rotation")) {
				t.Fatalf("ciphertext of %s made before the rotation, decrypted on %s: %v", b.key, on, err)
			}
		}
	}
	t.Logf("%d data-plane rounds during the rotation", ops.Load())
}

// testRemoveNode removes a follower with the remove-node ceremony: it leaves the domain record
// (with its wrapped domain keys) and the leader takes it out of raft.
func testRemoveNode(t *testing.T, oc *opCluster, all []string) {
	oc = oc.sub(t)
	lead := oc.Leader(all...)
	gone := "node3"
	if lead == gone {
		gone = "node2"
	}
	rest := clustertest.Without(all, gone)
	p := oc.propose(t, lead, "remove-node", "--key", "bob.key", "--node-id", gone)
	if p.Status != "pending" {
		t.Fatalf("remove-node after one approval: got %s, want pending", p.Status)
	}
	oc.run(t, lead, "approve", "--key", "carol.key", p.ID)
	for _, id := range rest {
		oc.Poll(gone+" out of the domain and raft on "+id, func() bool {
			st, ok := oc.status(id)
			return ok && !slices.Contains(st.Members, gone) && !slices.ContainsFunc(st.Voters, func(s statusServer) bool { return s.ID == gone })
		})
	}
	ds, _ := oc.domainStatus(lead)
	if got := memberIDs(ds); !slices.Equal(got, rest) {
		t.Fatalf("members after removing %s: got %v, want %v", gone, got, rest)
	}
	oc.Kill(gone)
	out, err := oc.KMS(rest[0]).CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatalf("CreateKey with %s removed: %v", gone, err)
	}
	for _, id := range rest {
		if err := dataRound(oc.KMS(id), aws.ToString(out.KeyMetadata.KeyId)); err != nil {
			t.Fatalf("%s with %s removed: %v", id, gone, err)
		}
	}
}
