package node

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// Attacks on the object store: whoever can write the directory (or the upstream bucket)
// keyhold keeps objects in moves stored objects around. keyhold must never answer a GET with
// another object's plaintext: a stored object is bound to the bucket, key and upload it was
// written for, and anything else is an integrity failure (InternalError, a log line, and
// keyhold_s3_integrity_failures_total).

const (
	secretMarker = "MARKER-fin-transfer-secret "
	publicMarker = "MARKER-pub-readme "
)

// syncBuffer collects a node's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// restartLogging restarts the node with its log going to the returned buffer.
func (tn *testNode) restartLogging() *syncBuffer {
	t := tn.t
	t.Helper()
	tn.stop()
	buf := &syncBuffer{}
	n, err := Start(tn.cfg, slog.New(slog.NewTextHandler(buf, nil)), tn.clock.now)
	if err != nil {
		t.Fatalf("startNode: %v", err)
	}
	tn.n = n
	if err := DevInit(ctx(), n, tn.dir); err != nil {
		t.Fatalf("devInit: %v", err)
	}
	tn.akid, tn.secret = clustertest.ReadCredentials(t, filepath.Join(tn.dir, "credentials"))
	tn.url = n.APIURL()
	tn.kms = tn.client(tn.akid, tn.secret)
	return buf
}

// storedFile is the file the dir store keeps bucket/key in (keys short enough for one level).
func storedFile(t *testing.T, tn *testNode, bucket, key string) string {
	t.Helper()
	root := tn.cfg.ObjectStoreDir
	if root == "" {
		root = filepath.Join(tn.cfg.DataDir, "objects")
	}
	h := hex.EncodeToString([]byte(key))
	if len(h) > 240 {
		t.Fatalf("key %q too long for storedFile", key)
	}
	return filepath.Join(root, bucket, h+".o")
}

