package node

import (
	"bytes"
	"compress/flate"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestS3Gateway runs keyhold as an encrypting gateway in front of a real S3-compatible server
// nobody here wrote (gofakes3, on 127.0.0.1): the AWS SDK talks to keyhold, keyhold stores
// through object_store "s3", and the upstream bucket, read directly, holds only ciphertext.
func TestS3Gateway(t *testing.T) {
	up := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(up.Close)
	const upAKID, upSecret, upBucket, marker = "AKIDUPSTREAM", "upstream-secret", "upstream", "MARKER-gateway-plaintext "
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
	if err := tn.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tn.restart(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "gateway")

	body := payload(300<<10+17, marker)
	out := mustPut(t, c, "gateway", "dir/kms", body, func(in *s3.PutObjectInput) {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
	})
	if out.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Fatalf("PutObject SSE: got %q, want aws:kms", out.ServerSideEncryption)
	}
	t.Run("ranged GETs", func(t *testing.T) {
		n := int64(len(body))
		for _, r := range []struct {
			hdr        string
			start, end int64
		}{{"", 0, n}, {"bytes=0-99", 0, 100}, {"bytes=65500-65600", 65500, 65601}, {"bytes=-100", n - 100, n}, {"bytes=200000-", 200000, n}} {
			got, _ := mustGet(t, c, "gateway", "dir/kms", func(in *s3.GetObjectInput) {
				if r.hdr != "" {
					in.Range = aws.String(r.hdr)
				}
			})
			if !bytes.Equal(got, body[r.start:r.end]) {
				t.Errorf("GET %q: got %d bytes, want %d matching bytes", r.hdr, len(got), r.end-r.start)
			}
		}
	})

	const partSize = 5<<20 + 12345
	big := payload(2*partSize+999, marker)
	t.Run("multipart", func(t *testing.T) {
		cr, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("gateway"), Key: aws.String("big"),
			ServerSideEncryption: types.ServerSideEncryptionAwsKms})
		if err != nil {
			t.Fatal(err)
		}
		var parts []types.CompletedPart
		for i := 0; i*partSize < len(big); i++ {
			po, err := c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("gateway"), Key: aws.String("big"), UploadId: cr.UploadId,
				PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(big[i*partSize : min((i+1)*partSize, len(big))])})
			if err != nil {
				t.Fatalf("UploadPart %d: %v", i+1, err)
			}
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: po.ETag})
		}
		lu, err := c.ListMultipartUploads(ctx(), &s3.ListMultipartUploadsInput{Bucket: aws.String("gateway")})
		if err != nil || len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].UploadId) != aws.ToString(cr.UploadId) {
			t.Fatalf("ListMultipartUploads through the gateway: got %+v, %v", lu, err)
		}
		if _, err := c.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("gateway"), Key: aws.String("big"),
			UploadId: cr.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
			t.Fatal(err)
		}
		got, _ := mustGet(t, c, "gateway", "big", nil)
		if !bytes.Equal(got, big) {
			t.Fatalf("GET multipart: got %d bytes, want the %d uploaded", len(got), len(big))
		}
		got, _ = mustGet(t, c, "gateway", "big", func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=5255000-5260000") })
		if !bytes.Equal(got, big[5255000:5260001]) {
			t.Fatalf("GET across parts: got %d bytes, want 5001 matching", len(got))
		}
	})
	t.Run("list and delete", func(t *testing.T) {
		mustPut(t, c, "gateway", "gone", []byte(marker), nil)
		lo, err := c.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("gateway")})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range lo.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		if strings.Join(keys, ",") != "big,dir/kms,gone" {
			t.Fatalf("ListObjectsV2: got %q, want [big dir/kms gone]", keys)
		}
		if lo.Contents[1].Size == nil || *lo.Contents[1].Size != int64(len(body)) {
			t.Fatalf("listed size: got %v, want %d", lo.Contents[1].Size, len(body))
		}
		if _, err := c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("gateway"), Key: aws.String("gone")}); err != nil {
			t.Fatal(err)
		}
		_, _, err = getBytes(c, &s3.GetObjectInput{Bucket: aws.String("gateway"), Key: aws.String("gone")})
		clustertest.WantCode(t, err, "NoSuchKey")
	})

	t.Run("upstream holds only ciphertext", func(t *testing.T) {
		lo, err := raw.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(upBucket)})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range lo.Contents {
			k := aws.ToString(o.Key)
			if strings.HasPrefix(k, "keyhold/_keyhold-mpu-done") {
				// The answer kept for a retried CompleteMultipartUpload (key, ETag, checksum: what
				// the object's own metadata trailer holds in the clear) and its time index.
				if ro, err := raw.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(upBucket), Key: aws.String(k)}); err == nil {
					stored, _ := io.ReadAll(ro.Body)
					ro.Body.Close()
					if bytes.Contains(stored, []byte("MARKER")) {
						t.Errorf("upstream %s: the plaintext marker is there", k)
					}
				}
				continue
			}
			keys = append(keys, k)
			ro, err := raw.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(upBucket), Key: aws.String(k)})
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := io.ReadAll(ro.Body)
			ro.Body.Close()
			if bytes.Contains(stored, []byte("MARKER")) {
				t.Errorf("upstream %s: the plaintext marker is there", k)
			}
			if !bytes.HasSuffix(stored, []byte("KHO2")) {
				t.Errorf("upstream %s: got no keyhold object trailer", k)
			}
			// The plaintext repeats a short marker and deflates to almost nothing; ciphertext
			// does not deflate.
			if r := deflateRatio(stored); len(stored) >= 64<<10 && r < 0.95 { // the metadata JSON of a small object deflates a little
				t.Errorf("upstream %s: deflates to %.2f of its size, want >= 0.95 (ciphertext)", k, r)
			}
		}
		if strings.Join(keys, ",") != "keyhold/gateway/big,keyhold/gateway/dir/kms" {
			t.Fatalf("upstream keys: got %q, want the two objects and no multipart staging left", keys)
		}
	})
}

func deflateRatio(b []byte) float64 {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	_, _ = w.Write(b)
	_ = w.Close()
	return float64(buf.Len()) / float64(len(b))
}
