package s3_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/keyhold/keyhold/api"
	"github.com/keyhold/keyhold/api/objstore"
	"github.com/keyhold/keyhold/domain/domaintest"
)

// These tests drive the real S3 handlers, behind the real root api pipeline, over an httptest
// TLS server (SSE-C needs TLS, as in S3) backed by a real objstore.Dir, with the AWS SDK for Go
// v2 signing real SigV4 (aws-chunked bodies and trailing checksums included, as the SDK sends
// them). The key service is a real domain.Service over an in-memory state (domain/domaintest).

type env struct {
	c   *awss3.Client
	h   *domaintest.Harness
	url string
	hc  *http.Client
}

func newS3(t *testing.T, mod func(*api.Options)) *env {
	t.Helper()
	h := domaintest.New(t, domaintest.Options{})
	store, err := objstore.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o := api.Options{Service: h.Service, Region: "us-east-1", Logger: slog.New(slog.DiscardHandler), ObjectStore: store}
	if mod != nil {
		mod(&o)
	}
	srv := httptest.NewTLSServer(api.NewServer(o).APIHandler())
	t.Cleanup(srv.Close)
	akid, secret := h.Principal(t, "root", true)
	return &env{c: client(srv, akid, secret), h: h, url: srv.URL, hc: srv.Client()}
}

func client(srv *httptest.Server, akid, secret string) *awss3.Client {
	return awss3.New(awss3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		HTTPClient:   srv.Client(),
		Retryer:      aws.NopRetryer{},
	})
}

// code is the AWS error code of err, or "" for nil.
func code(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return err.Error()
}

