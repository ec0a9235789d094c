package node

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3PlaintextObjects covers s3_plaintext_objects: objects that name no encryption are
// stored as plaintext (and said to be unencrypted), encrypted requests stay encrypted, and with
// the setting off again the plaintext object is refused rather than served.
func TestS3PlaintextObjects(t *testing.T) {
	tn := newTestNode(t)
	tn.cfg.S3PlaintextObjects = true
	tn.restart(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "plain")
	body := payload(150<<10+3, "MARKER-plain ")
	if out := mustPut(t, c, "plain", "p", body, nil); out.ServerSideEncryption != "" {
		t.Fatalf("plaintext PUT: got SSE %q, want none", out.ServerSideEncryption)
	}
	mustPut(t, c, "plain", "e", body, func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAes256 })
	got, out := mustGet(t, c, "plain", "p", func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=70000-80000") })
	if !bytes.Equal(got, body[70000:80001]) || out.ServerSideEncryption != "" {
		t.Fatalf("ranged GET: got %d bytes, SSE %q; want 10001 matching bytes, no SSE", len(got), out.ServerSideEncryption)
	}
	if got, _ := mustGet(t, c, "plain", "e", nil); !bytes.Equal(got, body) {
		t.Fatal("SSE-S3 GET: wrong body")
	}
	stored := map[string]bool{}
	_ = filepath.WalkDir(filepath.Join(tn.cfg.DataDir, "objects", "plain"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			stored[filepath.Base(p)] = bytes.Contains(b, []byte("MARKER-plain"))
		}
		return nil
	})
	// Keys are hex-named files: "p" is 70.o, "e" is 65.o.
	if !stored["70.o"] || stored["65.o"] {
		t.Fatalf("marker at rest: got %v, want in the plaintext object only", stored)
	}

	tn.cfg.S3PlaintextObjects = false
	tn.restart(t)
	c = tn.s3Client(true)
	_, _, err := getBytes(c, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("p")})
	var apiErr interface{ ErrorCode() string }
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InternalError" {
		t.Fatalf("plaintext object with the setting off: got %v, want InternalError", err)
	}
	if got, _ := mustGet(t, c, "plain", "e", nil); !bytes.Equal(got, body) {
		t.Fatal("SSE-S3 GET after restart: wrong body")
	}
}
