package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/cluster/devcluster"
	"github.com/keyhold/keyhold/softhsm"
)

// s3 returns an S3 client for node id, path-style, with the SDK's default checksum settings.
func (pc *procCluster) s3(id string) *s3.Client {
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(pc.AKID, pc.Secret, ""),
		BaseEndpoint:               aws.String(pc.Info(id).APIURL),
		UsePathStyle:               true,
		Retryer:                    clustertest.ClientRaceRetryer(),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}

// TestSharedStoreAcrossNodes: in a 3-process cluster (keyhold dev --nodes 3, whose nodes share
// one object directory) an object PUT through node 2 reads byte-identical through nodes 1 and
// 3; DeleteBucket through node 1 sees it and answers BucketNotEmpty; once the object is gone
// DeleteBucket through node 1 also ends an upload in progress started through node 2, and a
// bucket recreated under the same name holds neither.
func TestSharedStoreAcrossNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	const bucket = "shared"
	body := payload(300<<10, "shared-store ")
	if _, err := pc.s3("node1").CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket through node1: %v", err)
	}
	// The bucket record reaches node2 through raft; until reads wait for the leader's commit
	// index (another change), a follower may answer NoSuchBucket for a moment.
	pc.bucketVisible(bucket, "node2", "node3")
	if _, err := pc.s3("node2").PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k/1"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject through node2: %v", err)
	}
	for _, id := range []string{"node1", "node3"} {
		got, _, err := getBytes(pc.s3(id), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k/1")})
		if err != nil {
			t.Fatalf("GetObject through %s of an object PUT through node2: %v", id, err)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("GetObject through %s: got %d bytes, want the %d PUT through node2", id, len(got), len(body))
		}
		l, err := pc.s3(id).ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		if err != nil || len(l.Contents) != 1 || aws.ToString(l.Contents[0].Key) != "k/1" {
			t.Fatalf("ListObjectsV2 through %s: got %v, %v, want [k/1]", id, l, err)
		}
	}
	_, err := pc.s3("node1").DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	clustertest.WantCode(t, err, "BucketNotEmpty")

	up, err := pc.s3("node2").CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("big")})
	if err != nil {
		t.Fatalf("CreateMultipartUpload through node2: %v", err)
	}
	if _, err := pc.s3("node2").UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("big"),
		UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("UploadPart through node2: %v", err)
	}
	lu, err := pc.s3("node3").ListMultipartUploads(ctx(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil || len(lu.Uploads) != 1 {
		t.Fatalf("ListMultipartUploads through node3: got %v, %v, want the upload started through node2", lu, err)
	}
	if _, err := pc.s3("node3").DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("k/1")}); err != nil {
		t.Fatalf("DeleteObject through node3: %v", err)
	}
	if _, err := pc.s3("node1").DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("DeleteBucket through node1 of an emptied bucket: %v", err)
	}
	// Nothing of the old bucket comes back with a new bucket of the same name. (CreateBucket
	// checks the local replica before proposing, so node3 must have applied the deletion.)
	pc.Poll("the deletion to reach node3", func() bool {
		_, err := pc.s3("node3").HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String(bucket)})
		return err != nil && strings.Contains(err.Error(), "404")
	})
	if _, err := pc.s3("node3").CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket again through node3: %v", err)
	}
	pc.bucketVisible(bucket, "node1", "node2")
	for _, id := range []string{"node1", "node2", "node3"} {
		l, err := pc.s3(id).ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		if err != nil || len(l.Contents) != 0 {
			t.Fatalf("ListObjectsV2 of the recreated bucket through %s: got %v, %v, want empty", id, l, err)
		}
		lu, err := pc.s3(id).ListMultipartUploads(ctx(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
		if err != nil || len(lu.Uploads) != 0 {
			t.Fatalf("ListMultipartUploads of the recreated bucket through %s: got %v, %v, want none", id, lu.Uploads, err)
		}
	}
	_, err = pc.s3("node1").ListParts(ctx(), &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String("big"), UploadId: up.UploadId})
	clustertest.WantCode(t, err, "NoSuchUpload")
	// The nodes' own data directories hold no objects: everything went to the shared directory.
	for _, id := range []string{"node1", "node2", "node3"} {
		if _, err := os.Stat(filepath.Join(pc.Dir, id, "objects", bucket)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s has a per-node object directory for %s: %v", id, bucket, err)
		}
	}
}

