package node

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestS3AWSCLI drives the AWS CLI v2 as users write it: aws s3 cp with --sse aws:kms and
// --sse-c, and aws s3api put-bucket-encryption, over HTTPS as in production (SSE-C needs TLS).
func TestS3AWSCLI(t *testing.T) {
	cli := clustertest.AWSCLI(t)
	tn := newTestNode(t)
	caBundle := tn.serveTLS(t)
	work := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"--endpoint-url", tn.url, "--ca-bundle", caBundle, "--region", tn.cfg.Region}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+tn.akid, "AWS_SECRET_ACCESS_KEY="+tn.secret,
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "HOME="+work)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	src := filepath.Join(work, "in.bin")
	body := payload(9<<20+3, "MARKER-cli ") // above the CLI's 8 MiB multipart threshold
	if err := os.WriteFile(src, body, 0o600); err != nil {
		t.Fatal(err)
	}
	run("s3", "mb", "s3://cli-bucket")
	run("s3", "cp", src, "s3://cli-bucket/kms.bin", "--sse", "aws:kms")
	if out := run("s3api", "head-object", "--bucket", "cli-bucket", "--key", "kms.bin"); !strings.Contains(out, `"ServerSideEncryption": "aws:kms"`) {
		t.Fatalf("head-object: %s", out)
	}
	keyFile := filepath.Join(work, "sse-c.key")
	_ = os.WriteFile(keyFile, bytes.Repeat([]byte{'k'}, 32), 0o600)
	run("s3", "cp", src, "s3://cli-bucket/ssec.bin", "--sse-c", "AES256", "--sse-c-key", "fileb://"+keyFile)
	dst := filepath.Join(work, "out.bin")
	run("s3", "cp", "s3://cli-bucket/ssec.bin", dst, "--sse-c", "AES256", "--sse-c-key", "fileb://"+keyFile)
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, body) {
		t.Fatalf("SSE-C round trip: got %d bytes, want %d", len(got), len(body))
	}
	run("s3api", "put-bucket-encryption", "--bucket", "cli-bucket", "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]}`)
	if out := run("s3api", "get-bucket-encryption", "--bucket", "cli-bucket"); !strings.Contains(out, `"BucketKeyEnabled": true`) {
		t.Fatalf("get-bucket-encryption: %s", out)
	}
	run("s3", "cp", src, "s3://cli-bucket/default.bin")
	if out := run("s3api", "head-object", "--bucket", "cli-bucket", "--key", "default.bin"); !strings.Contains(out, `"BucketKeyEnabled": true`) {
		t.Fatalf("default encryption not applied: %s", out)
	}
	run("s3", "cp", "s3://cli-bucket/default.bin", dst)
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, body) {
		t.Fatal("default-encrypted round trip")
	}
	if out := run("s3", "ls", "s3://cli-bucket/"); !strings.Contains(out, "kms.bin") || !strings.Contains(out, "ssec.bin") {
		t.Fatalf("ls: %s", out)
	}
	scanFor(t, tn.dir, []byte("MARKER-cli"))
}