func readStored(t *testing.T, tn *testNode, bucket, key string) []byte {
	t.Helper()
	b, err := os.ReadFile(storedFile(t, tn, bucket, key))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeStored(t *testing.T, tn *testNode, bucket, key string, b []byte) {
	t.Helper()
	if err := os.WriteFile(storedFile(t, tn, bucket, key), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// sseMode is one way to encrypt an object, as request options.
type sseMode struct {
	name string
	put  func(*s3.PutObjectInput)
	mpu  func(*s3.CreateMultipartUploadInput)
	get  func(*s3.GetObjectInput)
	head func(*s3.HeadObjectInput)
	src  func(*s3.CopyObjectInput) // the copy-source SSE-C headers
}

// sseModes returns every SSE mode; SSE-C uses one customer key for every object, as a client
// with one key does, so that nothing but the binding tells two objects apart.
func sseModes(t *testing.T, tn *testNode) []sseMode {
	key, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	cmk := key.KeyMetadata.Arn
	ck := newCustomerKey(0x5c)
	alg, k, md5 := aws.String("AES256"), aws.String(ck.b64), aws.String(ck.md5)
	kmsMode := func(name string, sse types.ServerSideEncryption, bucketKey bool) sseMode {
		return sseMode{name: name,
			put: func(in *s3.PutObjectInput) {
				in.ServerSideEncryption, in.SSEKMSKeyId = sse, cmk
				if bucketKey {
					in.BucketKeyEnabled = aws.Bool(true)
				}
			},
			mpu: func(in *s3.CreateMultipartUploadInput) {
				in.ServerSideEncryption, in.SSEKMSKeyId = sse, cmk
				if bucketKey {
					in.BucketKeyEnabled = aws.Bool(true)
				}
			},
		}
	}
	return []sseMode{
		{name: "SSE-S3",
			put: func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAes256 },
			mpu: func(in *s3.CreateMultipartUploadInput) { in.ServerSideEncryption = types.ServerSideEncryptionAes256 }},
		kmsMode("SSE-KMS", types.ServerSideEncryptionAwsKms, false),
		kmsMode("SSE-KMS with a Bucket Key", types.ServerSideEncryptionAwsKms, true),
		kmsMode("DSSE-KMS", types.ServerSideEncryptionAwsKmsDsse, false),
		{name: "SSE-C",
			put: func(in *s3.PutObjectInput) {
				in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = alg, k, md5
			},
			mpu: func(in *s3.CreateMultipartUploadInput) {
				in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = alg, k, md5
			},
			get: func(in *s3.GetObjectInput) {
				in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = alg, k, md5
			},
			head: func(in *s3.HeadObjectInput) {
				in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = alg, k, md5
			},
			src: func(in *s3.CopyObjectInput) {
				in.CopySourceSSECustomerAlgorithm, in.CopySourceSSECustomerKey, in.CopySourceSSECustomerKeyMD5 = alg, k, md5
			}},
	}
}

// s3NodeForAttacks is a node that takes SSE-C over plain HTTP (the attacks are on the store,
// not the wire), with its log captured.
func s3NodeForAttacks(t *testing.T) (*testNode, *s3.Client, *syncBuffer) {
	tn := newTestNode(t)
	tn.cfg.AllowSSECOverHTTP = true
	logs := tn.restartLogging()
	return tn, tn.s3Client(true), logs
}

func getObject(c *s3.Client, m sseMode, bucket, key string) ([]byte, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if m.get != nil {
		m.get(in)
	}
	b, _, err := getBytes(c, in)
	return b, err
}

// wantRefused checks that a read of a tampered object failed as an integrity failure (S3's
// InternalError, 500) and returned none of the other object's plaintext.
func wantRefused(t *testing.T, what string, got []byte, err error) {
	t.Helper()
	if bytes.Contains(got, []byte(secretMarker)) {
		t.Fatalf("%s: got the secret object's plaintext", what)
	}
	if len(got) > 0 {
		t.Fatalf("%s: got %d bytes of a tampered object", what, len(got))
	}
	var re *awshttp.ResponseError
	if err == nil || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusInternalServerError {
		t.Fatalf("%s: got %d bytes, err %v; want a 500 InternalError", what, len(got), err)
	}
	if code := clustertest.ErrCode(err); code != "InternalError" && code != "InternalServerError" {
		t.Fatalf("%s: got code %q, want InternalError", what, code)
	}
}

// integrityFailures reads keyhold_s3_integrity_failures_total from the ops listener, by reason,
// and checks that no label carries a bucket or key name.
func integrityFailures(t *testing.T, tn *testNode, names ...string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + tn.n.opsLn.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	re := regexp.MustCompile(`(?m)^keyhold_s3_integrity_failures_total\{reason="([a-z_]+)"\} (\S+)$`)
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		out[m[1]] = v
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "keyhold_s3_integrity_failures_total") {
			for _, n := range names {
				if strings.Contains(line, n) {
					t.Fatalf("metric line %q names %q", line, n)
				}
			}
		}
	}
	return out
}

func total(m map[string]float64) float64 {
	var s float64
	for _, v := range m {
		s += v
	}
	return s
}

// wantLogged checks that the node logged the integrity failure of bucket/key.
func wantLogged(t *testing.T, logs *syncBuffer, bucket, key string) {
	t.Helper()
	// slog's text handler quotes a value with spaces.
	value := func(v string) string {
		return "(" + regexp.QuoteMeta(v) + "|" + regexp.QuoteMeta(strconv.Quote(v)) + ")"
	}
	want := regexp.MustCompile(`msg="s3 stored object failed integrity check[^"]*" reason=[a-z_]+ bucket=` + value(bucket) + ` key=` + value(key) + ` `)
	if !want.MatchString(logs.String()) {
		t.Fatalf("no integrity log line for %s/%s in:\n%s", bucket, key, logs.String())
	}
}

