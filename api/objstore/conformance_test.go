package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// upstream is a gofakes3 server on 127.0.0.1 (software nobody here wrote) and a plain SDK
// client to look at its bucket directly.
type upstream struct {
	url, bucket string
	cli         *s3.Client
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	u := &upstream{url: srv.URL, bucket: "upstream"}
	u.cli = s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDUPSTREAM", "upstream-secret", ""),
	})
	if _, err := u.cli.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(u.bucket)}); err != nil {
		t.Fatalf("create upstream bucket: %v", err)
	}
	return u
}

func (u *upstream) store(t *testing.T, prefix string) *S3 {
	t.Helper()
	st, err := NewS3(context.Background(), S3Options{
		Endpoint: u.url, Region: "us-east-1", Bucket: u.bucket, Prefix: prefix, PathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDUPSTREAM", "upstream-secret", ""),
		PartSize:    minPartSize,
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// backends are the stores every conformance case runs against.
var backends = []struct {
	name string
	open func(t *testing.T) Store
}{
	{"Dir", func(t *testing.T) Store {
		d, err := NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	}},
	{"S3", func(t *testing.T) Store { return newUpstream(t).store(t, "gw/") }},
}

func putBytes(t *testing.T, st Store, bucket, key string, body []byte) {
	t.Helper()
	p, err := st.Create(context.Background(), bucket, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func readRange(t *testing.T, st Store, bucket, key string, off, n int64) []byte {
	t.Helper()
	ctx := context.Background()
	o, err := st.Open(ctx, bucket, key)
	if err != nil {
		t.Fatalf("open %s/%s: %v", bucket, key, err)
	}
	defer o.Close()
	if n < 0 {
		n = o.Size() - off
	}
	rc, err := o.ReadRange(ctx, off, n)
	if err != nil {
		t.Fatalf("read %s/%s [%d,+%d): %v", bucket, key, off, n, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustNotExist(t *testing.T, st Store, bucket, key string) {
	t.Helper()
	if _, err := st.Open(context.Background(), bucket, key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open %s/%s: got %v, want fs.ErrNotExist", bucket, key, err)
	}
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>9)
	}
	return b
}

// conformance is one behaviour of Store that every backend must have.
var conformance = []struct {
	name string
	run  func(t *testing.T, st Store)
}{
	{"RoundTripAndRanges", func(t *testing.T, st Store) {
		body := pattern(200 << 10)
		putBytes(t, st, "bkt", "obj", body)
		ranges := [][2]int64{{0, -1}, {0, 1}, {1, 10}, {100 << 10, 4096}, {int64(len(body)) - 8, 8}, {int64(len(body)) - 70000, 70000}, {5, 0}, {0, int64(len(body))}}
		for _, r := range ranges {
			got := readRange(t, st, "bkt", "obj", r[0], r[1])
			n := r[1]
			if n < 0 {
				n = int64(len(body)) - r[0]
			}
			if want := body[r[0] : r[0]+n]; !bytes.Equal(got, want) {
				t.Fatalf("range %v: got %d bytes, want %d matching bytes", r, len(got), len(want))
			}
		}
	}},
	{"RangeOutsideObject", func(t *testing.T, st Store) {
		putBytes(t, st, "bkt", "obj", []byte("0123456789"))
		o, err := st.Open(context.Background(), "bkt", "obj")
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		if o.Size() != 10 {
			t.Fatalf("size: got %d, want 10", o.Size())
		}
		for _, r := range [][2]int64{{-1, 2}, {5, 6}, {0, 11}, {3, -1}} {
			if _, err := o.ReadRange(context.Background(), r[0], r[1]); err == nil {
				t.Fatalf("range %v: got nil error, want one", r)
			}
		}
	}},
	{"LargeObjectAcrossWriteBuffers", func(t *testing.T, st Store) {
		body := pattern(2*minPartSize + 12345)
		p, err := st.Create(context.Background(), "bkt", "big")
		if err != nil {
			t.Fatal(err)
		}
		for rest := body; len(rest) > 0; {
			n := min(len(rest), 256<<10+3)
			if _, err := p.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		mustNotExist(t, st, "bkt", "big")
		if err := p.Commit(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := readRange(t, st, "bkt", "big", 0, -1); !bytes.Equal(got, body) {
			t.Fatalf("got %d bytes, want the %d written", len(got), len(body))
		}
		off := int64(minPartSize - 10)
		if got := readRange(t, st, "bkt", "big", off, 20); !bytes.Equal(got, body[off:off+20]) {
			t.Fatalf("range across a part boundary: got %x, want %x", got, body[off:off+20])
		}
	}},
	{"EmptyObject", func(t *testing.T, st Store) {
		putBytes(t, st, "bkt", "empty", nil)
		if got := readRange(t, st, "bkt", "empty", 0, 0); len(got) != 0 {
			t.Fatalf("got %d bytes, want 0", len(got))
		}
	}},
	{"MissingObject", func(t *testing.T, st Store) {
		mustNotExist(t, st, "bkt", "nope")
		putBytes(t, st, "bkt", "other", []byte("x"))
		mustNotExist(t, st, "bkt", "nope")
		mustNotExist(t, st, "bkt2", "other")
	}},
	{"OverwriteReplaces", func(t *testing.T, st Store) {
		putBytes(t, st, "bkt", "k", []byte("old"))
		putBytes(t, st, "bkt", "k", []byte("new, longer"))
		if got := readRange(t, st, "bkt", "k", 0, -1); string(got) != "new, longer" {
			t.Fatalf("got %q, want %q", got, "new, longer")
		}
	}},
	{"UncommittedInvisibleAndAbortKeepsOld", func(t *testing.T, st Store) {
		ctx := context.Background()
		p, err := st.Create(ctx, "bkt", "fresh")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = p.Write(pattern(minPartSize + 1)) // past one write buffer
		mustNotExist(t, st, "bkt", "fresh")
		if keys, _, _ := st.List(ctx, "bkt", "", "", 10); len(keys) != 0 {
			t.Fatalf("list during write: got %q, want nothing", keys)
		}
		p.Abort()
		mustNotExist(t, st, "bkt", "fresh")

		putBytes(t, st, "bkt", "k", []byte("old"))
		p, _ = st.Create(ctx, "bkt", "k")
		_, _ = p.Write(pattern(minPartSize + 1))
		p.Abort()
		p.Abort() // twice is fine
		if got := readRange(t, st, "bkt", "k", 0, -1); string(got) != "old" {
			t.Fatalf("after abort: got %q, want %q", got, "old")
		}
	}},
	{"AbortAfterCommitDoesNothing", func(t *testing.T, st Store) {
		p, _ := st.Create(context.Background(), "bkt", "k")
		_, _ = p.Write([]byte("kept"))
		if err := p.Commit(context.Background()); err != nil {
			t.Fatal(err)
		}
		p.Abort()
		if got := readRange(t, st, "bkt", "k", 0, -1); string(got) != "kept" {
			t.Fatalf("got %q, want %q", got, "kept")
		}
	}},
	{"Delete", func(t *testing.T, st Store) {
		ctx := context.Background()
		if err := st.Delete(ctx, "bkt", "never"); err != nil {
			t.Fatalf("delete missing: got %v, want nil", err)
		}
		putBytes(t, st, "bkt", "k", []byte("v"))
		if err := st.Delete(ctx, "bkt", "k"); err != nil {
			t.Fatal(err)
		}
		mustNotExist(t, st, "bkt", "k")
		if keys, _, _ := st.List(ctx, "bkt", "", "", 10); len(keys) != 0 {
			t.Fatalf("list after delete: got %q, want nothing", keys)
		}
		if err := st.RemoveBucket(ctx, "bkt"); err != nil {
			t.Fatalf("remove empty bucket: %v", err)
		}
	}},
	{"ListOrderPrefixAfterLimit", func(t *testing.T, st Store) {
		ctx := context.Background()
		keys := []string{"b", "a/c", "a", "../etc/passwd", "a/b", "a b", "ü", "a//x", "ab"}
		for _, k := range keys {
			putBytes(t, st, "bkt", k, []byte("v:"+k))
		}
		putBytes(t, st, "bk", "a", []byte("another bucket"))
		putBytes(t, st, "bkt2", "a", []byte("another bucket"))
		cases := []struct {
			prefix, after string
			limit         int
			want          []string
			more          bool
		}{
			{"", "", 100, []string{"../etc/passwd", "a", "a b", "a//x", "a/b", "a/c", "ab", "b", "ü"}, false},
			{"a/", "", 100, []string{"a//x", "a/b", "a/c"}, false},
			{"a", "a/b", 100, []string{"a/c", "ab"}, false},
			{"", "a", 2, []string{"a b", "a//x"}, true},
			{"", "b", 1, []string{"ü"}, false},
			{"", "ü", 5, nil, false},
			{"a/", "", 3, []string{"a//x", "a/b", "a/c"}, false},
			{"a/", "", 2, []string{"a//x", "a/b"}, true},
			{"zz", "", 5, nil, false},
		}
		for _, c := range cases {
			got, more, err := st.List(ctx, "bkt", c.prefix, c.after, c.limit)
			if err != nil || strings.Join(got, "|") != strings.Join(c.want, "|") || more != c.more {
				t.Errorf("List(prefix %q, after %q, limit %d): got %q more=%v err=%v, want %q more=%v", c.prefix, c.after, c.limit, got, more, err, c.want, c.more)
			}
		}
		if got, _, _ := st.List(ctx, "bk", "", "", 10); strings.Join(got, "|") != "a" {
			t.Errorf("bucket isolation: got %q, want [a]", got)
		}
	}},
	{"ListPagesPastOneUpstreamPage", func(t *testing.T, st Store) {
		ctx := context.Background()
		var want []string
		for i := range 1005 {
			k := fmt.Sprintf("k%05d", i)
			want = append(want, k)
			putBytes(t, st, "bkt", k, nil)
		}
		got, more, err := st.List(ctx, "bkt", "k", "", 2000)
		if err != nil || more || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("got %d keys more=%v err=%v, want %d keys", len(got), more, err, len(want))
		}
		got, more, _ = st.List(ctx, "bkt", "", "k00998", 6)
		if strings.Join(got, ",") != strings.Join(want[999:1005], ",") || more {
			t.Fatalf("got %q more=%v, want %q more=false", got, more, want[999:1005])
		}
	}},
	{"MultipartStagingLayout", func(t *testing.T, st Store) {
		// The api package keeps uploads under the pseudo-bucket "_keyhold-mpu" as
		// "<bucket>/<upload id>/upload" and "<bucket>/<upload id>/<part, 5 digits>".
		ctx := context.Background()
		const mpu = "_keyhold-mpu"
		for _, k := range []string{"b1/u1/upload", "b1/u1/00002", "b1/u1/00001", "b1/u2/upload", "b10/u3/upload"} {
			putBytes(t, st, mpu, k, []byte(k))
		}
		got, more, err := st.List(ctx, mpu, "b1/u1/", "b1/u1/00001", 10)
		if err != nil || more || strings.Join(got, ",") != "b1/u1/00002,b1/u1/upload" {
			t.Fatalf("parts after 1: got %q more=%v err=%v", got, more, err)
		}
		got, _, _ = st.List(ctx, mpu, "b1/", "", 10)
		if strings.Join(got, ",") != "b1/u1/00001,b1/u1/00002,b1/u1/upload,b1/u2/upload" {
			t.Fatalf("uploads of b1: got %q", got)
		}
	}},
	{"InvalidBucketNames", func(t *testing.T, st Store) {
		for _, b := range []string{"", "a/b"} {
			if _, err := st.Create(context.Background(), b, "k"); err == nil {
				t.Errorf("Create in bucket %q: got nil error, want one", b)
			}
			if _, _, err := st.List(context.Background(), b, "", "", 1); err == nil {
				t.Errorf("List bucket %q: got nil error, want one", b)
			}
		}
	}},
}

func TestObjstoreConformance(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, c := range conformance {
				t.Run(c.name, func(t *testing.T) { c.run(t, b.open(t)) })
			}
		})
	}
}