// must returns v, or fails the test by panicking with err: Go cannot pass a call's two
// results and a *testing.T together, and the panic's stack names the failing line.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func body(t *testing.T, out *awss3.GetObjectOutput) []byte {
	t.Helper()
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBucketsAndObjects(t *testing.T) {
	e := newS3(t, nil)
	ctx := context.Background()
	must(e.c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("bk1")}))
	if _, err := e.c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("bk1")}); code(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("second CreateBucket: %v", err)
	}
	if _, err := e.c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("Bad_Name")}); code(err) != "InvalidBucketName" {
		t.Fatalf("CreateBucket with a bad name: %v", err)
	}
	must(e.c.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String("bk1")}))
	loc := must(e.c.GetBucketLocation(ctx, &awss3.GetBucketLocationInput{Bucket: aws.String("bk1")}))
	_ = loc
	lb := must(e.c.ListBuckets(ctx, &awss3.ListBucketsInput{}))
	if len(lb.Buckets) != 1 || *lb.Buckets[0].Name != "bk1" {
		t.Fatalf("ListBuckets: %+v", lb.Buckets)
	}

	data := bytes.Repeat([]byte("0123456789"), 1000)
	put := must(e.c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bk1"), Key: aws.String("dir/a.txt"),
		Body: bytes.NewReader(data), ContentType: aws.String("text/plain"), Metadata: map[string]string{"k": "v"}}))
	if put.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("PutObject: SSE %q, want AES256 (SSE-S3 by default)", put.ServerSideEncryption)
	}
	got := must(e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("dir/a.txt")}))
	if b := body(t, got); !bytes.Equal(b, data) || got.Metadata["k"] != "v" || *got.ContentType != "text/plain" {
		t.Fatalf("GetObject: %d bytes, metadata %v", len(b), got.Metadata)
	}
	rng := must(e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("dir/a.txt"), Range: aws.String("bytes=5-14")}))
	if b := body(t, rng); string(b) != "5678901234" {
		t.Fatalf("ranged GetObject: %q", b)
	}
	if _, err := e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("dir/a.txt"), Range: aws.String("bytes=20000-")}); code(err) != "InvalidRange" {
		t.Fatalf("unsatisfiable range: %v", err)
	}
	head := must(e.c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("bk1"), Key: aws.String("dir/a.txt")}))
	if *head.ContentLength != int64(len(data)) {
		t.Fatalf("HeadObject: length %d", *head.ContentLength)
	}
	if _, err := e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("nope")}); code(err) != "NoSuchKey" {
		t.Fatalf("GetObject of a missing key: %v", err)
	}
	if _, err := e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("x")}); code(err) != "NoSuchBucket" {
		t.Fatalf("GetObject in a missing bucket: %v", err)
	}
	// Conditional reads.
	if _, err := e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("dir/a.txt"), IfNoneMatch: head.ETag}); code(err) != "NotModified" {
		t.Fatalf("If-None-Match with the ETag: %v", err)
	}
	if _, err := e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("dir/a.txt"), IfMatch: aws.String(`"x"`)}); code(err) != "PreconditionFailed" {
		t.Fatalf("If-Match with another ETag: %v", err)
	}
	// Conditional writes: If-None-Match: * refuses to overwrite.
	if _, err := e.c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bk1"), Key: aws.String("dir/a.txt"), Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")}); code(err) != "PreconditionFailed" {
		t.Fatalf("PutObject If-None-Match *: %v", err)
	}
	must(e.c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bk1"), Key: aws.String("dir/a.txt"), Body: bytes.NewReader(data), IfMatch: head.ETag}))

	cp := must(e.c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String("bk1"), Key: aws.String("copy.txt"), CopySource: aws.String("bk1/dir/a.txt")}))
	if cp.CopyObjectResult == nil {
		t.Fatal("CopyObject: no result")
	}
	if b := body(t, must(e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("bk1"), Key: aws.String("copy.txt")}))); !bytes.Equal(b, data) {
		t.Fatal("copied object differs")
	}
	attrs := must(e.c.GetObjectAttributes(ctx, &awss3.GetObjectAttributesInput{Bucket: aws.String("bk1"), Key: aws.String("copy.txt"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesObjectSize, types.ObjectAttributesStorageClass}}))
	if *attrs.ObjectSize != int64(len(data)) {
		t.Fatalf("GetObjectAttributes: size %d", *attrs.ObjectSize)
	}

	for _, k := range []string{"dir/b.txt", "dir/sub/c.txt", "top.txt", "a b+c.txt"} {
		must(e.c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bk1"), Key: aws.String(k), Body: strings.NewReader(k)}))
	}
	l2 := must(e.c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("bk1"), Prefix: aws.String("dir/"), Delimiter: aws.String("/")}))
	if len(l2.Contents) != 2 || len(l2.CommonPrefixes) != 1 {
		t.Fatalf("ListObjectsV2: %d objects, %d prefixes", len(l2.Contents), len(l2.CommonPrefixes))
	}
	page := must(e.c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("bk1"), MaxKeys: aws.Int32(2), EncodingType: types.EncodingTypeUrl}))
	if !*page.IsTruncated {
		t.Fatal("ListObjectsV2 with MaxKeys 2 not truncated")
	}
	page = must(e.c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("bk1"), ContinuationToken: page.NextContinuationToken, StartAfter: aws.String("a")}))
	if len(page.Contents) == 0 {
		t.Fatal("ListObjectsV2 second page empty")
	}
	l1 := must(e.c.ListObjects(ctx, &awss3.ListObjectsInput{Bucket: aws.String("bk1"), Marker: aws.String("dir/"), MaxKeys: aws.Int32(3)}))
	if len(l1.Contents) != 3 {
		t.Fatalf("ListObjects: %d", len(l1.Contents))
	}
	lv := must(e.c.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("bk1"), Prefix: aws.String("dir/"), Delimiter: aws.String("/")}))
	if len(lv.Versions) != 2 {
		t.Fatalf("ListObjectVersions: %d", len(lv.Versions))
	}

	del := must(e.c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("bk1"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("dir/b.txt")}, {Key: aws.String("missing")}}}}))
	if len(del.Deleted) != 2 {
		t.Fatalf("DeleteObjects: %+v", del)
	}
	if _, err := e.c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String("bk1")}); code(err) != "BucketNotEmpty" {
		t.Fatalf("DeleteBucket of a non-empty bucket: %v", err)
	}
	for _, k := range []string{"dir/a.txt", "copy.txt", "dir/sub/c.txt", "top.txt", "a b+c.txt"} {
		must(e.c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bk1"), Key: aws.String(k)}))
	}
	must(e.c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String("bk1")}))
}

