package node

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestAssumeRoleAWSCLI runs the commands with the AWS CLI v2: create a role from a
// trust policy file, assume it, and ask STS who the temporary credentials are.
func TestAssumeRoleAWSCLI(t *testing.T) {
	tn := newTestNode(t)
	cli := clustertest.AWSCLI(t)
	work := t.TempDir()
	run := func(env []string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"--endpoint-url", tn.url, "--region", tn.cfg.Region, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "HOME="+work)
		cmd.Env = append(cmd.Env, env...)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	root := []string{"AWS_ACCESS_KEY_ID=" + tn.akid, "AWS_SECRET_ACCESS_KEY=" + tn.secret}
	acct := tn.n.svc.ARNs().Account
	if err := os.WriteFile(filepath.Join(work, "trust.json"), []byte(trustDoc("arn:aws:iam::"+acct+":root")), 0o600); err != nil {
		t.Fatal(err)
	}
	run(root, "iam", "create-role", "--role-name", "key-admins", "--assume-role-policy-document", "file://trust.json")
	var role struct {
		Role struct {
			Arn                      string
			AssumeRolePolicyDocument struct {
				Statement []struct{ Principal struct{ AWS string } }
			}
		}
	}
	if err := json.Unmarshal(run(root, "iam", "get-role", "--role-name", "key-admins"), &role); err != nil {
		t.Fatal(err)
	}
	// The CLI URL-decodes the document and prints it as JSON: it must round-trip.
	if st := role.Role.AssumeRolePolicyDocument.Statement; len(st) != 1 || st[0].Principal.AWS != "arn:aws:iam::"+acct+":root" {
		t.Fatalf("get-role document: %+v", role.Role.AssumeRolePolicyDocument)
	}
	var assumed struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
		AssumedRoleUser struct{ Arn, AssumedRoleId string }
	}
	out := run(root, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+acct+":role/key-admins", "--role-session-name", "ops")
	if err := json.Unmarshal(out, &assumed); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	sessARN := "arn:aws:sts::" + acct + ":assumed-role/key-admins/ops"
	if assumed.AssumedRoleUser.Arn != sessARN || !strings.HasPrefix(assumed.Credentials.AccessKeyId, "ASIA") {
		t.Fatalf("assume-role: %s", out)
	}
	session := []string{"AWS_ACCESS_KEY_ID=" + assumed.Credentials.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + assumed.Credentials.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + assumed.Credentials.SessionToken}
	var who struct{ Arn, UserId, Account string }
	if err := json.Unmarshal(run(session, "sts", "get-caller-identity"), &who); err != nil {
		t.Fatal(err)
	}
	if who.Arn != sessARN || who.Account != acct || !strings.HasSuffix(who.UserId, ":ops") {
		t.Fatalf("get-caller-identity: %+v", who)
	}
}