// TestAttackSwapStoredObjectsInBucket: the attacker copies the stored file of fin/transfer.txt
// over pub/readme.txt in the same bucket, for every SSE mode, then reads pub/readme.txt (GET,
// HEAD, CopyObject from it, UploadPartCopy from it). keyhold must refuse every read with an
// integrity failure and keep serving fin/transfer.txt.
func TestAttackSwapStoredObjectsInBucket(t *testing.T) {
	tn, c, logs := s3NodeForAttacks(t)
	mustCreateBucket(t, c, "bank")
	secret, public := payload(100<<10+7, secretMarker), payload(100<<10+7, publicMarker)
	before := total(integrityFailures(t, tn))
	for _, m := range sseModes(t, tn) {
		t.Run(m.name, func(t *testing.T) {
			fin, pub := "fin/transfer.txt "+m.name, "pub/readme.txt "+m.name
			mustPut(t, c, "bank", fin, secret, m.put)
			mustPut(t, c, "bank", pub, public, m.put)

			writeStored(t, tn, "bank", pub, readStored(t, tn, "bank", fin))

			got, err := getObject(c, m, "bank", pub)
			wantRefused(t, "GET", got, err)
			hin := &s3.HeadObjectInput{Bucket: aws.String("bank"), Key: aws.String(pub)}
			if m.head != nil {
				m.head(hin)
			}
			_, err = c.HeadObject(ctx(), hin)
			wantRefused(t, "HEAD", nil, err)
			cin := &s3.CopyObjectInput{Bucket: aws.String("bank"), Key: aws.String("copy " + m.name), CopySource: aws.String("bank/" + pub)}
			if m.src != nil {
				m.src(cin)
			}
			_, err = c.CopyObject(ctx(), cin)
			wantRefused(t, "CopyObject", nil, err)
			if _, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("bank"), Key: aws.String("copy " + m.name)}); clustertest.ErrCode(err) != "NotFound" {
				t.Fatalf("the refused copy exists: %v", err)
			}
			up, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("bank"), Key: aws.String("upc " + m.name)})
			if err != nil {
				t.Fatal(err)
			}
			pin := &s3.UploadPartCopyInput{Bucket: aws.String("bank"), Key: aws.String("upc " + m.name), UploadId: up.UploadId,
				PartNumber: aws.Int32(1), CopySource: aws.String("bank/" + pub)}
			if m.src != nil {
				in := &s3.CopyObjectInput{}
				m.src(in)
				pin.CopySourceSSECustomerAlgorithm, pin.CopySourceSSECustomerKey, pin.CopySourceSSECustomerKeyMD5 = in.CopySourceSSECustomerAlgorithm, in.CopySourceSSECustomerKey, in.CopySourceSSECustomerKeyMD5
			}
			_, err = c.UploadPartCopy(ctx(), pin)
			wantRefused(t, "UploadPartCopy", nil, err)

			// The genuine object is untouched.
			if got, err := getObject(c, m, "bank", fin); err != nil || !bytes.Equal(got, secret) {
				t.Fatalf("GET %s after the attack: %d bytes, %v", fin, len(got), err)
			}
			wantLogged(t, logs, "bank", pub)
		})
	}
	after := integrityFailures(t, tn, "bank", "fin", "pub", "transfer", "readme")
	// GET, HEAD, CopyObject and UploadPartCopy, for each of the five modes.
	if got := total(after) - before; got != 20 {
		t.Fatalf("keyhold_s3_integrity_failures_total grew by %v, want 20 (%v)", got, after)
	}
}