func TestServerSideEncryption(t *testing.T) {
	e := newS3(t, nil)
	ctx := context.Background()
	must(e.c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("enc")}))

	// SSE-KMS with the bucket's S3 Bucket Key.
	kp := must(e.c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("kms"), Body: strings.NewReader("kms data"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms, BucketKeyEnabled: aws.Bool(true),
		SSEKMSEncryptionContext: aws.String(base64.StdEncoding.EncodeToString([]byte(`{"app":"x"}`)))}))
	if kp.ServerSideEncryption != types.ServerSideEncryptionAwsKms || kp.SSEKMSKeyId == nil {
		t.Fatalf("SSE-KMS PutObject: %+v", kp)
	}
	kg := must(e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("kms")}))
	if b := body(t, kg); string(b) != "kms data" || kg.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Fatalf("SSE-KMS GetObject: %q %s", b, kg.ServerSideEncryption)
	}
	if _, err := e.c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("bad"), Body: strings.NewReader("x"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("alias/does-not-exist")}); code(err) != "KMS.NotFoundException" {
		t.Fatalf("SSE-KMS with a missing key: %v", err)
	}

	// SSE-C: the key is the caller's; a GET without it or with another one is refused.
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sum := md5.Sum(key)
	k64, m64 := base64.StdEncoding.EncodeToString(key), base64.StdEncoding.EncodeToString(sum[:])
	must(e.c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("ssec"), Body: strings.NewReader("customer data"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k64), SSECustomerKeyMD5: aws.String(m64)}))
	cg := must(e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("ssec"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k64), SSECustomerKeyMD5: aws.String(m64)}))
	if b := body(t, cg); string(b) != "customer data" {
		t.Fatalf("SSE-C GetObject: %q", b)
	}
	if _, err := e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("ssec")}); err == nil {
		t.Fatal("SSE-C object read without its key")
	}
	other := make([]byte, 32)
	osum := md5.Sum(other)
	if _, err := e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("ssec"), SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey: aws.String(base64.StdEncoding.EncodeToString(other)), SSECustomerKeyMD5: aws.String(base64.StdEncoding.EncodeToString(osum[:]))}); code(err) != "AccessDenied" {
		t.Fatalf("SSE-C read with another key: %v", err)
	}

	// Bucket default encryption.
	if _, err := e.c.GetBucketEncryption(ctx, &awss3.GetBucketEncryptionInput{Bucket: aws.String("enc")}); err != nil && code(err) != "ServerSideEncryptionConfigurationNotFoundError" {
		t.Fatalf("GetBucketEncryption before any: %v", err)
	}
	must(e.c.PutBucketEncryption(ctx, &awss3.PutBucketEncryptionInput{Bucket: aws.String("enc"), ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms},
			BucketKeyEnabled: aws.Bool(true)}}}}))
	be := must(e.c.GetBucketEncryption(ctx, &awss3.GetBucketEncryptionInput{Bucket: aws.String("enc")}))
	if be.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAwsKms {
		t.Fatalf("GetBucketEncryption: %+v", be.ServerSideEncryptionConfiguration)
	}
	dp := must(e.c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("default"), Body: strings.NewReader("d")}))
	if dp.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Fatalf("PutObject under a KMS default: %s", dp.ServerSideEncryption)
	}
	// A copy re-encrypts under what the copy request asks.
	must(e.c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String("enc"), Key: aws.String("copy"), CopySource: aws.String("enc/kms"),
		ServerSideEncryption: types.ServerSideEncryptionAes256}))
	if b := body(t, must(e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("enc"), Key: aws.String("copy")}))); string(b) != "kms data" {
		t.Fatalf("copy: %q", b)
	}
	must(e.c.DeleteBucketEncryption(ctx, &awss3.DeleteBucketEncryptionInput{Bucket: aws.String("enc")}))
}

