package node

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// TestS3ConformanceConditionalWrites: PutObject, CompleteMultipartUpload and CopyObject honour
// If-None-Match: * and If-Match: <etag> as S3 does (412 PreconditionFailed, 404 NoSuchKey for
// If-Match on a missing key), and of concurrent create-only PUTs of one key exactly one wins.
func TestS3ConformanceConditionalWrites(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "cond")
	put := func(key, body string, mod func(*s3.PutObjectInput)) (*s3.PutObjectOutput, error) {
		in := &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String(key), Body: bytes.NewReader([]byte(body))}
		if mod != nil {
			mod(in)
		}
		return c.PutObject(ctx(), in)
	}
	ifNone := func(in *s3.PutObjectInput) { in.IfNoneMatch = aws.String("*") }

	t.Run("PutObject", func(t *testing.T) {
		first, err := put("k", "one", ifNone)
		if err != nil {
			t.Fatalf("create-only PUT of a new key: %v", err)
		}
		_, err = put("k", "two", ifNone)
		wantAPIError(t, err, "PreconditionFailed", 412)
		if b, _ := mustGet(t, c, "cond", "k", nil); string(b) != "one" {
			t.Fatalf("object overwritten: %q", b)
		}
		_, err = put("k", "three", func(in *s3.PutObjectInput) { in.IfMatch = aws.String(`"0123456789abcdef0123456789abcdef"`) })
		wantAPIError(t, err, "PreconditionFailed", 412)
		if _, err := put("k", "four", func(in *s3.PutObjectInput) { in.IfMatch = first.ETag }); err != nil {
			t.Fatalf("If-Match with the current ETag: %v", err)
		}
		if b, _ := mustGet(t, c, "cond", "k", nil); string(b) != "four" {
			t.Fatalf("If-Match write not applied: %q", b)
		}
		_, err = put("missing", "x", func(in *s3.PutObjectInput) { in.IfMatch = first.ETag })
		wantAPIError(t, err, "NoSuchKey", 404)
	})

	t.Run("ConcurrentCreateOnly", func(t *testing.T) {
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = put("race", "writer-"+itoa(i), ifNone)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			var ae smithy.APIError
			switch {
			case err == nil:
				won++
			case errors.As(err, &ae) && (ae.ErrorCode() == "PreconditionFailed" || ae.ErrorCode() == "ConditionalRequestConflict"):
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d create-only PUTs of one key succeeded, want exactly 1", won)
		}
	})

	t.Run("CompleteMultipartUpload", func(t *testing.T) {
		mpu := func(key string, cond func(*s3.CompleteMultipartUploadInput)) error {
			cr, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("cond"), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			up, err := c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("cond"), Key: aws.String(key), UploadId: cr.UploadId,
				PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("part"))})
			if err != nil {
				t.Fatal(err)
			}
			in := &s3.CompleteMultipartUploadInput{Bucket: aws.String("cond"), Key: aws.String(key), UploadId: cr.UploadId,
				MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: up.ETag}}}}
			cond(in)
			_, err = c.CompleteMultipartUpload(ctx(), in)
			return err
		}
		if err := mpu("m", func(in *s3.CompleteMultipartUploadInput) { in.IfNoneMatch = aws.String("*") }); err != nil {
			t.Fatalf("create-only Complete of a new key: %v", err)
		}
		err := mpu("m", func(in *s3.CompleteMultipartUploadInput) { in.IfNoneMatch = aws.String("*") })
		wantAPIError(t, err, "PreconditionFailed", 412)
		err = mpu("m", func(in *s3.CompleteMultipartUploadInput) { in.IfMatch = aws.String(`"nope"`) })
		wantAPIError(t, err, "PreconditionFailed", 412)
	})

	t.Run("CopyObject", func(t *testing.T) {
		mustPut(t, c, "cond", "src", []byte("source"), nil)
		mustPut(t, c, "cond", "dst", []byte("dest"), nil)
		_, err := c.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("cond"), Key: aws.String("dst"),
			CopySource: aws.String("cond/src"), IfNoneMatch: aws.String("*")})
		wantAPIError(t, err, "PreconditionFailed", 412)
		if b, _ := mustGet(t, c, "cond", "dst", nil); string(b) != "dest" {
			t.Fatalf("copy overwrote despite If-None-Match: %q", b)
		}
		if _, err := c.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("cond"), Key: aws.String("new"),
			CopySource: aws.String("cond/src"), IfNoneMatch: aws.String("*")}); err != nil {
			t.Fatalf("create-only copy to a new key: %v", err)
		}
	})
}
