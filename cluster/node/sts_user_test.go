package node

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestIAMUserAssumesRole: the flow as an IAM user. A role whose trust policy names the
// user admits it with no identity policy; a role trusting the account as a whole admits it only
// once the user's own policy allows sts:AssumeRole on that role; the session is the role's.
func TestIAMUserAssumesRole(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	root := tn.iamClient(tn.akid, tn.secret, "")
	if _, err := root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	ak, err := root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey)
	userARN := "arn:aws:iam::" + acct + ":user/ops"
	direct := tn.mkRole(t, "names-the-user", trustDoc(userARN))
	byAccount := tn.mkRole(t, "key-admins", trustDoc("arn:aws:iam::"+acct+":root"))
	sc := tn.stsClient(id, secret, "")

	out, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(direct), RoleSessionName: aws.String("ops")})
	if err != nil {
		t.Fatalf("role naming the user: %v", err)
	}
	if arn, code := tn.whoAmI(out.Credentials); arn != "arn:aws:sts::"+acct+":assumed-role/names-the-user/ops" {
		t.Fatalf("session: %s %s", arn, code)
	}
	if _, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(byAccount), RoleSessionName: aws.String("ops")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("account-trusted role without an identity policy: %v", err)
	}
	if _, err := root.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + byAccount + `"}]}`)}); err != nil {
		t.Fatal(err)
	}
	out, err = sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(byAccount), RoleSessionName: aws.String("ops")})
	if err != nil {
		t.Fatalf("account-trusted role with an identity policy: %v", err)
	}
	if arn, code := tn.whoAmI(out.Credentials); arn != "arn:aws:sts::"+acct+":assumed-role/key-admins/ops" {
		t.Fatalf("session: %s %s", arn, code)
	}
	// An explicit deny in the user's policies wins even over a trust policy naming the user.
	if _, err := root.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("deny"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(direct), RoleSessionName: aws.String("ops")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("explicit deny in the user's policy: %v", err)
	}
}
