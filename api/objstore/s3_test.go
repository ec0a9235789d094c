package objstore

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestObjstoreS3Layout reads the upstream bucket directly: the object is stored byte for byte
// under <prefix><bucket>/<key>, and an aborted multipart write leaves no upstream upload.
func TestObjstoreS3Layout(t *testing.T) {
	ctx := context.Background()
	u := newUpstream(t)
	st := u.store(t, "gw/")
	small, big := pattern(1000), pattern(minPartSize*2+1)
	putBytes(t, st, "bkt", "dir/small", small)
	putBytes(t, st, "bkt", "big", big)
	for key, want := range map[string][]byte{"gw/bkt/dir/small": small, "gw/bkt/big": big} {
		out, err := u.cli.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(u.bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("upstream get %s: %v", key, err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if !bytes.Equal(got, want) {
			t.Fatalf("upstream %s: got %d bytes, want the %d written", key, len(got), len(want))
		}
	}
	p, _ := st.Create(ctx, "bkt", "aborted")
	_, _ = p.Write(pattern(minPartSize + 1))
	ups, err := u.cli.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(u.bucket)})
	if err != nil || len(ups.Uploads) != 1 {
		t.Fatalf("during write: got %d upstream uploads (err %v), want 1", len(ups.Uploads), err)
	}
	p.Abort()
	ups, err = u.cli.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(u.bucket)})
	if err != nil || len(ups.Uploads) != 0 {
		t.Fatalf("after abort: got %d upstream uploads (err %v), want 0", len(ups.Uploads), err)
	}
	if _, err := st.Create(ctx, "bkt", strings.Repeat("k", 1024)); err == nil {
		t.Fatal("1024-byte key under a prefix: got nil error, want errKeyTooLong")
	}
}

func TestObjstoreS3NeedsBucket(t *testing.T) {
	u := newUpstream(t)
	_, err := NewS3(context.Background(), S3Options{Endpoint: u.url, Region: "us-east-1", Bucket: "missing", PathStyle: true, Credentials: u.cli.Options().Credentials})
	if err == nil {
		t.Fatal("missing upstream bucket: got nil error, want one")
	}
}