// TestAttackCopyStoredObjectAcrossBuckets: the attacker copies the stored file of
// fin/q3/transfer.txt over pub/q3/transfer.txt: the same key in another bucket. keyhold must
// refuse to serve it from pub.
func TestAttackCopyStoredObjectAcrossBuckets(t *testing.T) {
	tn, c, logs := s3NodeForAttacks(t)
	mustCreateBucket(t, c, "fin")
	mustCreateBucket(t, c, "pub")
	secret, public := payload(70<<10, secretMarker), payload(70<<10, publicMarker)
	for _, m := range sseModes(t, tn) {
		t.Run(m.name, func(t *testing.T) {
			key := "q3/transfer.txt " + m.name
			mustPut(t, c, "fin", key, secret, m.put)
			mustPut(t, c, "pub", key, public, m.put)
			writeStored(t, tn, "pub", key, readStored(t, tn, "fin", key))
			got, err := getObject(c, m, "pub", key)
			wantRefused(t, "GET", got, err)
			// Into a key that never existed in pub, too.
			if err := os.WriteFile(storedFile(t, tn, "pub", "new "+m.name), readStored(t, tn, "fin", key), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err = getObject(c, m, "pub", "new "+m.name)
			wantRefused(t, "GET of a planted key", got, err)
			wantLogged(t, logs, "pub", key)
		})
	}
}

// TestAttackReplayOlderVersionOfSameKey: the attacker keeps the stored file of an object,
// waits for the object to be overwritten, and puts the old file back, whole or spliced with
// the new one. A splice is refused. The whole old file is a genuine object of that very name
// and keyhold serves it: detecting a rollback needs a record of each object's current version
// outside the store (replicated, written on every PUT), which keyhold does not keep. This test
// pins that limit: what comes back is exactly the old version with its own ETag, never a
// mixture and never another object's bytes.
func TestAttackReplayOlderVersionOfSameKey(t *testing.T) {
	tn, c, _ := s3NodeForAttacks(t)
	mustCreateBucket(t, c, "ledger")
	for _, m := range sseModes(t, tn) {
		t.Run(m.name, func(t *testing.T) {
			key := "balance " + m.name
			v1, v2 := payload(90<<10, "MARKER-v1 "), payload(90<<10, "MARKER-v2 ")
			out1 := mustPut(t, c, "ledger", key, v1, m.put)
			old := readStored(t, tn, "ledger", key)
			mustPut(t, c, "ledger", key, v2, m.put)
			cur := readStored(t, tn, "ledger", key)
			if len(cur) != len(old) {
				t.Fatalf("stored sizes differ: %d, %d", len(cur), len(old))
			}
			body := len(cur) - len(storedTrailer(t, cur))

			// The old body under the new metadata, and the new body under the old metadata.
			writeStored(t, tn, "ledger", key, append(bytes.Clone(old[:body]), cur[body:]...))
			got, err := getObject(c, m, "ledger", key)
			wantRefused(t, "old body, new metadata", got, err)
			writeStored(t, tn, "ledger", key, append(bytes.Clone(cur[:body]), old[body:]...))
			got, err = getObject(c, m, "ledger", key)
			wantRefused(t, "new body, old metadata", got, err)

			// The whole old file: served as the old version (the documented limit).
			writeStored(t, tn, "ledger", key, old)
			in := &s3.GetObjectInput{Bucket: aws.String("ledger"), Key: aws.String(key)}
			if m.get != nil {
				m.get(in)
			}
			got, out, err := getBytes(c, in)
			if err != nil || !bytes.Equal(got, v1) || *out.ETag != *out1.ETag {
				t.Fatalf("replayed old version: got %d bytes, ETag %v, %v; want v1 exactly with ETag %s", len(got), out.ETag, err, *out1.ETag)
			}
		})
	}
}

// storedTrailer returns the metadata JSON, length and magic at the end of a stored object.
func storedTrailer(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 8 {
		t.Fatal("stored object too short")
	}
	n := int(binary.BigEndian.Uint32(b[len(b)-8:]))
	return b[len(b)-8-n:]
}

// rewriteMeta lets edit change a stored object's metadata and its body, as an attacker with the
// store can, keeping the trailer's format.
func rewriteMeta(t *testing.T, stored []byte, edit func(meta map[string]any, body []byte) []byte) []byte {
	t.Helper()
	tr := storedTrailer(t, stored)
	body := stored[:len(stored)-len(tr)]
	var meta map[string]any
	if err := json.Unmarshal(tr[:len(tr)-8], &meta); err != nil {
		t.Fatal(err)
	}
	body = edit(meta, bytes.Clone(body))
	raw, err := json.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	out := append(body, raw...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(raw)))
	return append(out, tr[len(tr)-4:]...)
}

// uploadTwoParts starts a multipart upload of bucket/key in mode m with two parts (5 MiB and
// a short last one) and returns its id and the completed-part list, uncompleted.
func uploadTwoParts(t *testing.T, c *s3.Client, m sseMode, bucket, key, marker string) (*string, []types.CompletedPart, []byte) {
	t.Helper()
	in := &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	m.mpu(in)
	up, err := c.CreateMultipartUpload(ctx(), in)
	if err != nil {
		t.Fatal(err)
	}
	whole := payload(5<<20+4321, marker)
	var parts []types.CompletedPart
	for i, p := range [][]byte{whole[:5<<20], whole[5<<20:]} {
		pin := &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)}
		if m.get != nil {
			g := &s3.GetObjectInput{}
			m.get(g)
			pin.SSECustomerAlgorithm, pin.SSECustomerKey, pin.SSECustomerKeyMD5 = g.SSECustomerAlgorithm, g.SSECustomerKey, g.SSECustomerKeyMD5
		}
		out, err := c.UploadPart(ctx(), pin)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	return up.UploadId, parts, whole
}