func TestMultipartUpload(t *testing.T) {
	e := newS3(t, nil)
	ctx := context.Background()
	must(e.c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("mpu")}))
	part1 := bytes.Repeat([]byte("a"), 5<<20)
	part2 := []byte("tail")

	for _, alg := range []types.ChecksumAlgorithm{"", types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmSha256} {
		key := "obj-" + string(alg)
		up := must(e.c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String(key), ChecksumAlgorithm: alg}))
		p1 := must(e.c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: up.UploadId, PartNumber: aws.Int32(1),
			Body: bytes.NewReader(part1), ChecksumAlgorithm: alg}))
		p2 := must(e.c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: up.UploadId, PartNumber: aws.Int32(2),
			Body: bytes.NewReader(part2), ChecksumAlgorithm: alg}))
		parts := must(e.c.ListParts(ctx, &awss3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: up.UploadId}))
		if len(parts.Parts) != 2 {
			t.Fatalf("%s: ListParts: %d", alg, len(parts.Parts))
		}
		ups := must(e.c.ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String("mpu")}))
		if len(ups.Uploads) != 1 {
			t.Fatalf("%s: ListMultipartUploads: %d", alg, len(ups.Uploads))
		}
		cps := []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32, ChecksumSHA256: p1.ChecksumSHA256},
			{PartNumber: aws.Int32(2), ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32, ChecksumSHA256: p2.ChecksumSHA256},
		}
		if _, err := e.c.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: up.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(`"bogus"`)}}}}); code(err) != "InvalidPart" {
			t.Fatalf("%s: Complete with a wrong ETag: %v", alg, err)
		}
		must(e.c.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: up.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: cps}}))
		got := body(t, must(e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String(key), PartNumber: aws.Int32(2)})))
		if string(got) != "tail" {
			t.Fatalf("%s: GetObject part 2: %q", alg, got)
		}
		whole := body(t, must(e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String(key), Range: aws.String("bytes=-6")})))
		if string(whole) != "aatail" {
			t.Fatalf("%s: tail of the object: %q", alg, whole)
		}
	}
	// UploadPartCopy, then abort.
	up := must(e.c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("copy")}))
	must(e.c.UploadPartCopy(ctx, &awss3.UploadPartCopyInput{Bucket: aws.String("mpu"), Key: aws.String("copy"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String("mpu/obj-"), CopySourceRange: aws.String("bytes=0-99")}))
	must(e.c.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("copy"), UploadId: up.UploadId}))
	if _, err := e.c.ListParts(ctx, &awss3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("copy"), UploadId: up.UploadId}); code(err) != "NoSuchUpload" {
		t.Fatalf("ListParts of an aborted upload: %v", err)
	}
}

