package node

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	dto "github.com/prometheus/client_model/go"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

func TestS3EncryptionModes(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "enc")
	key, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	cmk := *key.KeyMetadata.Arn
	body := payload(200_000, "MARKER-sse ")

	t.Run("SSE-KMS", func(t *testing.T) {
		ec, _ := json.Marshal(map[string]string{"project": "x"})
		out := mustPut(t, c, "enc", "kms", body, func(in *s3.PutObjectInput) {
			in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
			in.SSEKMSKeyId = aws.String(*key.KeyMetadata.KeyId)
			in.SSEKMSEncryptionContext = aws.String(base64.StdEncoding.EncodeToString(ec))
		})
		if out.ServerSideEncryption != types.ServerSideEncryptionAwsKms || *out.SSEKMSKeyId != cmk {
			t.Fatalf("got %q %v, want aws:kms %s", out.ServerSideEncryption, *out.SSEKMSKeyId, cmk)
		}
		got, gout := mustGet(t, c, "enc", "kms", nil)
		if !bytes.Equal(got, body) || *gout.SSEKMSKeyId != cmk {
			t.Fatal("SSE-KMS round trip")
		}
		raw, _ := base64.StdEncoding.DecodeString(*out.SSEKMSEncryptionContext)
		var ctxMap map[string]string
		_ = json.Unmarshal(raw, &ctxMap)
		if ctxMap["project"] != "x" || ctxMap["aws:s3:arn"] != "arn:aws:s3:::enc/kms" {
			t.Fatalf("context: got %v", ctxMap)
		}
	})
	t.Run("SSE-KMS default key", func(t *testing.T) {
		out := mustPut(t, c, "enc", "kms-default", body, func(in *s3.PutObjectInput) {
			in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		})
		aliases, err := tn.kms.ListAliases(ctx(), &kms.ListAliasesInput{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range aliases.Aliases {
			if *a.AliasName == "alias/aws/s3" && strings.HasSuffix(*out.SSEKMSKeyId, *a.TargetKeyId) {
				found = true
			}
		}
		if !found {
			t.Fatalf("the object's key %s is not alias/aws/s3", *out.SSEKMSKeyId)
		}
		_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("k"), Body: bytes.NewReader(body),
			ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("alias/does-not-exist")})
		clustertest.WantCode(t, err, "KMS.NotFoundException")
	})
	t.Run("DSSE-KMS", func(t *testing.T) {
		out := mustPut(t, c, "enc", "dsse", body, func(in *s3.PutObjectInput) {
			in.ServerSideEncryption = types.ServerSideEncryptionAwsKmsDsse
			in.SSEKMSKeyId = aws.String(cmk)
		})
		if out.ServerSideEncryption != types.ServerSideEncryptionAwsKmsDsse {
			t.Fatalf("got %q", out.ServerSideEncryption)
		}
		got, _ := mustGet(t, c, "enc", "dsse", func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=65530-70000") })
		if !bytes.Equal(got, body[65530:70001]) {
			t.Fatal("DSSE ranged read")
		}
	})
	ck, other := newCustomerKey(0x11), newCustomerKey(0x22)
	t.Run("SSE-C needs TLS", func(t *testing.T) {
		_, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("k"), Body: bytes.NewReader(body),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(ck.b64), SSECustomerKeyMD5: aws.String(ck.md5)})
		clustertest.WantCode(t, err, "InvalidRequest")
		tn.cfg.AllowSSECOverHTTP = true
		tn.restart(t)
		c = tn.s3Client(true)
	})
	t.Run("SSE-C", func(t *testing.T) {
		out := mustPut(t, c, "enc", "ssec", body, func(in *s3.PutObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(ck.b64), aws.String(ck.md5)
		})
		if *out.SSECustomerKeyMD5 != ck.md5 {
			t.Fatalf("got key MD5 %v", *out.SSECustomerKeyMD5)
		}
		got, _ := mustGet(t, c, "enc", "ssec", func(in *s3.GetObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(ck.b64), aws.String(ck.md5)
		})
		if !bytes.Equal(got, body) {
			t.Fatal("SSE-C round trip")
		}
		_, _, err := getBytes(c, &s3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("ssec")})
		clustertest.WantCode(t, err, "InvalidRequest")
		_, _, err = getBytes(c, &s3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("ssec"),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(other.b64), SSECustomerKeyMD5: aws.String(other.md5)})
		clustertest.WantCode(t, err, "AccessDenied")
		_, err = c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("enc"), Key: aws.String("ssec"),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(other.b64), SSECustomerKeyMD5: aws.String(other.md5)})
		clustertest.WantCode(t, err, "Forbidden")
		_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("k"), Body: bytes.NewReader(body),
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(ck.b64), SSECustomerKeyMD5: aws.String(other.md5)})
		clustertest.WantCode(t, err, "InvalidArgument")
	})
	t.Run("CopyObject changes encryption", func(t *testing.T) {
		_, err := c.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("enc"), Key: aws.String("copy"), CopySource: aws.String("enc/ssec"),
			CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(ck.b64), CopySourceSSECustomerKeyMD5: aws.String(ck.md5),
			ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(cmk)})
		if err != nil {
			t.Fatal(err)
		}
		got, out := mustGet(t, c, "enc", "copy", nil)
		if !bytes.Equal(got, body) || out.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
			t.Fatalf("copy: got %d bytes, sse %q", len(got), out.ServerSideEncryption)
		}
		_, err = c.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("enc"), Key: aws.String("copy2"), CopySource: aws.String("enc/ssec")})
		clustertest.WantCode(t, err, "InvalidRequest")
	})
	t.Run("disabled CMK", func(t *testing.T) {
		if _, err := tn.kms.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: key.KeyMetadata.KeyId}); err != nil {
			t.Fatal(err)
		}
		_, _, err := getBytes(c, &s3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("kms")})
		clustertest.WantCode(t, err, "KMS.DisabledException")
		_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("k2"), Body: bytes.NewReader(body),
			ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(cmk)})
		clustertest.WantCode(t, err, "KMS.DisabledException")
		if _, err := tn.kms.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: key.KeyMetadata.KeyId}); err != nil {
			t.Fatal(err)
		}
		if got, _ := mustGet(t, c, "enc", "kms", nil); !bytes.Equal(got, body) {
			t.Fatal("re-enabled key")
		}
	})
	t.Run("at rest", func(t *testing.T) {
		// Neither the marker, nor the SSE-C key, in any form, is anywhere under the data dir.
		for _, needle := range [][]byte{[]byte("MARKER-sse"), ck.raw, []byte(ck.b64)} {
			scanFor(t, tn.dir, needle)
		}
		// A flipped bit in a stored object makes GET fail.
		var files []string
		_ = filepath.Walk(filepath.Join(tn.cfg.DataDir, "objects", "enc"), func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				files = append(files, p)
			}
			return nil
		})
		if len(files) == 0 {
			t.Fatal("no stored objects found")
		}
		for _, f := range files {
			b, _ := os.ReadFile(f)
			b[100] ^= 1
			_ = os.WriteFile(f, b, 0o600)
		}
		_, _, err := getBytes(c, &s3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("kms")})
		if err == nil {
			t.Fatal("GET of a corrupted object succeeded")
		}
	})
}

