package node

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestContextKeysSDK asks keyhold which condition keys a principal's policies test, with the
// AWS SDK for Go v2's IAM client: the user's inline policies, then its group's, then the
// documents passed along, each key once whatever its case; a custom list reads only the
// documents; an unknown principal, a malformed document and a caller without the permission
// get IAM's errors.
func TestContextKeysSDK(t *testing.T) {
	tn, keyARN, app1, root := newSimFixture(t)
	acct := tn.n.svc.ARNs().Account
	if _, err := root.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: aws.String("office")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutGroupPolicy(ctx(), &iam.PutGroupPolicyInput{GroupName: aws.String("office"), PolicyName: aws.String("from-office"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*",
  "Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"},"StringEquals":{"kms:EncryptionContext:TEAM":"cats"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AddUserToGroup(ctx(), &iam.AddUserToGroupInput{GroupName: aws.String("office"), UserName: aws.String("app1")}); err != nil {
		t.Fatal(err)
	}
	extra := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:*","Resource":"*",
  "Condition":{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"Bool":{"aws:SecureTransport":"false"}}}]}`

	out, err := root.GetContextKeysForPrincipalPolicy(ctx(), &iam.GetContextKeysForPrincipalPolicyInput{
		PolicySourceArn: aws.String(app1.arn), PolicyInputList: []string{extra}})
	if err != nil {
		t.Fatal(err)
	}
	// Within a statement, conditions come in the order the engine compiled them (by operator).
	want := []string{"kms:EncryptionContext:team", "aws:SourceIp", "aws:SecureTransport", "aws:CurrentTime"}
	if !slices.Equal(out.ContextKeyNames, want) {
		t.Fatalf("principal policy keys: got %q, want %q", out.ContextKeyNames, want)
	}

	// The group alone: its own policy, not its members'.
	out, err = root.GetContextKeysForPrincipalPolicy(ctx(), &iam.GetContextKeysForPrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + acct + ":group/office")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"aws:SourceIp", "kms:EncryptionContext:TEAM"}; !slices.Equal(out.ContextKeyNames, want) {
		t.Fatalf("group policy keys: got %q, want %q", out.ContextKeyNames, want)
	}

	cout, err := root.GetContextKeysForCustomPolicy(ctx(), &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: simPolicies(keyARN)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"kms:EncryptionContext:team"}; !slices.Equal(cout.ContextKeyNames, want) {
		t.Fatalf("custom policy keys: got %q, want %q", cout.ContextKeyNames, want)
	}
	// A document with no condition has no keys: an empty list, not an error.
	cout, err = root.GetContextKeysForCustomPolicy(ctx(), &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: simPolicies(keyARN)[1:]})
	if err != nil || len(cout.ContextKeyNames) != 0 {
		t.Fatalf("keys of a policy without conditions: %q, %v", cout.ContextKeyNames, err)
	}

	_, err = root.GetContextKeysForPrincipalPolicy(ctx(), &iam.GetContextKeysForPrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + acct + ":user/nobody")})
	wantAWSCode(t, "unknown principal", err, "NoSuchEntity")
	_, err = root.GetContextKeysForCustomPolicy(ctx(), &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{`{"Statement":`}})
	wantAWSCode(t, "malformed document", err, "InvalidInput")
	app1IAM := tn.iamClient(app1.akid, app1.secret, "")
	_, err = app1IAM.GetContextKeysForPrincipalPolicy(ctx(), &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String(app1.arn)})
	wantAccessDenied(t, "GetContextKeysForPrincipalPolicy as app1", err)
	_, err = app1IAM.GetContextKeysForCustomPolicy(ctx(), &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{extra}})
	wantAccessDenied(t, "GetContextKeysForCustomPolicy as app1", err)
}
