package node

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestAttackSimulatorReadsOtherUsersPermissions: a user allowed to simulate only its own
// policies points SimulatePrincipalPolicy at another user (whose policies the answer would
// disclose), and a user with no IAM permission at all runs SimulateCustomPolicy. keyhold must
// refuse both, through the same authorization as every IAM action, and disclose nothing of the
// other user's policies.
func TestAttackSimulatorReadsOtherUsersPermissions(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	app1 := tn.testPrincipal(t, "app1", simPolicies("arn:aws:kms:"+tn.cfg.Region+":"+acct+":key/*")...)
	snoopARN := "arn:aws:iam::" + acct + ":user/snoop"
	snoop := tn.testPrincipal(t, "snoop", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":"iam:SimulatePrincipalPolicy","Resource":"`+snoopARN+`"}]}`)
	sc := tn.iamClient(snoop.akid, snoop.secret, "")

	// Its own policies: allowed.
	if _, err := sc.SimulatePrincipalPolicy(ctx(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(snoopARN),
		ActionNames: []string{"iam:SimulatePrincipalPolicy"}}); err != nil {
		t.Fatalf("simulating its own policies: %v", err)
	}
	// The attack: app1's policies.
	_, err := sc.SimulatePrincipalPolicy(ctx(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(app1.arn),
		ActionNames: []string{"kms:ScheduleKeyDeletion"}})
	msg := wantAccessDenied(t, "snoop simulating app1", err)
	if !strings.Contains(msg, "iam:SimulatePrincipalPolicy") || strings.Contains(msg, "app1-inline") {
		t.Errorf("refusal message: %s", msg)
	}
	// No IAM permission at all: not even a custom simulation.
	_, err = tn.iamClient(app1.akid, app1.secret, "").SimulateCustomPolicy(ctx(), &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		ActionNames:     []string{"kms:Decrypt"}})
	wantAccessDenied(t, "app1 running a custom simulation", err)
}

// TestAttackSimulatorAcrossAccounts: another tenant's root asks the simulator about a user of
// the first account, directly and as the simulated caller of its own documents, and asks which
// condition keys that user's policies test. keyhold must refuse, and evaluate nothing of the
// first account.
func TestAttackSimulatorAcrossAccounts(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	app1 := tn.testPrincipal(t, "app1", simPolicies("*")...)
	_, tenant := tn.testAccountRoot(t)
	bc := tn.iamClient(tenant.akid, tenant.secret, "")

	_, err := bc.SimulatePrincipalPolicy(ctx(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(app1.arn),
		ActionNames: []string{"kms:ScheduleKeyDeletion"}})
	if msg := wantAccessDenied(t, "tenant simulating the first account's user", err); strings.Contains(msg, "app1-inline") {
		t.Errorf("refusal discloses a policy: %s", msg)
	}
	_, err = bc.SimulateCustomPolicy(ctx(), &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		ActionNames:     []string{"kms:Decrypt"}, CallerArn: aws.String("arn:aws:iam::" + acct + ":user/app1"),
		ResourcePolicy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + app1.arn + `"},"Action":"*","Resource":"*"}]}`)})
	wantAWSCode(t, "tenant simulating as the first account's user", err, "NoSuchEntity")
	keys, err := bc.GetContextKeysForPrincipalPolicy(ctx(), &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String(app1.arn)})
	if msg := wantAccessDenied(t, "tenant listing the condition keys of the first account's user", err); keys != nil || strings.Contains(msg, "EncryptionContext") {
		t.Errorf("refusal discloses a policy's keys: %s %v", msg, keys)
	}

	// Its own custom simulation still works: the refusal is about the other account alone.
	out, err := bc.SimulateCustomPolicy(ctx(), &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		ActionNames:     []string{"kms:Decrypt"}})
	if err != nil || out.EvaluationResults[0].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed {
		t.Fatalf("tenant's own custom simulation: %v", err)
	}
}
