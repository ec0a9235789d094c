package node

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"hash/crc32"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestS3Checksums: the checksum a default SDK client sends with a PUT (a CRC32 trailer) is
// checked, kept, returned with the PUT and with GET/HEAD in checksum mode (and then verified by
// the SDK), never with a range; a checksum header is checked too, and a wrong one stores
// nothing; a copy keeps its source's checksum.
func TestS3Checksums(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "sums")
	body := payload(200<<10+7, "MARKER-sum ")
	crc := func(b []byte) string {
		var s [4]byte
		v := crc32.ChecksumIEEE(b)
		s[0], s[1], s[2], s[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
		return base64.StdEncoding.EncodeToString(s[:])
	}

	put := mustPut(t, c, "sums", "trailer", body, func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAwsKms })
	if aws.ToString(put.ChecksumCRC32) != crc(body) || put.ChecksumType != types.ChecksumTypeFullObject {
		t.Fatalf("PUT response checksum %q type %q, want %q FULL_OBJECT", aws.ToString(put.ChecksumCRC32), put.ChecksumType, crc(body))
	}
	got, out := mustGet(t, c, "sums", "trailer", func(in *s3.GetObjectInput) { in.ChecksumMode = types.ChecksumModeEnabled })
	if !bytes.Equal(got, body) || aws.ToString(out.ChecksumCRC32) != crc(body) || out.ChecksumType != types.ChecksumTypeFullObject {
		t.Fatalf("GET in checksum mode: %d bytes, checksum %q type %q", len(got), aws.ToString(out.ChecksumCRC32), out.ChecksumType)
	}
	_, out = mustGet(t, c, "sums", "trailer", func(in *s3.GetObjectInput) {
		in.ChecksumMode, in.Range = types.ChecksumModeEnabled, aws.String("bytes=10-99")
	})
	if out.ChecksumCRC32 != nil {
		t.Fatalf("ranged GET returned the whole object's checksum %q", *out.ChecksumCRC32)
	}
	head, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("sums"), Key: aws.String("trailer"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || aws.ToString(head.ChecksumCRC32) != crc(body) {
		t.Fatalf("HEAD in checksum mode: %v, checksum %q", err, aws.ToString(head.ChecksumCRC32))
	}

	// A checksum the caller computed travels as a header.
	sum := sha256.Sum256(body)
	good := base64.StdEncoding.EncodeToString(sum[:])
	put = mustPut(t, c, "sums", "header", body, func(in *s3.PutObjectInput) { in.ChecksumSHA256 = aws.String(good) })
	if aws.ToString(put.ChecksumSHA256) != good {
		t.Fatalf("PUT with a SHA-256 header: response checksum %q", aws.ToString(put.ChecksumSHA256))
	}
	_, out = mustGet(t, c, "sums", "header", func(in *s3.GetObjectInput) { in.ChecksumMode = types.ChecksumModeEnabled })
	if aws.ToString(out.ChecksumSHA256) != good {
		t.Fatalf("GET: SHA-256 checksum %q, want %q", aws.ToString(out.ChecksumSHA256), good)
	}
	sum[0] ^= 1
	_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String("bad"), Body: bytes.NewReader(body),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum[:]))})
	clustertest.WantCode(t, err, "BadDigest")
	_, err = c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("sums"), Key: aws.String("bad")})
	clustertest.WantCode(t, err, "NotFound")
	_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String("bad"), Body: bytes.NewReader(body),
		ChecksumSHA256: aws.String("bm90IGEgc2hhMjU2")})
	clustertest.WantCode(t, err, "InvalidRequest")

	// CopyObject re-encrypts the same bytes: the checksum carries over.
	if _, err := c.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("sums"), Key: aws.String("copy"), CopySource: aws.String("sums/trailer"),
		ServerSideEncryption: types.ServerSideEncryptionAes256}); err != nil {
		t.Fatal(err)
	}
	_, out = mustGet(t, c, "sums", "copy", func(in *s3.GetObjectInput) { in.ChecksumMode = types.ChecksumModeEnabled })
	if aws.ToString(out.ChecksumCRC32) != crc(body) {
		t.Fatalf("copy: checksum %q, want %q", aws.ToString(out.ChecksumCRC32), crc(body))
	}
}
