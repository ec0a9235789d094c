package node

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// simPolicies are app1's inline policies in the simulation tests: app1-inline-0 allows Decrypt
// under the key with team=cats in the encryption context, app1-inline-1 denies scheduling any
// key's deletion.
func simPolicies(keyARN string) []string {
	return []string{
		`{"Version":"2012-10-17","Statement":[{"Sid":"CatsDecrypt","Effect":"Allow","Action":"kms:Decrypt","Resource":"` + keyARN + `",
  "Condition":{"StringEquals":{"kms:EncryptionContext:team":"cats"}}}]}`,
		`{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "NoDelete", "Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*"}
  ]
}`,
	}
}

// newSimFixture is the set-up of the simulator's SDK tests: a node, a key, the IAM user app1
// with simPolicies on that key, and the account root's IAM client.
func newSimFixture(t *testing.T) (tn *testNode, keyARN string, app1 *principal, root *iam.Client) {
	t.Helper()
	tn = newTestNode(t)
	key, err := tn.client(tn.akid, tn.secret).CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN = aws.ToString(key.KeyMetadata.Arn)
	return tn, keyARN, tn.testPrincipal(t, "app1", simPolicies(keyARN)...), tn.iamClient(tn.akid, tn.secret, "")
}

// TestSimulatePolicySDK asks keyhold why, with the AWS SDK for Go v2's IAM client: the
// principal simulation names the statement behind each decision, reports the condition key a
// request did not supply and pages its results; the custom simulation names the input
// document; and the audit record of the real request, refused, names the same statement the
// simulation named.
func TestSimulatePolicySDK(t *testing.T) {
	tn, keyARN, app1, root := newSimFixture(t)
	acct := tn.n.svc.ARNs().Account
	cats := []iamtypes.ContextEntry{{ContextKeyName: aws.String("kms:EncryptionContext:team"),
		ContextKeyValues: []string{"cats"}, ContextKeyType: iamtypes.ContextKeyTypeEnumString}}

	out, err := root.SimulatePrincipalPolicy(ctx(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(app1.arn),
		ActionNames: []string{"kms:Decrypt", "kms:ScheduleKeyDeletion", "kms:CreateAlias"}, ResourceArns: []string{keyARN}, ContextEntries: cats})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EvaluationResults) != 3 || out.IsTruncated {
		t.Fatalf("got %d results (truncated %v), want 3", len(out.EvaluationResults), out.IsTruncated)
	}
	for i, want := range []struct {
		decision iamtypes.PolicyEvaluationDecisionType
		policy   string
	}{
		{iamtypes.PolicyEvaluationDecisionTypeAllowed, "app1-inline-0"},
		{iamtypes.PolicyEvaluationDecisionTypeExplicitDeny, "app1-inline-1"},
		{iamtypes.PolicyEvaluationDecisionTypeImplicitDeny, ""},
	} {
		r := out.EvaluationResults[i]
		if r.EvalDecision != want.decision || aws.ToString(r.EvalResourceName) != keyARN {
			t.Fatalf("%s: got %s on %s, want %s on %s", aws.ToString(r.EvalActionName), r.EvalDecision, aws.ToString(r.EvalResourceName), want.decision, keyARN)
		}
		if len(r.ResourceSpecificResults) != 1 || r.ResourceSpecificResults[0].EvalResourceDecision != want.decision {
			t.Fatalf("%s: per-resource results %+v", aws.ToString(r.EvalActionName), r.ResourceSpecificResults)
		}
		if want.policy == "" {
			if len(r.MatchedStatements) != 0 {
				t.Fatalf("%s: implicit deny names %+v", aws.ToString(r.EvalActionName), r.MatchedStatements)
			}
			continue
		}
		if len(r.MatchedStatements) != 1 || aws.ToString(r.MatchedStatements[0].SourcePolicyId) != want.policy ||
			r.MatchedStatements[0].SourcePolicyType != iamtypes.PolicySourceTypeUser || r.MatchedStatements[0].StartPosition == nil {
			t.Fatalf("%s: matched %+v, want %s (user)", aws.ToString(r.EvalActionName), r.MatchedStatements, want.policy)
		}
	}
	// The deny statement sits on line 4 of its document, from column 5 to just after column 95.
	if p, e := out.EvaluationResults[1].MatchedStatements[0].StartPosition, out.EvaluationResults[1].MatchedStatements[0].EndPosition; p.Line != 4 || p.Column != 5 || e.Line != 4 || e.Column != 96 {
		t.Fatalf("deny statement at %+v to %+v", *p, *e)
	}

	// Without the encryption context the condition key is reported missing.
	out, err = root.SimulatePrincipalPolicy(ctx(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(app1.arn),
		ActionNames: []string{"kms:Decrypt"}, ResourceArns: []string{keyARN}})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.EvaluationResults[0]; r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny ||
		len(r.MissingContextValues) != 1 || r.MissingContextValues[0] != "kms:EncryptionContext:team" {
		t.Fatalf("Decrypt without context: %s, missing %q", r.EvalDecision, r.MissingContextValues)
	}

	// Pages of one result each, as the SDK's paginator walks them.
	pg := iam.NewSimulatePrincipalPolicyPaginator(root, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(app1.arn),
		ActionNames: []string{"kms:Decrypt", "kms:ScheduleKeyDeletion", "kms:CreateAlias"}, ContextEntries: cats, MaxItems: aws.Int32(1)})
	var actions []string
	for pages := 0; pg.HasMorePages(); pages++ {
		p, err := pg.NextPage(ctx())
		if err != nil {
			t.Fatal(err)
		}
		if pages > 3 || len(p.EvaluationResults) != 1 {
			t.Fatalf("page %d: %d results", pages, len(p.EvaluationResults))
		}
		actions = append(actions, aws.ToString(p.EvaluationResults[0].EvalActionName))
	}
	if len(actions) != 3 || actions[0] != "kms:Decrypt" || actions[2] != "kms:CreateAlias" {
		t.Fatalf("paged actions: %q", actions)
	}

	// A custom simulation names its input documents.
	cout, err := root.SimulateCustomPolicy(ctx(), &iam.SimulateCustomPolicyInput{PolicyInputList: simPolicies(keyARN),
		ActionNames: []string{"kms:ScheduleKeyDeletion"}, ResourceArns: []string{keyARN}})
	if err != nil {
		t.Fatal(err)
	}
	if r := cout.EvaluationResults[0]; r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeExplicitDeny ||
		aws.ToString(r.MatchedStatements[0].SourcePolicyId) != "PolicyInputList.2" {
		t.Fatalf("custom simulation: %s %+v", r.EvalDecision, r.MatchedStatements)
	}

	// Errors as IAM answers them.
	_, err = root.SimulatePrincipalPolicy(ctx(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::" + acct + ":user/nobody"),
		ActionNames: []string{"kms:Decrypt"}})
	wantAWSCode(t, "unknown policy source", err, "NoSuchEntity")
	_, err = root.SimulatePrincipalPolicy(ctx(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(app1.arn),
		ActionNames: []string{"kms:Decrypt"}, ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"),
			ContextKeyValues: []string{"not an address"}, ContextKeyType: iamtypes.ContextKeyTypeEnumIp}}})
	wantAWSCode(t, "bad ip context value", err, "InvalidInput")

	// The real request is refused, and its audit record names what the simulation named.
	_, err = app1.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyARN), PendingWindowInDays: aws.Int32(7)})
	wantAccessDenied(t, "ScheduleKeyDeletion as app1", err)
	found := false
	for _, l := range readAuthzAudit(t, tn.n.cfg.auditDir()) {
		if l.Principal == app1.arn && l.Op == "ScheduleKeyDeletion" {
			found = l.Decision == "Deny" && l.DecisionReason == "explicit deny" && l.DecidingPolicy == "app1-inline-1" &&
				l.DecidingStatement == "NoDelete" && l.Outcome == "AccessDeniedException"
			if !found {
				t.Fatalf("audit record of the refused request: %+v", l)
			}
		}
	}
	if !found {
		t.Fatal("no audit record of the refused ScheduleKeyDeletion")
	}
}
