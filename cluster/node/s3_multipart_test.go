package node

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

func TestS3Multipart(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "mpu")
	const partSize = 5<<20 + 12345 // not a multiple of the 64 KiB segment
	body := payload(4*partSize+777, "MARKER-multipart ")
	create, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms, Metadata: map[string]string{"kind": "big"}})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	for i := 0; i*partSize < len(body); i++ {
		chunk := body[i*partSize : min((i+1)*partSize, len(body))]
		out, err := c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: create.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(chunk)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	lp, err := c.ListParts(ctx(), &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: create.UploadId})
	if err != nil || len(lp.Parts) != len(parts) {
		t.Fatalf("ListParts: got %+v, %v", lp, err)
	}
	lu, err := c.ListMultipartUploads(ctx(), &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
	if err != nil || len(lu.Uploads) != 1 || *lu.Uploads[0].UploadId != *create.UploadId {
		t.Fatalf("ListMultipartUploads: got %+v, %v", lu, err)
	}
	// Parts out of order are refused.
	_, err = c.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{parts[1], parts[0]}}})
	clustertest.WantCode(t, err, "InvalidPartOrder")
	done, err := c.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("-%d\"", len(parts)); len(*done.ETag) < 5 || (*done.ETag)[len(*done.ETag)-len(want):] != want {
		t.Fatalf("ETag: got %s, want the multipart form ending %s", *done.ETag, want)
	}
	got, out := mustGet(t, c, "mpu", "big", nil)
	if !bytes.Equal(got, body) || out.ServerSideEncryption != types.ServerSideEncryptionAwsKms || out.Metadata["kind"] != "big" {
		t.Fatalf("got %d bytes (want %d), sse %q", len(got), len(body), out.ServerSideEncryption)
	}
	// Each part by its number, as the SDK's part-wise downloads ask for them.
	for i := range parts {
		want := body[i*partSize : min((i+1)*partSize, len(body))]
		got, out := mustGet(t, c, "mpu", "big", func(in *s3.GetObjectInput) { in.PartNumber = aws.Int32(int32(i + 1)) })
		if !bytes.Equal(got, want) || aws.ToInt32(out.PartsCount) != int32(len(parts)) {
			t.Fatalf("part %d: got %d bytes (want %d), parts count %d", i+1, len(got), len(want), aws.ToInt32(out.PartsCount))
		}
		head, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big"), PartNumber: aws.Int32(int32(i + 1))})
		if err != nil || aws.ToInt64(head.ContentLength) != int64(len(want)) {
			t.Fatalf("HEAD part %d: %v, length %d, want %d", i+1, err, aws.ToInt64(head.ContentLength), len(want))
		}
	}
	_, _, err = getBytes(c, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big"), PartNumber: aws.Int32(int32(len(parts) + 1))})
	clustertest.WantCode(t, err, "InvalidPartNumber")
	// Ranges at segment and part boundaries.
	for _, r := range [][2]int{{partSize - 1, partSize}, {partSize - 10, 2*partSize + 10}, {65535, 65536}, {3 * partSize, 3*partSize + 65536}, {len(body) - 5, len(body) - 1}} {
		got, _ := mustGet(t, c, "mpu", "big", func(in *s3.GetObjectInput) { in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", r[0], r[1])) })
		if !bytes.Equal(got, body[r[0]:r[1]+1]) {
			t.Fatalf("range %v: got %d bytes", r, len(got))
		}
	}
	// UploadPartCopy from the finished object, then Abort.
	up, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("copy")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadPartCopy(ctx(), &s3.UploadPartCopyInput{Bucket: aws.String("mpu"), Key: aws.String("copy"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String("mpu/big"), CopySourceRange: aws.String("bytes=0-99")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AbortMultipartUpload(ctx(), &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("copy"), UploadId: up.UploadId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("copy"), UploadId: up.UploadId, PartNumber: aws.Int32(2), Body: bytes.NewReader([]byte("x"))})
	clustertest.WantCode(t, err, "NoSuchUpload")
	scanFor(t, tn.dir, []byte("MARKER-multipart"))
}
