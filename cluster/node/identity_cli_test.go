package node

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// cliAs runs the AWS CLI v2 against tn with the given credentials (token: a session token, or
// ""), returning its output and exit error.
func cliAs(t *testing.T, tn *testNode, akid, secret, token string) func(args ...string) (string, error) {
	cli := clustertest.AWSCLI(t)
	work := t.TempDir()
	return func(args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"--endpoint-url", tn.url, "--region", tn.cfg.Region, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+akid, "AWS_SECRET_ACCESS_KEY="+secret,
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "HOME="+work)
		if token != "" {
			cmd.Env = append(cmd.Env, "AWS_SESSION_TOKEN="+token)
		}
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// TestIssueTourWithAWSCLI runs the identity tour of the README with the packaged AWS CLI v2: the
// root creates a user with an access key and a policy allowing Encrypt and Decrypt of one key
// only with team=cats; the user can do exactly that, and is refused ScheduleKeyDeletion with
// AWS's message; a role is created, assumed by the user, and the session's identity and
// permissions are the role's.
func TestIssueTourWithAWSCLI(t *testing.T) {
	tn := newTestNode(t)
	root := cliAs(t, tn, tn.akid, tn.secret, "")
	must := func(run func(...string) (string, error), args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	field := func(out string, path ...string) string {
		t.Helper()
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		for _, p := range path {
			m, _ := v.(map[string]any)
			v = m[p]
		}
		s, _ := v.(string)
		return s
	}
	acct := tn.n.svc.ARNs().Account

	keyARN := field(must(root, "kms", "create-key", "--description", "catrobot"), "KeyMetadata", "Arn")
	must(root, "iam", "create-user", "--user-name", "app1")
	key := must(root, "iam", "create-access-key", "--user-name", "app1")
	akid, secret := field(key, "AccessKey", "AccessKeyId"), field(key, "AccessKey", "SecretAccessKey")
	if akid == "" || secret == "" {
		t.Fatalf("create-access-key: %s", key)
	}
	must(root, "iam", "put-user-policy", "--user-name", "app1", "--policy-name", "use-catrobot", "--policy-document", `{
  "Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],
  "Resource":"`+keyARN+`",
  "Condition":{"StringEquals":{"kms:EncryptionContext:team":"cats"}}}]}`)

	app1 := cliAs(t, tn, akid, secret, "")
	if arn := field(must(app1, "sts", "get-caller-identity"), "Arn"); arn != "arn:aws:iam::"+acct+":user/app1" {
		t.Fatalf("get-caller-identity as app1: %s", arn)
	}
	pt := filepath.Join(t.TempDir(), "pt")
	if err := os.WriteFile(pt, []byte("meow"), 0o600); err != nil {
		t.Fatal(err)
	}
	blob := field(must(app1, "kms", "encrypt", "--key-id", keyARN, "--plaintext", "fileb://"+pt, "--encryption-context", "team=cats"), "CiphertextBlob")
	ctFile := filepath.Join(t.TempDir(), "ct")
	if err := os.WriteFile(ctFile, mustB64(t, blob), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := must(app1, "kms", "decrypt", "--ciphertext-blob", "fileb://"+ctFile, "--encryption-context", "team=cats"); field(out, "KeyId") != keyARN {
		t.Fatalf("decrypt: %s", out)
	}
	denied := func(run func(...string) (string, error), want string, args ...string) {
		t.Helper()
		out, err := run(args...)
		if err == nil || !strings.Contains(out, "AccessDenied") || !strings.Contains(out, want) {
			t.Fatalf("aws %s: %v, want AccessDenied naming %q\n%s", strings.Join(args, " "), err, want, out)
		}
	}
	denied(app1, "kms:Encrypt", "kms", "encrypt", "--key-id", keyARN, "--plaintext", "fileb://"+pt, "--encryption-context", "team=dogs")
	denied(app1, "kms:Decrypt", "kms", "decrypt", "--ciphertext-blob", "fileb://"+ctFile)
	denied(app1, "User: arn:aws:iam::"+acct+":user/app1 is not authorized to perform: kms:ScheduleKeyDeletion on resource: "+keyARN+
		" because no identity-based policy allows the kms:ScheduleKeyDeletion action",
		"kms", "schedule-key-deletion", "--key-id", keyARN)

	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/app1"},"Action":"sts:AssumeRole"}]}`
	roleARN := field(must(root, "iam", "create-role", "--role-name", "key-admins", "--assume-role-policy-document", trust), "Role", "Arn")
	must(root, "iam", "put-role-policy", "--role-name", "key-admins", "--policy-name", "describe", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:DescribeKey","kms:ScheduleKeyDeletion"],"Resource":"*"}]}`)
	sess := must(app1, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "ops")
	ops := cliAs(t, tn, field(sess, "Credentials", "AccessKeyId"), field(sess, "Credentials", "SecretAccessKey"), field(sess, "Credentials", "SessionToken"))
	if arn := field(must(ops, "sts", "get-caller-identity"), "Arn"); arn != "arn:aws:sts::"+acct+":assumed-role/key-admins/ops" {
		t.Fatalf("get-caller-identity as the session: %s", arn)
	}
	must(ops, "kms", "describe-key", "--key-id", keyARN)
	denied(ops, "kms:Decrypt", "kms", "decrypt", "--ciphertext-blob", "fileb://"+ctFile, "--encryption-context", "team=cats")
	// A key administrator who cannot decrypt, a key user who cannot delete: role separation.
	must(ops, "kms", "schedule-key-deletion", "--key-id", keyARN, "--pending-window-in-days", "7")
}

// mustB64 decodes standard base64, as the CLI prints blobs.
func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		t.Fatalf("not base64: %q", s)
	}
	return b
}