// complete completes an upload without the SSE-C key, as S3 allows and most clients do.
func complete(c *s3.Client, bucket, key string, id *string, parts []types.CompletedPart) error {
	_, err := c.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	return err
}

// partFile is the stored file of part n of an upload.
func partFile(t *testing.T, tn *testNode, bucket string, id *string, n int) string {
	return storedFile(t, tn, "_keyhold-mpu", bucket+"/"+*id+"/"+strings.Repeat("0", 5-len(itoa(n)))+itoa(n))
}

// TestAttackSwapSSECMultipartObjects: SSE-C multipart objects, all under one customer key, with
// a Complete that (as S3 allows) carries no key. The attacker swaps completed objects, plants
// one upload's part in another upload, and rewrites a completed object's metadata: drops its
// last part (truncating it) or changes its attributes. keyhold must refuse each.
func TestAttackSwapSSECMultipartObjects(t *testing.T) {
	tn, c, logs := s3NodeForAttacks(t)
	mustCreateBucket(t, c, "mpu-attack")
	var ssec sseMode
	for _, m := range sseModes(t, tn) {
		if m.name == "SSE-C" {
			ssec = m
		}
	}
	idA, partsA, secret := uploadTwoParts(t, c, ssec, "mpu-attack", "fin/a", secretMarker)
	if err := complete(c, "mpu-attack", "fin/a", idA, partsA); err != nil {
		t.Fatal(err)
	}
	idB, partsB, _ := uploadTwoParts(t, c, ssec, "mpu-attack", "pub/b", publicMarker)
	if err := complete(c, "mpu-attack", "pub/b", idB, partsB); err != nil {
		t.Fatal(err)
	}
	if got, err := getObject(c, ssec, "mpu-attack", "fin/a"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("GET fin/a: %d bytes, %v", len(got), err)
	}

	t.Run("swap completed objects", func(t *testing.T) {
		saved := readStored(t, tn, "mpu-attack", "pub/b")
		defer writeStored(t, tn, "mpu-attack", "pub/b", saved)
		writeStored(t, tn, "mpu-attack", "pub/b", readStored(t, tn, "mpu-attack", "fin/a"))
		got, err := getObject(c, ssec, "mpu-attack", "pub/b")
		wantRefused(t, "GET", got, err)
		wantLogged(t, logs, "mpu-attack", "pub/b")
	})
	t.Run("part from another upload of the same key", func(t *testing.T) {
		idC, _, _ := uploadTwoParts(t, c, ssec, "mpu-attack", "pub/c", secretMarker)
		idD, partsD, _ := uploadTwoParts(t, c, ssec, "mpu-attack", "pub/c", publicMarker)
		b, err := os.ReadFile(partFile(t, tn, "mpu-attack", idC, 1))
		if err != nil {
			t.Fatal(err)
		}
		// The planted part claims the ETag of the part it replaces, so that Complete's ETag
		// check passes.
		b = rewriteMeta(t, b, func(meta map[string]any, body []byte) []byte {
			meta["etag"] = *partsD[0].ETag
			meta["parts"].([]any)[0].(map[string]any)["etag"] = *partsD[0].ETag
			return body
		})
		if err := os.WriteFile(partFile(t, tn, "mpu-attack", idD, 1), b, 0o600); err != nil {
			t.Fatal(err)
		}
		err = complete(c, "mpu-attack", "pub/c", idD, partsD)
		got, gerr := getObject(c, ssec, "mpu-attack", "pub/c")
		if err == nil {
			// Completed anyway: then the object must not read.
			wantRefused(t, "GET after Complete", got, gerr)
			return
		}
		wantRefused(t, "Complete", nil, err)
		wantLogged(t, logs, "mpu-attack", "pub/c")
	})
	t.Run("rewrite the upload record before Complete", func(t *testing.T) {
		id, parts, _ := uploadTwoParts(t, c, ssec, "mpu-attack", "pub/d", publicMarker)
		path := storedFile(t, tn, "_keyhold-mpu", "mpu-attack/"+*id+"/upload")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var rec map[string]any
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		rec["meta"].(map[string]any)["type"] = "text/html"
		if b, err = json.Marshal(rec); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		err = complete(c, "mpu-attack", "pub/d", id, parts)
		wantRefused(t, "Complete", nil, err)
	})
	t.Run("drop the last part", func(t *testing.T) {
		saved := readStored(t, tn, "mpu-attack", "fin/a")
		defer writeStored(t, tn, "mpu-attack", "fin/a", saved)
		writeStored(t, tn, "mpu-attack", "fin/a", rewriteMeta(t, saved, func(meta map[string]any, body []byte) []byte {
			parts := meta["parts"].([]any)
			last := parts[len(parts)-1].(map[string]any)
			meta["parts"] = parts[:len(parts)-1]
			meta["size"] = meta["size"].(float64) - last["size"].(float64)
			return body[:len(body)-int(last["sealed"].(float64))]
		}))
		got, err := getObject(c, ssec, "mpu-attack", "fin/a")
		wantRefused(t, "GET of the truncated object", got, err)
	})
	t.Run("rewrite attributes", func(t *testing.T) {
		saved := readStored(t, tn, "mpu-attack", "fin/a")
		defer writeStored(t, tn, "mpu-attack", "fin/a", saved)
		writeStored(t, tn, "mpu-attack", "fin/a", rewriteMeta(t, saved, func(meta map[string]any, body []byte) []byte {
			meta["type"] = "text/html"
			meta["user"] = map[string]any{"approved-by": "attacker"}
			return body
		}))
		got, err := getObject(c, ssec, "mpu-attack", "fin/a")
		wantRefused(t, "GET with rewritten attributes", got, err)
	})
	if got, err := getObject(c, ssec, "mpu-attack", "fin/a"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("GET fin/a after the attacks: %d bytes, %v", len(got), err)
	}
}

