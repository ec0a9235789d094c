package node

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3ConformancePresignedPut: a presigned PUT (whose query holds only X-Amz-* authentication
// and x-id) is PutObject, with or without a hoisted canned ACL the bucket allows.
func TestS3ConformancePresignedPut(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "pre")
	pc := s3.NewPresignClient(c)
	for _, tc := range []struct {
		key string
		acl types.ObjectCannedACL
	}{{"plain", ""}, {"private", types.ObjectCannedACLPrivate}} {
		req, err := pc.PresignPutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("pre"), Key: aws.String(tc.key), ACL: tc.acl})
		if err != nil {
			t.Fatal(err)
		}
		hr, _ := http.NewRequest(http.MethodPut, req.URL, strings.NewReader("presigned body"))
		for k, vs := range req.SignedHeader {
			if k != "Host" {
				hr.Header[k] = vs
			}
		}
		status, _, body := doRaw(t, hr)
		if status != http.StatusOK {
			t.Fatalf("presigned PUT %s: %d %s", tc.key, status, body)
		}
		if b, _ := mustGet(t, c, "pre", tc.key, nil); string(b) != "presigned body" {
			t.Fatalf("presigned PUT stored %q", b)
		}
	}
	// A presigned URL as boto3 makes it, without the Go SDK's x-id.
	hr, _ := http.NewRequest(http.MethodPut, tn.url+"/pre/boto-style?X-Amz-Expires=300", nil)
	signed, _, err := v4.NewSigner().PresignHTTP(ctx(), aws.Credentials{AccessKeyID: tn.akid, SecretAccessKey: tn.secret}, hr,
		"UNSIGNED-PAYLOAD", "s3", tn.cfg.Region, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hr, _ = http.NewRequest(http.MethodPut, signed, strings.NewReader("boto body"))
	if status, _, body := doRaw(t, hr); status != http.StatusOK {
		t.Fatalf("presigned PUT without x-id: %d %s", status, body)
	}
	if b, _ := mustGet(t, c, "pre", "boto-style", nil); string(b) != "boto body" {
		t.Fatalf("presigned PUT stored %q", b)
	}
	// A presigned URL that names a public ACL is refused like the header.
	req, err := pc.PresignPutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("pre"), Key: aws.String("pub"), ACL: types.ObjectCannedACLPublicRead})
	if err != nil {
		t.Fatal(err)
	}
	hr, _ = http.NewRequest(http.MethodPut, req.URL, strings.NewReader("x"))
	for k, vs := range req.SignedHeader {
		if k != "Host" {
			hr.Header[k] = vs
		}
	}
	status, _, body := doRaw(t, hr)
	wantRaw(t, "presigned public-read PUT", status, body, 400, "AccessControlListNotSupported")
}

// TestS3ConformanceSigV2Refused: Signature Version 2, as header or presigned query, gets S3's
// answer for it (400 InvalidRequest, "Please use AWS4-HMAC-SHA256"), not "missing token".
func TestS3ConformanceSigV2Refused(t *testing.T) {
	tn := newTestNode(t)
	mustCreateBucket(t, tn.s3Client(true), "sigv2")
	const want = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
	req, _ := http.NewRequest(http.MethodGet, tn.url+"/sigv2/obj", nil)
	req.Header.Set("Authorization", "AWS "+tn.akid+":bm90LWEtcmVhbC1zaWduYXR1cmU=")
	req.Header.Set("Date", "Mon, 07 Dec 2026 04:00:00 GMT")
	status, _, body := doRaw(t, req)
	wantRaw(t, "SigV2 header", status, body, 400, "InvalidRequest")
	if _, msg := s3ErrorCode(body); msg != want {
		t.Fatalf("message %q", msg)
	}
	req, _ = http.NewRequest(http.MethodGet, tn.url+"/sigv2/obj?AWSAccessKeyId="+tn.akid+"&Expires=1893456000&Signature=bm90LXJlYWw%3D", nil)
	status, _, body = doRaw(t, req)
	wantRaw(t, "SigV2 presigned URL", status, body, 400, "InvalidRequest")
	if _, msg := s3ErrorCode(body); msg != want {
		t.Fatalf("message %q", msg)
	}
}

