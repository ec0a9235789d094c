package node

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3ConformanceCompleteMultipart: the whole-object checksum sent with
// CompleteMultipartUpload (FULL_OBJECT, or COMPOSITE "<checksum>-<parts>") is checked against
// the completed object, not the XML body; and a retried Complete of a completed upload gets the
// first answer, as from S3.
func TestS3ConformanceCompleteMultipart(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "mpc")
	chunks := [][]byte{payload(5<<20, "part-one "), payload(1000, "part-two ")}
	whole := append(append([]byte{}, chunks[0]...), chunks[1]...)
	crc := func(b []byte) []byte { return binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(b)) }
	b64 := base64.StdEncoding.EncodeToString

	start := func(key string, typ types.ChecksumType) (*string, []types.CompletedPart) {
		t.Helper()
		cr, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpc"), Key: aws.String(key),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32, ChecksumType: typ})
		if err != nil {
			t.Fatal(err)
		}
		var parts []types.CompletedPart
		for i, ch := range chunks {
			out, err := c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpc"), Key: aws.String(key), UploadId: cr.UploadId,
				PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(ch), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
		}
		return cr.UploadId, parts
	}
	complete := func(key string, id *string, parts []types.CompletedPart, sum string, typ types.ChecksumType) (*s3.CompleteMultipartUploadOutput, error) {
		return c.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpc"), Key: aws.String(key), UploadId: id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}, ChecksumCRC32: aws.String(sum), ChecksumType: typ})
	}

	t.Run("FullObject", func(t *testing.T) {
		id, parts := start("full", types.ChecksumTypeFullObject)
		_, err := complete("full", id, parts, b64(crc([]byte("not the object"))), types.ChecksumTypeFullObject)
		wantAPIError(t, err, "BadDigest", 400)
		out, err := complete("full", id, parts, b64(crc(whole)), types.ChecksumTypeFullObject)
		if err != nil {
			t.Fatalf("Complete with the object's FULL_OBJECT CRC32: %v", err)
		}
		if aws.ToString(out.ChecksumCRC32) != b64(crc(whole)) {
			t.Fatalf("object checksum %s", aws.ToString(out.ChecksumCRC32))
		}
	})

	t.Run("Composite", func(t *testing.T) {
		id, parts := start("comp", types.ChecksumTypeComposite)
		var raw []byte
		for _, ch := range chunks {
			raw = append(raw, crc(ch)...)
		}
		want := b64(crc(raw)) + "-2"
		_, err := complete("comp", id, parts, b64(crc(raw[:4]))+"-2", "")
		wantAPIError(t, err, "BadDigest", 400)
		out, err := complete("comp", id, parts, want, "")
		if err != nil {
			t.Fatalf("Complete with the composite CRC32: %v", err)
		}
		if aws.ToString(out.ChecksumCRC32) != want {
			t.Fatalf("composite checksum %s, want %s", aws.ToString(out.ChecksumCRC32), want)
		}
	})

	t.Run("Retry", func(t *testing.T) {
		id, parts := start("retry", types.ChecksumTypeFullObject)
		first, err := complete("retry", id, parts, b64(crc(whole)), types.ChecksumTypeFullObject)
		if err != nil {
			t.Fatal(err)
		}
		again, err := complete("retry", id, parts, b64(crc(whole)), types.ChecksumTypeFullObject)
		if err != nil {
			t.Fatalf("retried Complete: %v", err)
		}
		if aws.ToString(again.ETag) != aws.ToString(first.ETag) || aws.ToString(again.ChecksumCRC32) != aws.ToString(first.ChecksumCRC32) ||
			aws.ToString(again.Key) != "retry" {
			t.Fatalf("retry answered %+v, first %+v", again, first)
		}
		// A different part list, or another key, is not a retry of that completion.
		_, err = complete("retry", id, parts[:1], b64(crc(chunks[0])), types.ChecksumTypeFullObject)
		wantAPIError(t, err, "NoSuchUpload", 404)
		_, err = complete("other", id, parts, b64(crc(whole)), types.ChecksumTypeFullObject)
		wantAPIError(t, err, "NoSuchUpload", 404)
		if b, _ := mustGet(t, c, "mpc", "retry", nil); !bytes.Equal(b, whole) {
			t.Fatal("object changed by the retry")
		}
	})
}