// TestAttackCallerSetsS3ARNContext: a caller puts aws:s3:arn, the context key S3 itself sets
// to bind an object's data keys to its name, into its own SSE-KMS encryption context, naming
// another object. keyhold must refuse it as InvalidArgument on every write that takes a
// context, and store nothing.
func TestAttackCallerSetsS3ARNContext(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "pub")
	mustPut(t, c, "pub", "src", []byte("source"), nil)
	ec, _ := json.Marshal(map[string]string{"aws:s3:arn": "arn:aws:s3:::fin/transfer.txt", "team": "x"})
	ctx64 := aws.String(base64.StdEncoding.EncodeToString(ec))
	for _, mode := range []types.ServerSideEncryption{types.ServerSideEncryptionAwsKms, types.ServerSideEncryptionAwsKmsDsse} {
		t.Run(string(mode), func(t *testing.T) {
			_, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("pub"), Key: aws.String("readme.txt"), Body: bytes.NewReader([]byte("x")),
				ServerSideEncryption: mode, SSEKMSEncryptionContext: ctx64})
			clustertest.WantCode(t, err, "InvalidArgument")
			_, err = c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("pub"), Key: aws.String("readme.txt"),
				ServerSideEncryption: mode, SSEKMSEncryptionContext: ctx64})
			clustertest.WantCode(t, err, "InvalidArgument")
			_, err = c.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("pub"), Key: aws.String("readme.txt"), CopySource: aws.String("pub/src"),
				ServerSideEncryption: mode, SSEKMSEncryptionContext: ctx64})
			clustertest.WantCode(t, err, "InvalidArgument")
			if _, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("pub"), Key: aws.String("readme.txt")}); clustertest.ErrCode(err) != "NotFound" {
				t.Fatalf("a refused write stored an object: %v", err)
			}
		})
	}
	// A context without it still works, and gets S3's own aws:s3:arn.
	ok, _ := json.Marshal(map[string]string{"team": "x"})
	out := mustPut(t, c, "pub", "readme.txt", []byte("x"), func(in *s3.PutObjectInput) {
		in.ServerSideEncryption, in.SSEKMSEncryptionContext = types.ServerSideEncryptionAwsKms, aws.String(base64.StdEncoding.EncodeToString(ok))
	})
	raw, _ := base64.StdEncoding.DecodeString(*out.SSEKMSEncryptionContext)
	var got map[string]string
	_ = json.Unmarshal(raw, &got)
	if got["aws:s3:arn"] != "arn:aws:s3:::pub/readme.txt" || got["team"] != "x" {
		t.Fatalf("context: got %v", got)
	}
}

