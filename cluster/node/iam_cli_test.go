package node

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// authzEnforced switches on the allow/deny half of TestIAMAWSCLI: the allow and deny
// lines, now that every KMS call is authorized.
const authzEnforced = true

// TestIAMAWSCLI runs the commands with the AWS CLI v2: create-user, create-access-key,
// put-user-policy (the catrobot policy with its encryption-context condition), then the new
// key with `aws sts get-caller-identity` and `aws kms`: the CLI authenticates as the user.
func TestIAMAWSCLI(t *testing.T) {
	cli := clustertest.AWSCLI(t)
	tn := newTestNode(t)
	work := t.TempDir()
	acct := tn.n.svc.ARNs().Account
	run := func(akid, secret string, wantErr bool, args ...string) string {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"--endpoint-url", tn.url, "--region", tn.cfg.Region, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+akid, "AWS_SECRET_ACCESS_KEY="+secret,
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "HOME="+work)
		out, err := cmd.CombinedOutput()
		if (err != nil) != wantErr {
			t.Fatalf("aws %s: err=%v, want error %v\n%s", strings.Join(args, " "), err, wantErr, out)
		}
		return string(out)
	}
	root := func(args ...string) string { t.Helper(); return run(tn.akid, tn.secret, false, args...) }

	out := root("iam", "create-user", "--user-name", "app1")
	if !strings.Contains(out, `"Arn": "arn:aws:iam::`+acct+`:user/app1"`) {
		t.Fatalf("create-user: %s", out)
	}
	var ak struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey, Status string }
	}
	if err := json.Unmarshal([]byte(root("iam", "create-access-key", "--user-name", "app1")), &ak); err != nil {
		t.Fatal(err)
	}
	if ak.AccessKey.Status != "Active" || len(ak.AccessKey.SecretAccessKey) != 40 {
		t.Fatalf("create-access-key: %+v", ak.AccessKey)
	}
	var key struct{ KeyMetadata struct{ KeyId, Arn string } }
	if err := json.Unmarshal([]byte(root("kms", "create-key", "--description", "catrobot")), &key); err != nil {
		t.Fatal(err)
	}
	doc := `{
  "Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],
  "Resource":"` + key.KeyMetadata.Arn + `",
  "Condition":{"StringEquals":{"kms:EncryptionContext:team":"cats"}}}]}`
	root("iam", "put-user-policy", "--user-name", "app1", "--policy-name", "use-catrobot", "--policy-document", doc)
	// The CLI decodes the URL-encoded document IAM returns and prints it as JSON.
	if out := root("iam", "get-user-policy", "--user-name", "app1", "--policy-name", "use-catrobot"); !strings.Contains(out, `"kms:EncryptionContext:team": "cats"`) {
		t.Fatalf("get-user-policy: %s", out)
	}
	if out := root("iam", "list-access-keys", "--user-name", "app1"); !strings.Contains(out, ak.AccessKey.AccessKeyId) {
		t.Fatalf("list-access-keys: %s", out)
	}

	// The new key: the CLI authenticates as the user.
	app1 := func(wantErr bool, args ...string) string {
		t.Helper()
		return run(ak.AccessKey.AccessKeyId, ak.AccessKey.SecretAccessKey, wantErr, args...)
	}
	if out := app1(false, "sts", "get-caller-identity"); !strings.Contains(out, `"Arn": "arn:aws:iam::`+acct+`:user/app1"`) {
		t.Fatalf("get-caller-identity as app1: %s", out)
	}
	ct := root("kms", "encrypt", "--key-id", key.KeyMetadata.KeyId, "--plaintext", "bWVvdw==",
		"--encryption-context", "team=cats", "--query", "CiphertextBlob", "--output", "text")
	ct = strings.TrimSpace(ct)
	if !authzEnforced {
		// Authentication only: the signature of the user's key verifies on the KMS API.
		cmd := exec.Command(cli, "--endpoint-url", tn.url, "--region", tn.cfg.Region, "kms", "decrypt",
			"--ciphertext-blob", ct, "--encryption-context", "team=cats")
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+ak.AccessKey.AccessKeyId, "AWS_SECRET_ACCESS_KEY="+ak.AccessKey.SecretAccessKey,
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "HOME="+work)
		out, _ := cmd.CombinedOutput()
		for _, authErr := range []string{"UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature"} {
			if strings.Contains(string(out), authErr) {
				t.Fatalf("kms decrypt as app1 was not authenticated: %s", out)
			}
		}
		return
	}
	// With enforcement: allowed only with team=cats; ScheduleKeyDeletion denied in AWS's words.
	app1(false, "kms", "decrypt", "--ciphertext-blob", ct, "--encryption-context", "team=cats")
	app1(true, "kms", "decrypt", "--ciphertext-blob", ct, "--encryption-context", "team=dogs")
	out = app1(true, "kms", "schedule-key-deletion", "--key-id", key.KeyMetadata.KeyId)
	want := "User: arn:aws:iam::" + acct + ":user/app1 is not authorized to perform: kms:ScheduleKeyDeletion on resource: " + key.KeyMetadata.Arn
	if !strings.Contains(out, "AccessDeniedException") || !strings.Contains(out, want) {
		t.Fatalf("schedule-key-deletion as app1: %s", out)
	}
}