// bucketVisible polls until HeadBucket of bucket succeeds through every node in ids.
func (pc *procCluster) bucketVisible(bucket string, ids ...string) {
	pc.T.Helper()
	for _, id := range ids {
		pc.Poll("bucket "+bucket+" on "+id, func() bool {
			_, err := pc.s3(id).HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String(bucket)})
			return err == nil
		})
	}
}

// TestClusterRefusesPerNodeDirStore: a directory of a node's own cannot serve a cluster. A node
// configured to join one refuses to start; a single node whose domain gains a second member
// refuses every S3 request with a retryable 503 that names the fix; restarted from a snapshot
// naming two members, it refuses to start.
func TestClusterRefusesPerNodeDirStore(t *testing.T) {
	t.Run("JoinConfigured", func(t *testing.T) {
		dir := t.TempDir()
		cfg := DefaultConfig()
		cfg.NodeID, cfg.DataDir = "node2", filepath.Join(dir, "node2")
		cfg.HSM = "pkcs11:token=keyhold-node2?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234"
		cfg.Bootstrap, cfg.MemLock = false, false
		cfg.Join = "127.0.0.1:8102"
		b, _ := json.Marshal(cfg)
		path := filepath.Join(dir, "node2.json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(clustertest.KeyholdBinary(t), "serve", "-config", path).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("keyhold serve with join and a per-node object directory: got %v, want a non-zero exit\n%s", err, out)
		}
		for _, want := range []string{"config: object_store:", "object_store s3", "object_store_shared"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("refusal: got %q, want it to mention %q", out, want)
			}
		}
		// Declared shared storage (and a directory named for it) passes.
		cfg.ObjectStoreDir, cfg.ObjectStoreShared = filepath.Join(dir, "objects"), true
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Validate with object_store_shared: %v", err)
		}
		cfg.ObjectStoreDir = ""
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "object_store_dir") {
			t.Fatalf("Validate with object_store_shared and no object_store_dir: got %v, want an object_store_dir error", err)
		}
	})

	t.Run("MemberAdmittedLater", func(t *testing.T) {
		tn := newCeremonyNode(t)
		c := tn.s3Client(true)
		mustCreateBucket(t, c, "solo")
		mustPut(t, c, "solo", "before", []byte("one member"), nil)

		op, err := devcluster.OperatorKey(tn.dir)
		if err != nil {
			t.Fatal(err)
		}
		identity, err := devIdentity(softhsm.NewToken(t))
		if err != nil {
			t.Fatal(err)
		}
		actx, cancel := context.WithTimeout(ctx(), 30*time.Second)
		defer cancel()
		if err := devAdmitNode(actx, tn.n, op, "node2", clustertest.FreePort(t), identity, nil); err != nil {
			t.Fatal(err)
		}
		_, _, err = getBytes(c, &s3.GetObjectInput{Bucket: aws.String("solo"), Key: aws.String("before")})
		clustertest.WantCode(t, err, "ServiceUnavailable")
		if !strings.Contains(err.Error(), "not shared") {
			t.Errorf("GetObject refusal: got %v, want it to say the store is not shared", err)
		}
		_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("solo"), Key: aws.String("after"), Body: bytes.NewReader([]byte("x"))})
		clustertest.WantCode(t, err, "ServiceUnavailable")
		_, err = c.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("solo")})
		clustertest.WantCode(t, err, "ServiceUnavailable")
		_, err = c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("solo"), Key: aws.String("before")})
		clustertest.WantCode(t, err, "ServiceUnavailable")
		if _, err := os.Stat(filepath.Join(tn.cfg.DataDir, "objects", "solo", hexKey("after"))); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("the refused PUT reached the store: %v", err)
		}

		// Restarted from a snapshot that names both members, it refuses to start.
		if err := tn.n.raft.Snapshot(); err != nil {
			t.Fatal(err)
		}
		tn.stop()
		n, err := Start(tn.cfg, slog.New(slog.DiscardHandler), nil)
		if err == nil {
			n.Close()
			t.Fatal("startNode on a per-node store with 2 members in the domain: got nil, want a refusal")
		}
		for _, want := range []string{"2 members", "object_store s3", "object_store_shared"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("refusal: got %q, want it to mention %q", err, want)
			}
		}
		// Declaring the directory shared (an operator who moved it to shared storage) starts it.
		tn.cfg.ObjectStoreDir, tn.cfg.ObjectStoreShared = filepath.Join(tn.cfg.DataDir, "objects"), true
		tn.start(t)
		got, _ := mustGet(t, tn.s3Client(true), "solo", "before", nil)
		if string(got) != "one member" {
			t.Fatalf("GetObject on the shared store: got %q, want %q", got, "one member")
		}
	})
}

