package node

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// cliRunner runs the AWS CLI v2 against a test node and returns its output and exit error.
func cliRunner(t *testing.T, tn *testNode) func(args ...string) (string, error) {
	cli := clustertest.AWSCLI(t)
	work := t.TempDir()
	return func(args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"--endpoint-url", tn.url, "--region", tn.cfg.Region}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+tn.akid, "AWS_SECRET_ACCESS_KEY="+tn.secret,
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "HOME="+work)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// TestS3ConformanceAWSCLI drives the conformance fixes with the AWS CLI v2 that `make test`
// installs (Debian 12's 2.9.19), for the operations it has: refused ACLs and bucket names,
// Content-Encoding as sent, encoding-type=url, ListObjects' Owner and GetObjectAttributes.
func TestS3ConformanceAWSCLI(t *testing.T) {
	tn := newTestNode(t)
	run := cliRunner(t, tn)
	must := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	refused := func(code string, args ...string) {
		t.Helper()
		out, err := run(args...)
		if err == nil || !strings.Contains(out, "("+code+")") {
			t.Fatalf("aws %s: want %s, got %v\n%s", strings.Join(args, " "), code, err, out)
		}
	}
	refused("InvalidBucketName", "s3api", "create-bucket", "--bucket", "foo.-bar")
	refused("InvalidBucketAclWithObjectOwnership", "s3api", "create-bucket", "--bucket", "cli-pub", "--acl", "public-read")
	must("s3api", "create-bucket", "--bucket", "cli-conf")
	body := filepath.Join(t.TempDir(), "body")
	_ = os.WriteFile(body, []byte("cli body"), 0o600)
	refused("AccessControlListNotSupported", "s3api", "put-object", "--bucket", "cli-conf", "--key", "pub", "--body", body, "--acl", "public-read")
	refused("AccessControlListNotSupported", "s3api", "put-bucket-acl", "--bucket", "cli-conf", "--acl", "public-read")
	must("s3api", "put-object", "--bucket", "cli-conf", "--key", "a+b", "--body", body, "--content-encoding", "deflate, gzip")
	if out := must("s3api", "head-object", "--bucket", "cli-conf", "--key", "a+b"); !strings.Contains(out, `"ContentEncoding": "deflate, gzip"`) {
		t.Fatalf("head-object: %s", out)
	}
	if out := must("s3api", "list-objects-v2", "--bucket", "cli-conf", "--encoding-type", "url"); !strings.Contains(out, `"Key": "a%2Bb"`) {
		t.Fatalf("list-objects-v2 --encoding-type url: %s", out)
	}
	if out := must("s3api", "list-objects", "--bucket", "cli-conf"); !strings.Contains(out, `"Owner"`) {
		t.Fatalf("list-objects without Owner: %s", out)
	}
	out := must("s3api", "get-object-attributes", "--bucket", "cli-conf", "--key", "a+b", "--object-attributes", "ETag", "ObjectSize", "StorageClass")
	if !strings.Contains(out, `"ObjectSize": 8`) || !strings.Contains(out, `"StorageClass": "STANDARD"`) {
		t.Fatalf("get-object-attributes: %s", out)
	}
}

// TestREADMETourPackagedCLI runs the README tour's KMS commands with the packaged AWS CLI v2
// and pins which ones it lacks: 2.9.19 has no rotate-key-on-demand, list-key-rotations or
// --rotation-period-in-days (they arrived with the KMS API update of April 2024), so the README
// must say which CLI those lines need.
func TestREADMETourPackagedCLI(t *testing.T) {
	tn := newTestNode(t)
	run := cliRunner(t, tn)
	version, _ := run("--version")
	keyID, err := run("kms", "create-key", "--description", "demo", "--query", "KeyMetadata.KeyId", "--output", "text")
	if err != nil {
		t.Fatalf("create-key: %v %s", err, keyID)
	}
	keyID = strings.TrimSpace(keyID)
	for _, args := range [][]string{
		{"kms", "create-alias", "--alias-name", "alias/catrobot", "--target-key-id", keyID},
		{"kms", "generate-data-key", "--key-id", "alias/catrobot", "--key-spec", "AES_256"},
		{"kms", "enable-key-rotation", "--key-id", keyID},
		{"kms", "get-key-rotation-status", "--key-id", keyID},
	} {
		if out, err := run(args...); err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	newer := [][]string{
		{"kms", "enable-key-rotation", "--key-id", keyID, "--rotation-period-in-days", "90"},
		{"kms", "rotate-key-on-demand", "--key-id", keyID},
		{"kms", "list-key-rotations", "--key-id", keyID},
	}
	for _, args := range newer {
		out, err := run(args...)
		if strings.HasPrefix(version, "aws-cli/2.9.") {
			// The packaged CLI refuses them itself, before any request is sent.
			if err == nil || !(strings.Contains(out, "Invalid choice") || strings.Contains(out, "Unknown options")) {
				t.Fatalf("aws %s with %s: %v\n%s", strings.Join(args, " "), version, err, out)
			}
		} else if err != nil {
			t.Fatalf("aws %s with %s: %v\n%s", strings.Join(args, " "), version, err, out)
		}
	}
}
