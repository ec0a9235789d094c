package node

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// s3Tool finds a command-line S3 client; make test (KEYHOLD_REQUIRE_S3TOOLS) installs them.
func s3Tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("KEYHOLD_REQUIRE_S3TOOLS") != "" {
		t.Fatalf("%s not found (apt-get install %s)", name, name)
	}
	t.Skipf("%s not found (apt-get install %s)", name, name)
	return ""
}

// toolEnv is the environment for a third-party client: this machine's, minus settings that
// would point it at real AWS or another CA bundle.
func toolEnv(home string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "RCLONE_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(append(env, "HOME="+home), extra...)
}

func runTool(t *testing.T, env []string, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

func randomFile(t *testing.T, dir, name string, n int) (string, []byte) {
	t.Helper()
	b := make([]byte, n)
	_, _ = rand.Read(b)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, b
}

// TestS3Cmd drives s3cmd (path style, SigV4 with signed payloads over HTTP) through a bucket's
// life: multipart and single uploads with SSE-KMS, listing, info (which reads the bucket's
// policy, CORS and ACL), download, server-side copy, sync, recursive delete.
func TestS3Cmd(t *testing.T) {
	bin := s3Tool(t, "s3cmd")
	tn := newTestNode(t)
	work := t.TempDir()
	cfg := filepath.Join(work, "s3cfg")
	host := tn.n.apiLn.Addr().String()
	conf := fmt.Sprintf("[default]\naccess_key = %s\nsecret_key = %s\nhost_base = %s\nhost_bucket = %s\nuse_https = False\nsignature_v2 = False\nbucket_location = us-east-1\n",
		tn.akid, tn.secret, host, host)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	env := toolEnv(work)
	s3cmd := func(args ...string) string {
		t.Helper()
		return runTool(t, env, bin, append([]string{"-c", cfg}, args...)...)
	}
	big, bigBody := randomFile(t, work, "big.bin", 20<<20+5) // above s3cmd's 15 MiB multipart chunk
	small, _ := randomFile(t, work, "small.bin", 1000)

	s3cmd("mb", "s3://tools")
	s3cmd("put", big, "s3://tools/big.bin")
	s3cmd("put", "--server-side-encryption-kms-id", "alias/aws/s3", small, "s3://tools/dir/kms.bin")
	if out := s3cmd("ls", "-r", "s3://tools"); !strings.Contains(out, "s3://tools/big.bin") || !strings.Contains(out, "s3://tools/dir/kms.bin") {
		t.Fatalf("ls -r:\n%s", out)
	}
	info := s3cmd("info", "s3://tools/big.bin")
	for _, want := range []string{"File size: 20971525", "SSE:       AES256", "CORS:      none", "FULL_CONTROL"} {
		if !strings.Contains(info, want) {
			t.Fatalf("info lacks %q:\n%s", want, info)
		}
	}
	if info := s3cmd("info", "s3://tools/dir/kms.bin"); !strings.Contains(info, "aws:kms") {
		t.Fatalf("info of the SSE-KMS object:\n%s", info)
	}
	got := filepath.Join(work, "got.bin")
	s3cmd("get", "--force", "s3://tools/big.bin", got)
	if b, _ := os.ReadFile(got); !bytes.Equal(b, bigBody) {
		t.Fatal("s3cmd get: bytes differ")
	}
	s3cmd("cp", "s3://tools/big.bin", "s3://tools/copy.bin")
	syncDir := filepath.Join(work, "sync")
	_ = os.MkdirAll(syncDir, 0o700)
	randomFile(t, syncDir, "one", 10)
	randomFile(t, syncDir, "two", 20)
	s3cmd("sync", syncDir+"/", "s3://tools/sync/")
	if out := s3cmd("ls", "s3://tools/sync/"); !strings.Contains(out, "sync/one") || !strings.Contains(out, "sync/two") {
		t.Fatalf("sync:\n%s", out)
	}
	s3cmd("del", "--recursive", "--force", "s3://tools")
	s3cmd("rb", "s3://tools")
}

// TestRclone drives rclone (its own AWS SDK, HTTPS with a private CA) through multipart
// uploads, SSE-KMS and SSE-C, hash checks, server-side moves and purge.
func TestRclone(t *testing.T) {
	bin := s3Tool(t, "rclone")
	tn := newTestNode(t)
	ca := tn.serveTLS(t)
	work := t.TempDir()
	env := toolEnv(work, "RCLONE_CONFIG_KH_TYPE=s3", "RCLONE_CONFIG_KH_PROVIDER=Other",
		"RCLONE_CONFIG_KH_ACCESS_KEY_ID="+tn.akid, "RCLONE_CONFIG_KH_SECRET_ACCESS_KEY="+tn.secret,
		"RCLONE_CONFIG_KH_ENDPOINT="+tn.url, "RCLONE_CONFIG_KH_REGION="+tn.cfg.Region)
	rclone := func(args ...string) string {
		t.Helper()
		return runTool(t, env, bin, append([]string{"--ca-cert", ca, "--config", filepath.Join(work, "none.conf"), "-q"}, args...)...)
	}
	big, bigBody := randomFile(t, work, "big.bin", 12<<20+3)
	small, smallBody := randomFile(t, work, "small.bin", 4321)
	ssec := []string{"--s3-sse-customer-algorithm", "AES256", "--s3-sse-customer-key", strings.Repeat("k", 32)}

	rclone("mkdir", "kh:rclone")
	rclone("copy", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", big, "kh:rclone/mp/")
	rclone("copy", "--s3-server-side-encryption", "aws:kms", small, "kh:rclone/kms/")
	rclone(append([]string{"copy"}, append(ssec, small, "kh:rclone/ssec/")...)...)
	rclone("check", "--one-way", filepath.Dir(big), "kh:rclone/mp/", "--include", "big.bin")
	if out := rclone("cat", "kh:rclone/mp/big.bin"); out != string(bigBody) {
		t.Fatalf("cat multipart object: %d bytes, want %d", len(out), len(bigBody))
	}
	if out := rclone(append([]string{"cat"}, append(ssec, "kh:rclone/ssec/small.bin")...)...); out != string(smallBody) {
		t.Fatal("cat SSE-C object with its key: bytes differ")
	}
	// Without the key the object's HEAD fails (400, as in S3), so rclone finds no such file
	// and cats nothing; what matters is that no plaintext comes back.
	cmd := exec.Command(bin, "--ca-cert", ca, "--config", filepath.Join(work, "none.conf"), "-vv", "--dump", "headers", "cat", "kh:rclone/ssec/small.bin")
	cmd.Env = env
	out, _ := cmd.CombinedOutput()
	if bytes.Contains(out, smallBody[:64]) || !bytes.Contains(out, []byte("HTTP/1.1 400 Bad Request")) {
		t.Fatalf("cat SSE-C object without its key:\n%s", out)
	}
	rclone("moveto", "kh:rclone/kms/small.bin", "kh:rclone/kms/moved.bin")
	if out := rclone("lsf", "-R", "kh:rclone"); !strings.Contains(out, "kms/moved.bin") || strings.Contains(out, "kms/small.bin") {
		t.Fatalf("after moveto:\n%s", out)
	}
	rclone("purge", "kh:rclone")
	if out := rclone("lsd", "kh:"); strings.Contains(out, "rclone") {
		t.Fatalf("bucket left after purge:\n%s", out)
	}
}
