package node

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3ConformanceGetObjectAttributes: GetObjectAttributes answers ETag (unquoted), Checksum,
// ObjectParts (paged by max-parts / part-number-marker), StorageClass and ObjectSize, and an
// SSE-C object's attributes need its customer key, as in S3.
func TestS3ConformanceGetObjectAttributes(t *testing.T) {
	tn := newTestNode(t)
	tn.cfg.AllowSSECOverHTTP = true
	tn.restart(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "attr")
	all := []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesChecksum, types.ObjectAttributesObjectParts,
		types.ObjectAttributesStorageClass, types.ObjectAttributesObjectSize}

	put := mustPut(t, c, "attr", "single", []byte("hello attributes"), nil)
	out, err := c.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attr"), Key: aws.String("single"), ObjectAttributes: all})
	if err != nil {
		t.Fatalf("GetObjectAttributes: %v", err)
	}
	if aws.ToString(out.ETag) != strings.Trim(aws.ToString(put.ETag), `"`) || aws.ToInt64(out.ObjectSize) != 16 ||
		out.StorageClass != types.StorageClassStandard || out.ObjectParts != nil || out.LastModified == nil {
		t.Fatalf("single-part attributes: %+v", out)
	}
	if out.Checksum == nil || aws.ToString(out.Checksum.ChecksumCRC32) != aws.ToString(put.ChecksumCRC32) {
		t.Fatalf("checksum: %+v, PUT said %s", out.Checksum, aws.ToString(put.ChecksumCRC32))
	}

	// A three-part upload, listed a part at a time.
	cr, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("attr"), Key: aws.String("multi"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	sizes := []int{5 << 20, 5 << 20, 77}
	for i, n := range sizes {
		up, err := c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("attr"), Key: aws.String("multi"), UploadId: cr.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(payload(n, "p")), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag, ChecksumCRC32: up.ChecksumCRC32})
	}
	if _, err := c.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("attr"), Key: aws.String("multi"),
		UploadId: cr.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	var seen []int32
	var marker *string
	for range 5 {
		out, err := c.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attr"), Key: aws.String("multi"),
			ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectParts}, MaxParts: aws.Int32(1), PartNumberMarker: marker})
		if err != nil {
			t.Fatal(err)
		}
		op := out.ObjectParts
		if op == nil || aws.ToInt32(op.TotalPartsCount) != 3 || len(op.Parts) != 1 || aws.ToString(op.Parts[0].ChecksumCRC32) == "" {
			t.Fatalf("ObjectParts page: %+v", op)
		}
		seen = append(seen, aws.ToInt32(op.Parts[0].PartNumber))
		if aws.ToInt64(op.Parts[0].Size) != int64(sizes[len(seen)-1]) {
			t.Fatalf("part %d size %d", len(seen), aws.ToInt64(op.Parts[0].Size))
		}
		if !aws.ToBool(op.IsTruncated) {
			break
		}
		marker = op.NextPartNumberMarker
	}
	if len(seen) != 3 || seen[2] != 3 {
		t.Fatalf("parts paged: %v", seen)
	}

	// SSE-C: without the key the attributes are refused; with it they are answered.
	ck := newCustomerKey(0x33)
	mustPut(t, c, "attr", "ssec", []byte("secret"), func(in *s3.PutObjectInput) {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(ck.b64), aws.String(ck.md5)
	})
	_, err = c.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attr"), Key: aws.String("ssec"), ObjectAttributes: all})
	wantAPIError(t, err, "InvalidRequest", 400)
	out, err = c.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attr"), Key: aws.String("ssec"), ObjectAttributes: all,
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(ck.b64), SSECustomerKeyMD5: aws.String(ck.md5)})
	if err != nil || aws.ToInt64(out.ObjectSize) != 6 {
		t.Fatalf("SSE-C attributes with the key: %+v %v", out, err)
	}
	_, err = c.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("attr"), Key: aws.String("missing"), ObjectAttributes: all})
	wantAPIError(t, err, "NoSuchKey", 404)
}