// TestS3ConformanceValidation: bucket names with ".-" or "-." are InvalidBucketName, an empty
// Content-MD5 is InvalidDigest, and Content-Encoding comes back as sent.
func TestS3ConformanceValidation(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	for _, name := range []string{"foo.-bar", "foo-.bar"} {
		_, err := c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(name)})
		wantAPIError(t, err, "InvalidBucketName", 400)
	}
	mustCreateBucket(t, c, "valid")
	status, _, body := tn.s3Raw(t, http.MethodPut, "/valid/md5", http.Header{"Content-Md5": {""}}, []byte("body"))
	wantRaw(t, "empty Content-MD5", status, body, 400, "InvalidDigest")
	mustPut(t, c, "valid", "enc", []byte("x"), func(in *s3.PutObjectInput) { in.ContentEncoding = aws.String("deflate, gzip") })
	head, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("valid"), Key: aws.String("enc")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(head.ContentEncoding); got != "deflate, gzip" {
		t.Fatalf("Content-Encoding %q, want as sent", got)
	}
}

// TestS3ConformanceACLsRefused: every keyhold bucket is BucketOwnerEnforced, so ACLs that grant
// anything beyond the owner's full control are refused as S3 refuses them, never dropped.
func TestS3ConformanceACLsRefused(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	_, err := c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("pub"), ACL: types.BucketCannedACLPublicRead})
	wantAPIError(t, err, "InvalidBucketAclWithObjectOwnership", 400)
	if _, err := c.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("pub")}); err == nil {
		t.Fatal("bucket created despite the refused ACL")
	}
	if _, err := c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("acl"), ACL: types.BucketCannedACLPrivate}); err != nil {
		t.Fatalf("CreateBucket with the private ACL: %v", err)
	}
	put := func(key string, mod func(*s3.PutObjectInput)) error {
		in := &s3.PutObjectInput{Bucket: aws.String("acl"), Key: aws.String(key), Body: bytes.NewReader([]byte("x"))}
		mod(in)
		_, err := c.PutObject(ctx(), in)
		return err
	}
	wantAPIError(t, put("a", func(in *s3.PutObjectInput) { in.ACL = types.ObjectCannedACLPublicRead }), "AccessControlListNotSupported", 400)
	wantAPIError(t, put("b", func(in *s3.PutObjectInput) {
		in.GrantRead = aws.String(`uri="http://acs.amazonaws.com/groups/global/AllUsers"`)
	}), "AccessControlListNotSupported", 400)
	if err := put("c", func(in *s3.PutObjectInput) { in.ACL = types.ObjectCannedACLBucketOwnerFullControl }); err != nil {
		t.Fatalf("bucket-owner-full-control: %v", err)
	}
	_, err = c.PutObjectAcl(ctx(), &s3.PutObjectAclInput{Bucket: aws.String("acl"), Key: aws.String("c"), ACL: types.ObjectCannedACLPublicRead})
	wantAPIError(t, err, "AccessControlListNotSupported", 400)
	_, err = c.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: aws.String("acl"), ACL: types.BucketCannedACLPublicReadWrite})
	wantAPIError(t, err, "AccessControlListNotSupported", 400)
	if _, err := c.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: aws.String("acl"), ACL: types.BucketCannedACLPrivate}); err != nil {
		t.Fatalf("PutBucketAcl private: %v", err)
	}
	_, err = c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("acl"), Key: aws.String("m"), GrantFullControl: aws.String(`id="someone-else"`)})
	wantAPIError(t, err, "AccessControlListNotSupported", 400)
	for _, k := range []string{"a", "b"} {
		if _, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("acl"), Key: aws.String(k)}); err == nil {
			t.Fatalf("object %s written despite the refused ACL", k)
		}
	}
}
