package node

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

func TestS3BucketsAndObjects(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)

	t.Run("CreateBucket", func(t *testing.T) {
		mustCreateBucket(t, c, "alpha")
		_, err := c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("alpha")})
		clustertest.WantCode(t, err, "BucketAlreadyOwnedByYou")
		_, err = c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")})
		clustertest.WantCode(t, err, "InvalidBucketName")
	})
	t.Run("ListBuckets", func(t *testing.T) {
		out, err := c.ListBuckets(ctx(), &s3.ListBucketsInput{})
		if err != nil || len(out.Buckets) != 1 || *out.Buckets[0].Name != "alpha" {
			t.Fatalf("got %+v, %v, want [alpha]", out, err)
		}
	})
	t.Run("HeadBucket", func(t *testing.T) {
		if _, err := c.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("alpha")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("nope")})
		clustertest.WantCode(t, err, "NotFound") // HEAD has no body: the SDK names the status
	})
	body := payload(3*65536+100, "MARKER-objects ")
	t.Run("PutObject", func(t *testing.T) {
		out := mustPut(t, c, "alpha", "dir/a.txt", body, func(in *s3.PutObjectInput) {
			in.Metadata = map[string]string{"colour": "blue"}
			in.ContentType = aws.String("text/plain")
		})
		if out.ServerSideEncryption != types.ServerSideEncryptionAes256 || out.ETag == nil {
			t.Fatalf("got sse %q etag %v, want AES256 (S3's default) and an ETag", out.ServerSideEncryption, out.ETag)
		}
		_, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("nope"), Key: aws.String("k"), Body: bytes.NewReader(nil)})
		clustertest.WantCode(t, err, "NoSuchBucket")
	})
	t.Run("GetObject", func(t *testing.T) {
		got, out := mustGet(t, c, "alpha", "dir/a.txt", nil)
		if !bytes.Equal(got, body) || out.Metadata["colour"] != "blue" || *out.ContentType != "text/plain" {
			t.Fatalf("got %d bytes, meta %v, type %v", len(got), out.Metadata, *out.ContentType)
		}
		_, _, err := getBytes(c, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("missing")})
		clustertest.WantCode(t, err, "NoSuchKey")
	})
	t.Run("GetObjectRange", func(t *testing.T) {
		n := int64(len(body))
		for _, r := range [][2]int64{{0, 0}, {65535, 65536}, {65536, 65536}, {65530, 131080}, {n - 1, n - 1}, {0, n - 1}, {100, n + 500}} {
			got, out := mustGet(t, c, "alpha", "dir/a.txt", func(in *s3.GetObjectInput) {
				in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", r[0], r[1]))
			})
			end := min(r[1]+1, n)
			if !bytes.Equal(got, body[r[0]:end]) || out.ContentRange == nil {
				t.Fatalf("range %v: got %d bytes, want %d", r, len(got), end-r[0])
			}
		}
		got, _ := mustGet(t, c, "alpha", "dir/a.txt", func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=-10") })
		if !bytes.Equal(got, body[n-10:]) {
			t.Fatalf("suffix range: got %q", got)
		}
		_, _, err := getBytes(c, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/a.txt"), Range: aws.String(fmt.Sprintf("bytes=%d-", n))})
		clustertest.WantCode(t, err, "InvalidRange")
	})
	t.Run("Conditions", func(t *testing.T) {
		head, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/a.txt")})
		if err != nil {
			t.Fatal(err)
		}
		if *head.ContentLength != int64(len(body)) || sseOf(head) != types.ServerSideEncryptionAes256 {
			t.Fatalf("head: got length %d sse %q", *head.ContentLength, sseOf(head))
		}
		if _, _, err := getBytes(c, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/a.txt"), IfMatch: head.ETag}); err != nil {
			t.Fatalf("If-Match own ETag: %v", err)
		}
		_, _, err = getBytes(c, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/a.txt"), IfMatch: aws.String(`"0000"`)})
		clustertest.WantCode(t, err, "PreconditionFailed")
		_, _, err = getBytes(c, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/a.txt"), IfNoneMatch: head.ETag})
		clustertest.WantCode(t, err, "NotModified")
		_, _, err = getBytes(c, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/a.txt"), IfModifiedSince: aws.Time(time.Now().Add(time.Hour))})
		clustertest.WantCode(t, err, "NotModified")
		_, _, err = getBytes(c, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/a.txt"), IfUnmodifiedSince: aws.Time(time.Now().Add(-time.Hour))})
		clustertest.WantCode(t, err, "PreconditionFailed")
	})
	t.Run("ListObjectsV2", func(t *testing.T) {
		for _, k := range []string{"dir/b.txt", "dir/sub/c.txt", "top.txt", "zz"} {
			mustPut(t, c, "alpha", k, []byte(k), nil)
		}
		out, err := c.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("alpha"), Prefix: aws.String("dir/"), Delimiter: aws.String("/")})
		if err != nil || len(out.Contents) != 2 || len(out.CommonPrefixes) != 1 || *out.CommonPrefixes[0].Prefix != "dir/sub/" {
			t.Fatalf("delimiter: got %+v, %v", out, err)
		}
		if *out.Contents[0].Size != int64(len(body)) {
			t.Fatalf("size: got %d, want plaintext size %d", *out.Contents[0].Size, len(body))
		}
		var keys []string
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("alpha"), MaxKeys: aws.Int32(2)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx())
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Contents {
				keys = append(keys, *o.Key)
			}
		}
		if fmt.Sprint(keys) != "[dir/a.txt dir/b.txt dir/sub/c.txt top.txt zz]" {
			t.Fatalf("paginated: got %v", keys)
		}
		out, err = c.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("alpha"), StartAfter: aws.String("top.txt")})
		if err != nil || len(out.Contents) != 1 || *out.Contents[0].Key != "zz" {
			t.Fatalf("start-after: got %+v, %v", out, err)
		}
	})
	t.Run("VirtualHost", func(t *testing.T) {
		vc := tn.s3Client(false)
		got, _ := mustGet(t, vc, "alpha", "top.txt", nil)
		if string(got) != "top.txt" {
			t.Fatalf("got %q", got)
		}
		mustPut(t, vc, "alpha", "vhost.txt", []byte("via vhost"), nil)
		got, _ = mustGet(t, c, "alpha", "vhost.txt", nil)
		if string(got) != "via vhost" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("Presigned", func(t *testing.T) {
		req, err := s3.NewPresignClient(c).PresignGetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("top.txt")})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(req.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "top.txt" {
			t.Fatalf("got %d %q", resp.StatusCode, b)
		}
	})
	t.Run("BadSignature", func(t *testing.T) {
		other := s3.New(s3.Options{Region: tn.cfg.Region, BaseEndpoint: aws.String(tn.url), UsePathStyle: true, Credentials: aws.CredentialsProviderFunc(func(ctx2 ctxT) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: tn.akid, SecretAccessKey: "wrong"}, nil
		})})
		_, err := other.ListBuckets(ctx(), &s3.ListBucketsInput{})
		clustertest.WantCode(t, err, "SignatureDoesNotMatch")
		unknown := s3.New(s3.Options{Region: tn.cfg.Region, BaseEndpoint: aws.String(tn.url), UsePathStyle: true, Credentials: aws.CredentialsProviderFunc(func(ctx2 ctxT) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIAUNKNOWN000000000", SecretAccessKey: "x"}, nil
		})})
		_, err = unknown.ListBuckets(ctx(), &s3.ListBucketsInput{})
		clustertest.WantCode(t, err, "InvalidAccessKeyId")
	})
	t.Run("DeleteObjects", func(t *testing.T) {
		if _, err := c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("alpha"), Key: aws.String("zz")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("alpha")})
		clustertest.WantCode(t, err, "BucketNotEmpty")
		out, err := c.DeleteObjects(ctx(), &s3.DeleteObjectsInput{Bucket: aws.String("alpha"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
			{Key: aws.String("dir/a.txt")}, {Key: aws.String("dir/b.txt")}, {Key: aws.String("dir/sub/c.txt")}, {Key: aws.String("top.txt")}, {Key: aws.String("vhost.txt")},
		}}})
		if err != nil || len(out.Deleted) != 5 {
			t.Fatalf("got %+v, %v", out, err)
		}
		if _, err := c.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("alpha")}); err != nil {
			t.Fatal(err)
		}
		_, err = c.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("alpha")})
		clustertest.WantCode(t, err, "NotFound")
	})
}