func TestSubresourcesAndACLs(t *testing.T) {
	e := newS3(t, nil)
	ctx := context.Background()
	must(e.c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("sub")}))
	must(e.c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("sub"), Key: aws.String("o"), Body: strings.NewReader("x")}))
	// Configuration keyhold never holds reads as absent, as in S3.
	if _, err := e.c.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: aws.String("sub")}); code(err) != "NoSuchCORSConfiguration" {
		t.Errorf("GetBucketCors: %v", err)
	}
	if _, err := e.c.GetBucketPolicy(ctx, &awss3.GetBucketPolicyInput{Bucket: aws.String("sub")}); code(err) != "NoSuchBucketPolicy" {
		t.Errorf("GetBucketPolicy: %v", err)
	}
	if _, err := e.c.GetBucketTagging(ctx, &awss3.GetBucketTaggingInput{Bucket: aws.String("sub")}); code(err) != "NoSuchTagSet" {
		t.Errorf("GetBucketTagging: %v", err)
	}
	v := must(e.c.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: aws.String("sub")}))
	if v.Status != "" {
		t.Errorf("GetBucketVersioning: %q", v.Status)
	}
	must(e.c.DeleteBucketCors(ctx, &awss3.DeleteBucketCorsInput{Bucket: aws.String("sub")}))
	if _, err := e.c.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String("sub"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); code(err) != "NotImplemented" {
		t.Errorf("PutBucketVersioning: %v", err)
	}
	acl := must(e.c.GetBucketAcl(ctx, &awss3.GetBucketAclInput{Bucket: aws.String("sub")}))
	if len(acl.Grants) != 1 {
		t.Errorf("GetBucketAcl: %+v", acl.Grants)
	}
	must(e.c.GetObjectAcl(ctx, &awss3.GetObjectAclInput{Bucket: aws.String("sub"), Key: aws.String("o")}))
	must(e.c.PutObjectAcl(ctx, &awss3.PutObjectAclInput{Bucket: aws.String("sub"), Key: aws.String("o"), ACL: types.ObjectCannedACLPrivate}))
	if _, err := e.c.PutObjectAcl(ctx, &awss3.PutObjectAclInput{Bucket: aws.String("sub"), Key: aws.String("o"), ACL: types.ObjectCannedACLPublicRead}); code(err) != "AccessControlListNotSupported" {
		t.Errorf("PutObjectAcl public-read: %v", err)
	}
	tg := must(e.c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String("sub"), Key: aws.String("o")}))
	if len(tg.TagSet) != 0 {
		t.Errorf("GetObjectTagging: %+v", tg.TagSet)
	}
	must(e.c.DeleteObjectTagging(ctx, &awss3.DeleteObjectTaggingInput{Bucket: aws.String("sub"), Key: aws.String("o")}))
	if _, err := e.c.GetObjectRetention(ctx, &awss3.GetObjectRetentionInput{Bucket: aws.String("sub"), Key: aws.String("o")}); code(err) != "InvalidRequest" {
		t.Errorf("GetObjectRetention: %v", err)
	}
}

func TestPresignedURLs(t *testing.T) {
	e := newS3(t, nil)
	ctx := context.Background()
	must(e.c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("pre")}))
	ps := awss3.NewPresignClient(e.c)
	put := must(ps.PresignPutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("pre"), Key: aws.String("k")}, awss3.WithPresignExpires(time.Minute)))
	req, _ := http.NewRequest(put.Method, put.URL, strings.NewReader("presigned body"))
	for k, vs := range put.SignedHeader {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned PUT: %d", resp.StatusCode)
	}
	get := must(ps.PresignGetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("pre"), Key: aws.String("k")}))
	resp, err = e.hc.Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "presigned body" {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, b)
	}
	// Tampering with the signed URL fails the signature.
	resp, err = e.hc.Get(strings.Replace(get.URL, "/pre/k", "/pre/other", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("tampered presigned GET: %d", resp.StatusCode)
	}
	// Unsigned requests are refused.
	resp, err = e.hc.Get(e.url + "/pre/k")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("anonymous GET: %d", resp.StatusCode)
	}
}

func TestPlaintextObjectsAndNoStore(t *testing.T) {
	e := newS3(t, func(o *api.Options) { o.S3PlaintextObjects = true })
	ctx := context.Background()
	must(e.c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("plain")}))
	p := must(e.c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("k"), Body: strings.NewReader("clear")}))
	if p.ServerSideEncryption != "" {
		t.Fatalf("plaintext PutObject reports SSE %q", p.ServerSideEncryption)
	}
	if b := body(t, must(e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("k")}))); string(b) != "clear" {
		t.Fatalf("plaintext GetObject: %q", b)
	}

	n := newS3(t, func(o *api.Options) { o.ObjectStore = nil })
	if _, err := n.c.ListBuckets(ctx, &awss3.ListBucketsInput{}); code(err) != "NotImplemented" {
		t.Fatalf("S3 without a store: %v", err)
	}
}
