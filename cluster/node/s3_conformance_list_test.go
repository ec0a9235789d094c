package node

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3ConformanceListings: encoding-type=url, IsTruncated when a page ends on a common prefix,
// paging from a marker that is a common prefix, Owner (v1 always, v2 with fetch-owner), an empty
// continuation-token echoed, and ListBuckets' prefix / max-buckets / continuation-token.
func TestS3ConformanceListings(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "lst")
	for _, k := range []string{"asdf", "asdf+b", "boo/bar", "boo/baz/xyzzy", "cquux/thud", "cquux/bla", "with space"} {
		mustPut(t, c, "lst", k, []byte("x"), nil)
	}

	t.Run("EncodingType", func(t *testing.T) {
		out, err := c.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst"), EncodingType: types.EncodingTypeUrl, Prefix: aws.String("asdf+")})
		if err != nil {
			t.Fatal(err)
		}
		if out.EncodingType != types.EncodingTypeUrl || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "asdf%2Bb" || aws.ToString(out.Prefix) != "asdf%2B" {
			t.Fatalf("encoding-type=url: %s %+v prefix %q", out.EncodingType, out.Contents, aws.ToString(out.Prefix))
		}
		v1, err := c.ListObjects(ctx(), &s3.ListObjectsInput{Bucket: aws.String("lst"), EncodingType: types.EncodingTypeUrl, Prefix: aws.String("with")})
		if err != nil || len(v1.Contents) != 1 || aws.ToString(v1.Contents[0].Key) != "with%20space" {
			t.Fatalf("v1 encoding-type=url: %+v %v", v1, err)
		}
		vs, err := c.ListObjectVersions(ctx(), &s3.ListObjectVersionsInput{Bucket: aws.String("lst"), EncodingType: types.EncodingTypeUrl, Prefix: aws.String("asdf+")})
		if err != nil || len(vs.Versions) != 1 || aws.ToString(vs.Versions[0].Key) != "asdf%2Bb" {
			t.Fatalf("ListObjectVersions encoding-type=url: %+v %v", vs, err)
		}
		status, _, body := tn.s3Raw(t, http.MethodGet, "/lst?list-type=2&encoding-type=base64", nil, nil)
		wantRaw(t, "encoding-type=base64", status, body, 400, "InvalidArgument")
	})

	t.Run("DelimiterPaging", func(t *testing.T) {
		// v1: one entry a page; the last page, ending on a common prefix, is not truncated.
		var got []string
		marker := ""
		for page := 0; ; page++ {
			out, err := c.ListObjects(ctx(), &s3.ListObjectsInput{Bucket: aws.String("lst"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1), Marker: aws.String(marker)})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range out.Contents {
				got = append(got, aws.ToString(o.Key))
			}
			for _, p := range out.CommonPrefixes {
				got = append(got, aws.ToString(p.Prefix))
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			if page > 10 {
				t.Fatalf("listing does not end: %v", got)
			}
			marker = aws.ToString(out.NextMarker)
		}
		if want := "asdf asdf+b boo/ cquux/ with space"; strings.Join(got, " ") != want {
			t.Fatalf("v1 pages: %q, want %q", strings.Join(got, " "), want)
		}
		// v2 with a prefix: the page filled by the last common prefix is the last page.
		out, err := c.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst"), Delimiter: aws.String("/"), Prefix: aws.String("boo/"), MaxKeys: aws.Int32(2)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToBool(out.IsTruncated) || len(out.Contents) != 1 || len(out.CommonPrefixes) != 1 {
			t.Fatalf("v2 prefix page: truncated %v, %d keys, %d prefixes", aws.ToBool(out.IsTruncated), len(out.Contents), len(out.CommonPrefixes))
		}
		out, err = c.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1), StartAfter: aws.String("asdf+b")})
		if err != nil || !aws.ToBool(out.IsTruncated) || len(out.CommonPrefixes) != 1 {
			t.Fatalf("v2 page 1: %+v %v", out, err)
		}
		next, err := c.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1), ContinuationToken: out.NextContinuationToken})
		if err != nil || len(next.CommonPrefixes) != 1 || aws.ToString(next.CommonPrefixes[0].Prefix) != "cquux/" {
			t.Fatalf("v2 page after a common prefix: %+v %v", next, err)
		}
	})

	t.Run("Owner", func(t *testing.T) {
		v1, err := c.ListObjects(ctx(), &s3.ListObjectsInput{Bucket: aws.String("lst")})
		if err != nil || v1.Contents[0].Owner == nil || aws.ToString(v1.Contents[0].Owner.ID) == "" {
			t.Fatalf("v1 without Owner: %v", err)
		}
		v2, err := c.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst")})
		if err != nil || v2.Contents[0].Owner != nil {
			t.Fatalf("v2 without fetch-owner has an Owner: %v", err)
		}
		v2, err = c.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst"), FetchOwner: aws.Bool(true)})
		if err != nil || v2.Contents[0].Owner == nil || aws.ToString(v2.Contents[0].Owner.ID) == "" {
			t.Fatalf("v2 fetch-owner without Owner: %v", err)
		}
	})

	t.Run("EmptyContinuationToken", func(t *testing.T) {
		status, _, body := tn.s3Raw(t, http.MethodGet, "/lst?list-type=2&continuation-token=", nil, nil)
		if status != 200 || !strings.Contains(string(body), "<ContinuationToken></ContinuationToken>") {
			t.Fatalf("empty continuation-token not echoed: %d %s", status, body)
		}
	})

	t.Run("ListBuckets", func(t *testing.T) {
		for _, b := range []string{"lb-a", "lb-b", "lb-c"} {
			mustCreateBucket(t, c, b)
		}
		var names []string
		var token *string
		for range 5 {
			out, err := c.ListBuckets(ctx(), &s3.ListBucketsInput{Prefix: aws.String("lb-"), MaxBuckets: aws.Int32(2), ContinuationToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.Prefix) != "lb-" {
				t.Fatalf("Prefix not echoed: %q", aws.ToString(out.Prefix))
			}
			for _, b := range out.Buckets {
				names = append(names, aws.ToString(b.Name))
			}
			if token = out.ContinuationToken; token == nil {
				break
			}
		}
		if strings.Join(names, ",") != "lb-a,lb-b,lb-c" {
			t.Fatalf("ListBuckets pages: %v", names)
		}
		_, err := c.ListBuckets(ctx(), &s3.ListBucketsInput{MaxBuckets: aws.Int32(10001)})
		wantAPIError(t, err, "InvalidArgument", 400)
	})
}
