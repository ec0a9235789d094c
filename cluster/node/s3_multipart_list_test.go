package node

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestS3ListMultipartUploadsPaging: uploads come in key order, then upload id, page with
// key-marker/upload-id-marker at any page size without repeats or gaps, filter by prefix, roll
// up under a delimiter, and leave the list when aborted; another bucket's uploads never show.
func TestS3ListMultipartUploadsPaging(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "lmu")
	mustCreateBucket(t, c, "lmu-other")
	create := func(bucket, key string) string {
		out, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		return key + "|" + *out.UploadId
	}
	var want []string
	for _, k := range []string{"c", "a", "b/2", "ab", "a", "b/1", "a/x"} {
		want = append(want, create("lmu", k))
	}
	create("lmu-other", "a")
	// S3's order: by key (bytewise), then by upload id.
	slices.SortFunc(want, func(a, b string) int {
		ka, ia, _ := strings.Cut(a, "|")
		kb, ib, _ := strings.Cut(b, "|")
		if c := strings.Compare(ka, kb); c != 0 {
			return c
		}
		return strings.Compare(ia, ib)
	})
	list := func(in *s3.ListMultipartUploadsInput) (got, prefixes []string) {
		t.Helper()
		in.Bucket = aws.String("lmu")
		for page := 0; ; page++ {
			out, err := c.ListMultipartUploads(ctx(), in)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range out.Uploads {
				got = append(got, *u.Key+"|"+*u.UploadId)
			}
			for _, p := range out.CommonPrefixes {
				prefixes = append(prefixes, *p.Prefix)
			}
			if !aws.ToBool(out.IsTruncated) {
				return got, prefixes
			}
			if page > 20 {
				t.Fatal("paging does not end")
			}
			in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
		}
	}
	for _, size := range []int32{1, 2, 3, 1000} {
		got, _ := list(&s3.ListMultipartUploadsInput{MaxUploads: aws.Int32(size)})
		if !slices.Equal(got, want) {
			t.Fatalf("max-uploads %d: got %q, want %q", size, got, want)
		}
	}
	got, _ := list(&s3.ListMultipartUploadsInput{Prefix: aws.String("b/")})
	if len(got) != 2 || !strings.HasPrefix(got[0], "b/1|") || !strings.HasPrefix(got[1], "b/2|") {
		t.Fatalf("prefix b/: got %q", got)
	}
	for _, size := range []int32{1, 2, 1000} {
		got, prefixes := list(&s3.ListMultipartUploadsInput{Delimiter: aws.String("/"), MaxUploads: aws.Int32(size)})
		var keys []string
		for _, g := range got {
			keys = append(keys, strings.Split(g, "|")[0])
		}
		if !slices.Equal(keys, []string{"a", "a", "ab", "c"}) || !slices.Equal(prefixes, []string{"a/", "b/"}) {
			t.Fatalf("delimiter /, max-uploads %d: got %q and prefixes %q", size, keys, prefixes)
		}
	}
	// From a key marker alone: only later keys.
	out, err := c.ListMultipartUploads(ctx(), &s3.ListMultipartUploadsInput{Bucket: aws.String("lmu"), KeyMarker: aws.String("ab")})
	if err != nil || len(out.Uploads) != 3 || *out.Uploads[0].Key != "b/1" {
		t.Fatalf("key-marker ab: got %v, %v", out, err)
	}
	first := strings.Split(want[0], "|")
	if _, err := c.AbortMultipartUpload(ctx(), &s3.AbortMultipartUploadInput{Bucket: aws.String("lmu"), Key: aws.String(first[0]), UploadId: aws.String(first[1])}); err != nil {
		t.Fatal(err)
	}
	if got, _ := list(&s3.ListMultipartUploadsInput{}); !slices.Equal(got, want[1:]) {
		t.Fatalf("after abort: got %q, want %q", got, want[1:])
	}
	// Deleting the bucket aborts its uploads: a new bucket of the same name has none.
	if _, err := c.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("lmu")}); err != nil {
		t.Fatal(err)
	}
	mustCreateBucket(t, c, "lmu")
	if got, _ := list(&s3.ListMultipartUploadsInput{}); len(got) != 0 {
		t.Fatalf("a re-created bucket lists its predecessor's uploads: %q", got)
	}
}