// hexKey is the dir store's file name for a short key.
func hexKey(key string) string { return hex.EncodeToString([]byte(key)) + ".o" }

// TestTmpFilesCleanedAtStart: the temporary files of interrupted writes are removed when a node
// starts. On a store of the node's own every one of them is an orphan; on shared storage only
// those idle for an hour are, since another node may be writing the others right now. Objects
// are never touched.
func TestTmpFilesCleanedAtStart(t *testing.T) {
	plant := func(t *testing.T, dir string, age time.Duration) string {
		t.Helper()
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, ".put-interrupted")
		if err := os.WriteFile(path, []byte("half a sealed object"), 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
		return path
	}
	gone := func(path string) bool {
		_, err := os.Stat(path)
		return errors.Is(err, fs.ErrNotExist)
	}

	t.Run("PerNodeStore", func(t *testing.T) {
		tn := newTestNode(t)
		mustCreateBucket(t, tn.s3Client(true), "bkt")
		mustPut(t, tn.s3Client(true), "bkt", "kept", []byte("object"), nil)
		tn.stop()
		objects := filepath.Join(tn.cfg.DataDir, "objects")
		orphans := []string{
			plant(t, filepath.Join(objects, "bkt"), time.Second), // a write killed just before the restart
			plant(t, filepath.Join(objects, "bkt", strings.Repeat("6b", 120)+".d"), 2*time.Hour),
			plant(t, filepath.Join(objects, "_keyhold-mpu"), time.Minute),
		}
		tn.start(t)
		clustertest.Eventually(t, 30*time.Second, "the orphaned temporary files are removed", func() bool {
			for _, p := range orphans {
				if !gone(p) {
					return false
				}
			}
			return true
		})
		got, _ := mustGet(t, tn.s3Client(true), "bkt", "kept", nil)
		if string(got) != "object" {
			t.Fatalf("object after the sweep: got %q, want %q", got, "object")
		}
	})

	t.Run("SharedStore", func(t *testing.T) {
		tn := newTestNode(t)
		tn.stop()
		shared := filepath.Join(tn.dir, "shared-objects")
		tn.cfg.ObjectStoreDir, tn.cfg.ObjectStoreShared = shared, true
		// The sweep walks in lexical order: once the stale file in "z" is gone, the walk has
		// passed the fresh one in "a" and left it.
		fresh := plant(t, filepath.Join(shared, "a-bucket"), time.Minute)
		stale := plant(t, filepath.Join(shared, "z-bucket"), 2*time.Hour)
		tn.start(t)
		clustertest.Eventually(t, 30*time.Second, "the stale temporary file is removed", func() bool { return gone(stale) })
		if gone(fresh) {
			t.Fatal("a temporary file idle for a minute on shared storage was removed: another node may be writing it")
		}
	})
}