// scanFor fails if needle occurs in any file under dir.
func scanFor(t *testing.T, dir string, needle []byte) {
	t.Helper()
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, needle) {
			t.Errorf("%s holds a secret or plaintext (%d bytes)", p, len(needle))
		}
		return nil
	})
}

func TestS3DefaultEncryptionAndBucketKeys(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "bkt")
	key, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: aws.String("bkt"), ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: key.KeyMetadata.KeyId},
			BucketKeyEnabled:                   aws.Bool(true),
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: aws.String("bkt")})
	if err != nil || *got.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID != *key.KeyMetadata.KeyId {
		t.Fatalf("GetBucketEncryption: got %+v, %v", got, err)
	}
	// The header wins over the default.
	out := mustPut(t, c, "bkt", "explicit", []byte("x"), func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAes256 })
	if out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("header: got %q, want AES256", out.ServerSideEncryption)
	}
	before := tn.n.metrics.Registry
	kmsBefore := counterValue(t, before, "keyhold_s3_kms_calls_total")
	hsmBefore := requestHSMOps(t, before)
	const n, workers = 10000, 32
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				out, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(fmt.Sprintf("o/%05d", i)), Body: strings.NewReader(fmt.Sprintf("object %d", i))})
				if err == nil && (out.ServerSideEncryption != types.ServerSideEncryptionAwsKms || out.BucketKeyEnabled == nil || !*out.BucketKeyEnabled) {
					err = fmt.Errorf("got sse %q bucket key %v", out.ServerSideEncryption, out.BucketKeyEnabled)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, i := range []int{0, 4242, n - 1} {
		b, _ := mustGet(t, c, "bkt", fmt.Sprintf("o/%05d", i), nil)
		if string(b) != fmt.Sprintf("object %d", i) {
			t.Fatalf("got %q", b)
		}
	}
	kmsCalls := counterValue(t, before, "keyhold_s3_kms_calls_total") - kmsBefore
	hsm := requestHSMOps(t, before).since(hsmBefore).total()
	t.Logf("10000 SSE-KMS puts with a bucket key: %v key service calls, %v HSM operations", kmsCalls, hsm)
	if kmsCalls > 5 || hsm > 5 {
		t.Fatalf("got %v key service calls and %v HSM operations, want at most 5 each", kmsCalls, hsm)
	}
	if _, err := c.DeleteBucketEncryption(ctx(), &s3.DeleteBucketEncryptionInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: aws.String("bkt")})
	clustertest.WantCode(t, err, "ServerSideEncryptionConfigurationNotFoundError")
}

func counterValue(t *testing.T, m interface {
	Gather() ([]*dto.MetricFamily, error)
}, name string) float64 {
	t.Helper()
	fams, err := m.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range fams {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}