// TestAttackSwapPlaintextObjects: with s3_plaintext_objects, objects have no key to be bound
// by. keyhold records each plaintext object's name and refuses one found under another name
// (a misplaced or restored-to-the-wrong-place file). It is no defence against whoever can
// write the store, who can rewrite the recorded name as well: the test pins that limit too.
func TestAttackSwapPlaintextObjects(t *testing.T) {
	tn := newTestNode(t)
	tn.cfg.S3PlaintextObjects = true
	logs := tn.restartLogging()
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "plain")
	secret := payload(10<<10, secretMarker)
	mustPut(t, c, "plain", "fin/transfer.txt", secret, nil)
	mustPut(t, c, "plain", "pub/readme.txt", payload(10<<10, publicMarker), nil)
	stolen := readStored(t, tn, "plain", "fin/transfer.txt")
	writeStored(t, tn, "plain", "pub/readme.txt", stolen)
	got, err := getObject(c, sseMode{}, "plain", "pub/readme.txt")
	wantRefused(t, "GET", got, err)
	wantLogged(t, logs, "plain", "pub/readme.txt")

	// The limit: a store writer forges the name too.
	writeStored(t, tn, "plain", "pub/readme.txt", rewriteMeta(t, stolen, func(meta map[string]any, body []byte) []byte {
		meta["name"].(map[string]any)["key"] = "pub/readme.txt"
		return body
	}))
	if got, err := getObject(c, sseMode{}, "plain", "pub/readme.txt"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("plaintext object with a forged name: got %d bytes, %v; want it served (documented limit)", len(got), err)
	}
}

// TestAttackSwapObjectsInUpstreamStore: keyhold is an encrypting gateway in front of an
// upstream S3 store (gofakes3 on 127.0.0.1), and the attacker holds the upstream bucket's
// credentials. They copy the upstream object of fin/transfer.txt over pub/readme.txt, and over
// the same key in another keyhold bucket. keyhold must refuse to serve either.
func TestAttackSwapObjectsInUpstreamStore(t *testing.T) {
	up := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(up.Close)
	const upAKID, upSecret, upBucket = "AKIDUPSTREAM", "upstream-secret", "upstream"
	raw := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(up.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(upAKID, upSecret, "")})
	if _, err := raw.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(upBucket)}); err != nil {
		t.Fatal(err)
	}
	tn := newTestNode(t)
	t.Setenv("KEYHOLD_UPSTREAM_ACCESS_KEY_ID", upAKID)
	t.Setenv("KEYHOLD_UPSTREAM_SECRET_ACCESS_KEY", upSecret)
	tn.cfg.ObjectStore = "s3"
	tn.cfg.UpstreamS3Endpoint, tn.cfg.UpstreamS3Bucket, tn.cfg.UpstreamS3Region = up.URL, upBucket, "us-east-1"
	tn.cfg.UpstreamS3PathStyle, tn.cfg.UpstreamS3Prefix = true, "keyhold/"
	tn.cfg.AllowSSECOverHTTP = true
	if err := tn.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := tn.restartLogging()
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "fin")
	mustCreateBucket(t, c, "pub")
	upstreamCopy := func(from, to string) {
		t.Helper()
		o, err := raw.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String(upBucket), Key: aws.String("keyhold/" + from)})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(o.Body)
		o.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(upBucket), Key: aws.String("keyhold/" + to), Body: bytes.NewReader(b)}); err != nil {
			t.Fatal(err)
		}
	}
	secret, public := payload(80<<10, secretMarker), payload(80<<10, publicMarker)
	for _, m := range sseModes(t, tn) {
		t.Run(m.name, func(t *testing.T) {
			fin, pub := "transfer.txt "+m.name, "readme.txt "+m.name
			mustPut(t, c, "fin", fin, secret, m.put)
			mustPut(t, c, "fin", pub, public, m.put)
			mustPut(t, c, "pub", fin, public, m.put)
			upstreamCopy("fin/"+fin, "fin/"+pub)
			got, err := getObject(c, m, "fin", pub)
			wantRefused(t, "GET after a swap in the bucket", got, err)
			upstreamCopy("fin/"+fin, "pub/"+fin)
			got, err = getObject(c, m, "pub", fin)
			wantRefused(t, "GET after a copy across buckets", got, err)
			wantLogged(t, logs, "pub", fin)
			if got, err := getObject(c, m, "fin", fin); err != nil || !bytes.Equal(got, secret) {
				t.Fatalf("GET of the genuine object: %d bytes, %v", len(got), err)
			}
		})
	}
}

