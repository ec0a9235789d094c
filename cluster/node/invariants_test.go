package node

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	dto "github.com/prometheus/client_model/go"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/wrap"
)

// scanForSecrets fails the test if any of secrets appears, raw, hex or base64, in any file under
// dir.
func scanForSecrets(t *testing.T, dir string, secrets map[string][]byte) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for name, s := range secrets {
			for _, form := range [][]byte{s, []byte(hex.EncodeToString(s)), []byte(base64.StdEncoding.EncodeToString(s))} {
				if bytes.Contains(b, form) {
					t.Errorf("%s found in %s", name, path)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("no files under %s: the scan proves nothing", dir)
	}
}

// TestNoPlaintextKeyMaterialOnDisk is DESIGN invariant 1: after a workload, neither the data
// directory nor anything under it holds a plaintext, a data key, a backing key or a credential
// secret — in the raft log, the snapshots or anywhere else.
func TestNoPlaintextKeyMaterialOnDisk(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms
	secrets := map[string][]byte{"root secret access key": []byte(tn.secret)}
	_, userSecret := iamUserWithKey(t, tn, "scan", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`)
	secrets["IAM user secret access key"] = []byte(userSecret)
	var firstKey string
	for i := 0; i < 5; i++ {
		md := createKey(t, c, "scan")
		firstKey = aws.ToString(md.KeyId)
		if _, err := c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: md.KeyId}); err != nil {
			t.Fatal(err)
		}
		marker := "PLAINTEXT-MARKER-" + itoa(i) + "-find-all-the-doggos"
		encrypt(t, c, aws.ToString(md.KeyId), marker, map[string]string{"ctx": "v"})
		secrets["plaintext "+itoa(i)] = []byte(marker)
		dk, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: md.KeyId, KeySpec: types.DataKeySpecAes256})
		if err != nil {
			t.Fatal(err)
		}
		secrets["data key "+itoa(i)] = dk.Plaintext
		// The backing keys themselves, unwrapped here through the node's HSM.
		id, _ := wrap.ParseKeyID(aws.ToString(md.KeyId))
		var vers []domain.KeyVersion
		tn.n.state.View(func(v *domain.View) { vers = append(vers, v.Key(id).Versions...) })
		for _, ver := range vers {
			bk, err := wrap.OpenKeyToken(func(v uint32) (wrap.AEAD, error) { return tn.n.ring.DomainKey(context.Background(), v) }, wrap.KindSymmetric, wrap.KeyBinding(id, ver.Version), ver.Token)
			if err != nil {
				t.Fatal(err)
			}
			secrets["backing key "+id.String()+"/"+itoa(int(ver.Version))] = bk
		}
	}
	// Asymmetric and HMAC keys: their private material, and a data key pair's private key.
	for _, spec := range []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecHmac256} {
		usage := types.KeyUsageTypeSignVerify
		kind := wrap.KindPrivateKey
		if spec == types.KeySpecHmac256 {
			usage, kind = types.KeyUsageTypeGenerateVerifyMac, wrap.KindHMAC
		}
		out, err := c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: spec, KeyUsage: usage})
		if err != nil {
			t.Fatal(err)
		}
		id, _ := wrap.ParseKeyID(aws.ToString(out.KeyMetadata.KeyId))
		var tok []byte
		tn.n.state.View(func(v *domain.View) { tok = v.Key(id).Versions[0].Token })
		secret, err := wrap.OpenKeyToken(func(v uint32) (wrap.AEAD, error) { return tn.n.ring.DomainKey(context.Background(), v) }, kind, wrap.KeyBinding(id, 1), tok)
		if err != nil {
			t.Fatal(err)
		}
		secrets[string(spec)+" private material"] = secret
	}
	pair, err := c.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: aws.String(firstKey), KeyPairSpec: types.DataKeyPairSpecEccNistP256})
	if err != nil {
		t.Fatal(err)
	}
	secrets["data key pair private key"] = pair.PrivateKeyPlaintext
	// Force a snapshot so that the snapshot files are scanned too, then stop to flush everything.
	if err := tn.n.raft.Snapshot(); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	tn.stop()
	scanForSecrets(t, tn.cfg.DataDir, secrets)
	// The audit trail lives under the data directory, so the scan covered it too.
	if f, _ := filepath.Glob(filepath.Join(tn.cfg.auditDir(), "audit-*.jsonl")); len(f) == 0 {
		t.Fatal("no audit trail under the data directory: the scan did not cover it")
	}
}

// TestRestartKeepsState: keys, aliases, tags, rotation state and versions survive a restart
// (from the log, then from a snapshot), and old ciphertexts decrypt.
func TestRestartKeepsState(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms
	md := createKey(t, c, "durable")
	if _, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/durable"), TargetKeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx(), &kms.TagResourceInput{KeyId: md.KeyId, Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("sec")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: md.KeyId, RotationPeriodInDays: aws.Int32(100)}); err != nil {
		t.Fatal(err)
	}
	v1 := encrypt(t, c, "alias/durable", "from v1", nil)
	if _, err := c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}
	v2 := encrypt(t, c, "alias/durable", "from v2", nil)

	check := func(t *testing.T) {
		c := tn.kms
		if got := decrypt(t, c, v1, nil); got != "from v1" {
			t.Fatalf("v1: got %q", got)
		}
		if got := decrypt(t, c, v2, nil); got != "from v2" {
			t.Fatalf("v2: got %q", got)
		}
		d, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/durable")})
		if err != nil || aws.ToString(d.KeyMetadata.KeyId) != aws.ToString(md.KeyId) {
			t.Fatalf("alias lost: %v", err)
		}
		st, _ := c.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: md.KeyId})
		if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 100 {
			t.Fatalf("rotation state lost: %+v", st)
		}
		rs, _ := c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: md.KeyId})
		if len(rs.Rotations) != 1 {
			t.Fatalf("rotations: got %d, want 1", len(rs.Rotations))
		}
		tags, _ := c.ListResourceTags(ctx(), &kms.ListResourceTagsInput{KeyId: md.KeyId})
		if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].TagValue) != "sec" {
			t.Fatalf("tags lost: %+v", tags.Tags)
		}
	}
	t.Run("from the log", func(t *testing.T) {
		tn.restart(t)
		check(t)
	})
	t.Run("from a snapshot", func(t *testing.T) {
		if err := tn.n.raft.Snapshot(); err != nil {
			t.Fatal(err)
		}
		tn.restart(t)
		check(t)
	})
}

// TestDeletionWindow: a key scheduled for deletion is deleted once the window has passed, even
// across a restart, and not before.
func TestDeletionWindow(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms
	md := createKey(t, c, "short-lived")
	keep := createKey(t, c, "keeper")
	if _, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/short"), TargetKeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}
	blob := encrypt(t, c, aws.ToString(md.KeyId), "x", nil)
	if _, err := c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	tn.clock.advance(6 * 24 * time.Hour)
	tn.tick(t)
	if _, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: md.KeyId}); err != nil {
		t.Fatalf("deleted before its window ended: %v", err)
	}
	tn.restart(t)
	tn.clock.advance(2 * 24 * time.Hour)
	tn.tick(t)
	c = tn.kms
	_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: md.KeyId})
	clustertest.WantCode(t, err, "NotFoundException")
	_, err = c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/short")})
	clustertest.WantCode(t, err, "NotFoundException")
	_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})
	clustertest.WantCode(t, err, "InvalidCiphertextException")
	tn.restart(t)
	c = tn.kms
	_, err = c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: md.KeyId})
	clustertest.WantCode(t, err, "NotFoundException")
	if _, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: keep.KeyId}); err != nil {
		t.Fatalf("the other key went too: %v", err)
	}
}

// TestNoHSMCallOnHotPath: once a backing key is cached, Encrypt, Decrypt and GenerateDataKey
// make no PKCS#11 call (read from the HSM metrics).
func TestNoHSMCallOnHotPath(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms
	md := createKey(t, c, "hot")
	blob := encrypt(t, c, aws.ToString(md.KeyId), "warm", nil) // warms the cache
	before := hsmCalls(t, tn)
	for i := 0; i < 50; i++ {
		encrypt(t, c, aws.ToString(md.KeyId), "hot", nil)
		decrypt(t, c, blob, nil)
		if _, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: md.KeyId, NumberOfBytes: aws.Int32(32)}); err != nil {
			t.Fatal(err)
		}
	}
	if d := hsmCalls(t, tn).since(before).operations(); len(d) != 0 {
		t.Fatalf("HSM calls on the hot path during 150 requests, by operation: %v", d)
	}
}

// backgroundHSMOps are the HSM operations of the node's background jobs, not of requests: the
// readiness probe (hsm.AESKey.Probe) and the clean-up of retired keys and removed members' trust
// (ceremony_prune.go).
var backgroundHSMOps = map[string]bool{"probe_encrypt": true, "probe_decrypt": true, "list_trusted": true, "destroy": true}

// hsmCalls sums keyhold_hsm_operation_duration_seconds_count over the operations requests make
// (every operation but the background jobs'), by operation.
func hsmCalls(t *testing.T, tn *testNode) hsmCount {
	t.Helper()
	c := requestHSMOps(t, tn.n.metrics.Registry)
	if c.total() == 0 {
		t.Fatal("no HSM calls recorded at all: the metric is not wired")
	}
	return c
}

// hsmCount is a count of HSM operations by operation name.
type hsmCount map[string]float64

func (c hsmCount) total() (n float64) {
	for _, v := range c {
		n += v
	}
	return n
}

// since is what c counted that before had not, by operation, for failure messages.
func (c hsmCount) since(before hsmCount) hsmCount {
	out := hsmCount{}
	for op, v := range c {
		if d := v - before[op]; d != 0 {
			out[op] = d
		}
	}
	return out
}

// sessionHSMOps open a session for an operation; they are never an operation themselves.
var sessionHSMOps = map[string]bool{"open_session": true, "login": true}

// operations is c without session bookkeeping when that is all it holds. A session is opened
// only for an operation, and a request's operation would be counted under its own name; a lone
// open_session was opened for a background job (the readiness probe finding the pool's only
// session held by the retired-key clean-up, say), whose own operations are left out.
func (c hsmCount) operations() hsmCount {
	for op := range c {
		if !sessionHSMOps[op] {
			return c
		}
	}
	return hsmCount{}
}

// requestHSMOps reads keyhold_hsm_operation_duration_seconds_count by operation, leaving out
// backgroundHSMOps.
func requestHSMOps(t *testing.T, g interface {
	Gather() ([]*dto.MetricFamily, error)
}) hsmCount {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	c := hsmCount{}
	for _, mf := range mfs {
		if mf.GetName() != "keyhold_hsm_operation_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			op := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "op" || l.GetName() == "operation" {
					op = l.GetValue()
				}
			}
			if !backgroundHSMOps[op] {
				c[op] += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return c
}
