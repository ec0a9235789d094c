package nodetest_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/cluster/node"
	"github.com/keyhold/keyhold/cluster/node/nodetest"
)

// TestHarnessFromAnotherPackage: a test outside cluster/node gets a working node: KMS and S3
// through the SDK, state kept across a restart, and the clock moves deletion windows.
func TestHarnessFromAnotherPackage(t *testing.T) {
	ctx := context.Background()
	tn := nodetest.New(t, func(c *node.Config) { c.CacheEntries = 0 })
	key, err := tn.KMS.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := key.KeyMetadata.KeyId
	enc, err := tn.KMS.Encrypt(ctx, &kms.EncryptInput{KeyId: id, Plaintext: []byte("harness")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.S3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("harness-bucket")}); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.S3().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("harness-bucket"), Key: aws.String("k"), Body: strings.NewReader("object")}); err != nil {
		t.Fatal(err)
	}

	tn.Restart(t)
	dec, err := tn.KMS.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil || !bytes.Equal(dec.Plaintext, []byte("harness")) {
		t.Fatalf("Decrypt after restart: %q, %v", dec.Plaintext, err)
	}
	got, err := tn.S3().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("harness-bucket"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "object" {
		t.Fatalf("GetObject after restart: %q", body)
	}

	if _, err := tn.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: id, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	tn.Clock.Advance(8 * 24 * time.Hour)
	tn.Tick(t)
	_, err = tn.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: id})
	clustertest.WantCode(t, err, "NotFoundException")
}
