package node

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"hash/crc64"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestS3MultipartChecksums: an upload that names a checksum algorithm gets S3's checksums: each
// part must carry one of that algorithm, ListParts and part-wise GETs return it, and the
// object's checksum is COMPOSITE (the checksum of the parts' checksums, "-N") or FULL_OBJECT
// (the whole object's CRC, combined from the parts' CRCs), which the SDK then verifies on GET.
func TestS3MultipartChecksums(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "mpsum")
	const partSize = 5<<20 + 3
	body := payload(2*partSize+1234, "MARKER-mpsum ")
	chunks := [][]byte{body[:partSize], body[partSize : 2*partSize], body[2*partSize:]}
	b64 := base64.StdEncoding.EncodeToString

	upload := func(key string, alg types.ChecksumAlgorithm, typ types.ChecksumType) (*s3.CompleteMultipartUploadOutput, []types.CompletedPart) {
		t.Helper()
		cr, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpsum"), Key: aws.String(key),
			ChecksumAlgorithm: alg, ChecksumType: typ, ServerSideEncryption: types.ServerSideEncryptionAwsKms})
		if err != nil {
			t.Fatal(err)
		}
		if cr.ChecksumAlgorithm != alg {
			t.Fatalf("CreateMultipartUpload: algorithm %q, want %q", cr.ChecksumAlgorithm, alg)
		}
		var parts []types.CompletedPart
		for i, ch := range chunks {
			out, err := c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpsum"), Key: aws.String(key), UploadId: cr.UploadId,
				PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(ch), ChecksumAlgorithm: alg})
			if err != nil {
				t.Fatalf("UploadPart %d: %v", i+1, err)
			}
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag,
				ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC32C: out.ChecksumCRC32C, ChecksumCRC64NVME: out.ChecksumCRC64NVME})
		}
		lp, err := c.ListParts(ctx(), &s3.ListPartsInput{Bucket: aws.String("mpsum"), Key: aws.String(key), UploadId: cr.UploadId})
		if err != nil || len(lp.Parts) != 3 || aws.ToString(lp.Parts[0].ChecksumCRC32)+aws.ToString(lp.Parts[0].ChecksumCRC64NVME)+aws.ToString(lp.Parts[0].ChecksumCRC32C) == "" {
			t.Fatalf("ListParts: %+v, %v", lp, err)
		}
		done, err := c.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpsum"), Key: aws.String(key),
			UploadId: cr.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		if err != nil {
			t.Fatal(err)
		}
		return done, parts
	}

	t.Run("COMPOSITE CRC32", func(t *testing.T) {
		done, parts := upload("composite", types.ChecksumAlgorithmCrc32, "")
		h := crc32.NewIEEE()
		for _, p := range parts {
			raw, _ := base64.StdEncoding.DecodeString(aws.ToString(p.ChecksumCRC32))
			h.Write(raw)
		}
		want := b64(h.Sum(nil)) + "-3"
		if aws.ToString(done.ChecksumCRC32) != want || done.ChecksumType != types.ChecksumTypeComposite {
			t.Fatalf("Complete: checksum %q type %q, want %q COMPOSITE", aws.ToString(done.ChecksumCRC32), done.ChecksumType, want)
		}
		got, out := mustGet(t, c, "mpsum", "composite", func(in *s3.GetObjectInput) { in.ChecksumMode = types.ChecksumModeEnabled })
		if !bytes.Equal(got, body) || aws.ToString(out.ChecksumCRC32) != want || out.ChecksumType != types.ChecksumTypeComposite {
			t.Fatalf("GET: %d bytes, checksum %q type %q", len(got), aws.ToString(out.ChecksumCRC32), out.ChecksumType)
		}
		// A part by number comes with that part's checksum, which the SDK verifies.
		got, out = mustGet(t, c, "mpsum", "composite", func(in *s3.GetObjectInput) {
			in.ChecksumMode, in.PartNumber = types.ChecksumModeEnabled, aws.Int32(2)
		})
		if !bytes.Equal(got, chunks[1]) || aws.ToString(out.ChecksumCRC32) != aws.ToString(parts[1].ChecksumCRC32) {
			t.Fatalf("GET part 2: %d bytes, checksum %q, want %q", len(got), aws.ToString(out.ChecksumCRC32), aws.ToString(parts[1].ChecksumCRC32))
		}
	})
	t.Run("FULL_OBJECT CRC64NVME", func(t *testing.T) {
		done, _ := upload("full64", types.ChecksumAlgorithmCrc64nvme, "")
		var want [8]byte
		binary.BigEndian.PutUint64(want[:], crc64.Checksum(body, crc64.MakeTable(0x9a6c9329ac4bc9b5)))
		if aws.ToString(done.ChecksumCRC64NVME) != b64(want[:]) || done.ChecksumType != types.ChecksumTypeFullObject {
			t.Fatalf("Complete: %q %q, want %q FULL_OBJECT", aws.ToString(done.ChecksumCRC64NVME), done.ChecksumType, b64(want[:]))
		}
		got, out := mustGet(t, c, "mpsum", "full64", func(in *s3.GetObjectInput) { in.ChecksumMode = types.ChecksumModeEnabled })
		if !bytes.Equal(got, body) || aws.ToString(out.ChecksumCRC64NVME) != b64(want[:]) {
			t.Fatalf("GET: %d bytes, checksum %q", len(got), aws.ToString(out.ChecksumCRC64NVME))
		}
	})
	t.Run("FULL_OBJECT CRC32C", func(t *testing.T) {
		done, _ := upload("full32c", types.ChecksumAlgorithmCrc32c, types.ChecksumTypeFullObject)
		var want [4]byte
		binary.BigEndian.PutUint32(want[:], crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
		if aws.ToString(done.ChecksumCRC32C) != b64(want[:]) {
			t.Fatalf("Complete: %q, want %q", aws.ToString(done.ChecksumCRC32C), b64(want[:]))
		}
	})
	t.Run("refusals", func(t *testing.T) {
		_, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpsum"), Key: aws.String("x"),
			ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumType: types.ChecksumTypeFullObject})
		clustertest.WantCode(t, err, "InvalidRequest")
		cr, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpsum"), Key: aws.String("x"),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc64nvme})
		if err != nil {
			t.Fatal(err)
		}
		// The client's default CRC32 is not the upload's algorithm.
		_, err = c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpsum"), Key: aws.String("x"), UploadId: cr.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader(chunks[2]), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		clustertest.WantCode(t, err, "InvalidRequest")
		up, err := c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpsum"), Key: aws.String("x"), UploadId: cr.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader(chunks[2]), ChecksumAlgorithm: types.ChecksumAlgorithmCrc64nvme})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpsum"), Key: aws.String("x"), UploadId: cr.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: up.ETag, ChecksumCRC64NVME: aws.String("AAAAAAAAAAA=")}}}})
		clustertest.WantCode(t, err, "InvalidPart")
	})
	t.Run("UploadPartCopy computes the part checksum", func(t *testing.T) {
		mustPut(t, c, "mpsum", "src", chunks[2], nil)
		cr, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpsum"), Key: aws.String("copied"),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		if err != nil {
			t.Fatal(err)
		}
		cp, err := c.UploadPartCopy(ctx(), &s3.UploadPartCopyInput{Bucket: aws.String("mpsum"), Key: aws.String("copied"), UploadId: cr.UploadId,
			PartNumber: aws.Int32(1), CopySource: aws.String("mpsum/src")})
		if err != nil {
			t.Fatal(err)
		}
		var want [4]byte
		binary.BigEndian.PutUint32(want[:], crc32.ChecksumIEEE(chunks[2]))
		if aws.ToString(cp.CopyPartResult.ChecksumCRC32) != b64(want[:]) {
			t.Fatalf("UploadPartCopy checksum %q, want %q", aws.ToString(cp.CopyPartResult.ChecksumCRC32), b64(want[:]))
		}
	})
}