// TestAttackMoveCopiedObject: CopyObject and UploadPartCopy re-encrypt for their destination,
// so a copy is bound to its new name, not the source's. The attacker moves the stored copy
// (and the stored object assembled by UploadPartCopy) over another key; keyhold must refuse
// both there and keep serving them under their own names.
func TestAttackMoveCopiedObject(t *testing.T) {
	tn, c, _ := s3NodeForAttacks(t)
	mustCreateBucket(t, c, "copies")
	secret := payload(60<<10+5, secretMarker)
	for _, m := range sseModes(t, tn) {
		t.Run(m.name, func(t *testing.T) {
			src, cp, asm, victim := "src "+m.name, "copy "+m.name, "assembled "+m.name, "victim "+m.name
			mustPut(t, c, "copies", src, secret, m.put)
			mustPut(t, c, "copies", victim, payload(60<<10+5, publicMarker), m.put)
			// The copy: the mode's own headers for the destination, and the source's SSE-C key.
			put := &s3.PutObjectInput{}
			m.put(put)
			cin := &s3.CopyObjectInput{Bucket: aws.String("copies"), Key: aws.String(cp), CopySource: aws.String("copies/" + src),
				ServerSideEncryption: put.ServerSideEncryption, SSEKMSKeyId: put.SSEKMSKeyId, BucketKeyEnabled: put.BucketKeyEnabled,
				SSECustomerAlgorithm: put.SSECustomerAlgorithm, SSECustomerKey: put.SSECustomerKey, SSECustomerKeyMD5: put.SSECustomerKeyMD5}
			if m.src != nil {
				m.src(cin)
			}
			if _, err := c.CopyObject(ctx(), cin); err != nil {
				t.Fatal(err)
			}
			// The assembled object: one part, copied.
			cmu := &s3.CreateMultipartUploadInput{Bucket: aws.String("copies"), Key: aws.String(asm)}
			m.mpu(cmu)
			upl, err := c.CreateMultipartUpload(ctx(), cmu)
			if err != nil {
				t.Fatal(err)
			}
			pin := &s3.UploadPartCopyInput{Bucket: aws.String("copies"), Key: aws.String(asm), UploadId: upl.UploadId, PartNumber: aws.Int32(1),
				CopySource: aws.String("copies/" + src), SSECustomerAlgorithm: put.SSECustomerAlgorithm, SSECustomerKey: put.SSECustomerKey, SSECustomerKeyMD5: put.SSECustomerKeyMD5,
				CopySourceSSECustomerAlgorithm: cin.CopySourceSSECustomerAlgorithm, CopySourceSSECustomerKey: cin.CopySourceSSECustomerKey, CopySourceSSECustomerKeyMD5: cin.CopySourceSSECustomerKeyMD5}
			po, err := c.UploadPartCopy(ctx(), pin)
			if err != nil {
				t.Fatal(err)
			}
			if err := complete(c, "copies", asm, upl.UploadId, []types.CompletedPart{{ETag: po.CopyPartResult.ETag, PartNumber: aws.Int32(1)}}); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{cp, asm} {
				if got, err := getObject(c, m, "copies", k); err != nil || !bytes.Equal(got, secret) {
					t.Fatalf("GET %s: %d bytes, %v", k, len(got), err)
				}
			}
			saved := readStored(t, tn, "copies", victim)
			for _, k := range []string{cp, asm, src} {
				writeStored(t, tn, "copies", victim, readStored(t, tn, "copies", k))
				got, err := getObject(c, m, "copies", victim)
				wantRefused(t, "GET of "+k+" moved over "+victim, got, err)
			}
			writeStored(t, tn, "copies", victim, saved)
			if got, err := getObject(c, m, "copies", victim); err != nil || bytes.Contains(got, []byte(secretMarker)) {
				t.Fatalf("GET %s restored: %v", victim, err)
			}
		})
	}
}
