package node

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestSimulatePolicyAWSCLI runs the issue's question with the AWS CLI v2: `aws iam
// simulate-principal-policy` for app1 on a key, with the encryption context as a context
// entry, answers allowed for Decrypt and explicitDeny for ScheduleKeyDeletion, naming the
// inline policy of each; `aws iam simulate-custom-policy` answers for documents.
func TestSimulatePolicyAWSCLI(t *testing.T) {
	cli := clustertest.AWSCLI(t)
	tn := newTestNode(t)
	work := t.TempDir()
	acct := tn.n.svc.ARNs().Account
	key, err := tn.client(tn.akid, tn.secret).CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	docs := simPolicies(keyARN)
	tn.testPrincipal(t, "app1", docs...)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"--endpoint-url", tn.url, "--region", tn.cfg.Region, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+tn.akid, "AWS_SECRET_ACCESS_KEY="+tn.secret,
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "HOME="+work)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	type result struct {
		EvaluationResults []struct {
			EvalActionName, EvalResourceName, EvalDecision string
			MatchedStatements                              []struct {
				SourcePolicyId, SourcePolicyType string
				StartPosition                    struct{ Line, Column int }
			}
			MissingContextValues []string
		}
	}
	decode := func(s string) result {
		t.Helper()
		var r result
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
		return r
	}

	r := decode(run("iam", "simulate-principal-policy", "--policy-source-arn", "arn:aws:iam::"+acct+":user/app1",
		"--action-names", "kms:Decrypt", "kms:ScheduleKeyDeletion", "--resource-arns", keyARN,
		"--context-entries", "ContextKeyName=kms:EncryptionContext:team,ContextKeyValues=cats,ContextKeyType=string"))
	if len(r.EvaluationResults) != 2 {
		t.Fatalf("got %+v", r)
	}
	for i, want := range []struct{ action, decision, policy string }{
		{"kms:Decrypt", "allowed", "app1-inline-0"},
		{"kms:ScheduleKeyDeletion", "explicitDeny", "app1-inline-1"},
	} {
		e := r.EvaluationResults[i]
		if e.EvalActionName != want.action || e.EvalDecision != want.decision || e.EvalResourceName != keyARN ||
			len(e.MatchedStatements) != 1 || e.MatchedStatements[0].SourcePolicyId != want.policy || e.MatchedStatements[0].SourcePolicyType != "user" {
			t.Fatalf("result %d: got %+v, want %+v", i, e, want)
		}
	}
	if p := r.EvaluationResults[1].MatchedStatements[0].StartPosition; p.Line != 4 || p.Column != 5 {
		t.Fatalf("deny statement starts at %+v", p)
	}

	// Without the context entry the CLI shows which key the decision is waiting for.
	r = decode(run("iam", "simulate-principal-policy", "--policy-source-arn", "arn:aws:iam::"+acct+":user/app1",
		"--action-names", "kms:Decrypt", "--resource-arns", keyARN))
	if e := r.EvaluationResults[0]; e.EvalDecision != "implicitDeny" || len(e.MissingContextValues) != 1 || e.MissingContextValues[0] != "kms:EncryptionContext:team" {
		t.Fatalf("Decrypt without context: %+v", e)
	}

	// The CLI pages through all results itself (MaxItems 1 per call).
	r = decode(run("iam", "simulate-principal-policy", "--policy-source-arn", "arn:aws:iam::"+acct+":user/app1",
		"--action-names", "kms:Decrypt", "kms:ScheduleKeyDeletion", "kms:CreateAlias", "--page-size", "1"))
	if len(r.EvaluationResults) != 3 || r.EvaluationResults[2].EvalDecision != "implicitDeny" {
		t.Fatalf("paged: %+v", r)
	}

	r = decode(run("iam", "simulate-custom-policy", "--policy-input-list", docs[0], docs[1],
		"--action-names", "kms:ScheduleKeyDeletion", "kms:Decrypt", "--resource-arns", keyARN,
		"--context-entries", "ContextKeyName=kms:EncryptionContext:team,ContextKeyValues=cats,ContextKeyType=string"))
	if len(r.EvaluationResults) != 2 || r.EvaluationResults[0].EvalDecision != "explicitDeny" ||
		r.EvaluationResults[0].MatchedStatements[0].SourcePolicyId != "PolicyInputList.2" ||
		r.EvaluationResults[1].EvalDecision != "allowed" || r.EvaluationResults[1].MatchedStatements[0].SourcePolicyId != "PolicyInputList.1" {
		t.Fatalf("simulate-custom-policy: %+v", r)
	}

	// Which context entries those simulations needed.
	var keys struct{ ContextKeyNames []string }
	if err := json.Unmarshal([]byte(run("iam", "get-context-keys-for-principal-policy", "--policy-source-arn", "arn:aws:iam::"+acct+":user/app1")), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys.ContextKeyNames) != 1 || keys.ContextKeyNames[0] != "kms:EncryptionContext:team" {
		t.Fatalf("get-context-keys-for-principal-policy: %q", keys.ContextKeyNames)
	}
}
