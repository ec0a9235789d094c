package node

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// iamCode returns the AWS error code of err ("" when err is nil or not an API error).
func iamCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// wantCode fails unless err carries AWS error code want.
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := iamCode(err); got != want {
		t.Fatalf("%s: got %v, want %s", what, err, want)
	}
}

// must fails the test on err.
func must[T any](t *testing.T, what string) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// TestIAMUserLifecycle: the account root creates a user with the SDK's IAM client, gives it an
// access key and an inline policy; the key authenticates as the user (STS answers the user's
// ARN and id; KMS accepts the signature); AWS's limits and conflicts hold (2 keys, DeleteConflict
// while keys or policies remain); an inactive key and a deleted user's key are refused.
func TestIAMUserLifecycle(t *testing.T) {
	tn := newTestNode(t)
	root := tn.iamClient(tn.akid, tn.secret, "")
	acct := tn.n.svc.ARNs().Account

	cu := must[*iam.CreateUserOutput](t, "CreateUser")(root.CreateUser(ctx(), &iam.CreateUserInput{
		UserName: aws.String("app1"), Path: aws.String("/apps/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("cats")}}}))
	userARN := "arn:aws:iam::" + acct + ":user/apps/app1"
	if aws.ToString(cu.User.Arn) != userARN || !strings.HasPrefix(aws.ToString(cu.User.UserId), "AIDA") || len(aws.ToString(cu.User.UserId)) != 20 {
		t.Fatalf("CreateUser: got %s %s", aws.ToString(cu.User.Arn), aws.ToString(cu.User.UserId))
	}
	_, err := root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("APP1")})
	wantCode(t, "CreateUser again (other case)", err, "EntityAlreadyExists")
	_, err = root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("bad/name")})
	wantCode(t, "CreateUser bad name", err, "ValidationError")

	gu := must[*iam.GetUserOutput](t, "GetUser")(root.GetUser(ctx(), &iam.GetUserInput{UserName: aws.String("app1")}))
	if aws.ToString(gu.User.UserId) != aws.ToString(cu.User.UserId) || len(gu.User.Tags) != 1 || aws.ToString(gu.User.Tags[0].Value) != "cats" {
		t.Fatalf("GetUser: %+v", gu.User)
	}
	_, err = root.GetUser(ctx(), &iam.GetUserInput{UserName: aws.String("nobody")})
	wantCode(t, "GetUser nobody", err, "NoSuchEntity")

	// Access keys: the secret comes back once; a third key is over the quota.
	ak := must[*iam.CreateAccessKeyOutput](t, "CreateAccessKey")(root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("app1")}))
	id, secret := aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey)
	if !strings.HasPrefix(id, "AKIA") || len(id) != 20 || len(secret) != 40 || ak.AccessKey.Status != iamtypes.StatusTypeActive || aws.ToString(ak.AccessKey.UserName) != "app1" {
		t.Fatalf("CreateAccessKey: %s (%d-char secret) %s", id, len(secret), ak.AccessKey.Status)
	}
	ak2 := must[*iam.CreateAccessKeyOutput](t, "CreateAccessKey 2")(root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("app1")}))
	_, err = root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("app1")})
	wantCode(t, "third access key", err, "LimitExceeded")
	lk := must[*iam.ListAccessKeysOutput](t, "ListAccessKeys")(root.ListAccessKeys(ctx(), &iam.ListAccessKeysInput{UserName: aws.String("app1")}))
	if len(lk.AccessKeyMetadata) != 2 || aws.ToString(lk.AccessKeyMetadata[0].AccessKeyId) != id {
		t.Fatalf("ListAccessKeys: %+v", lk.AccessKeyMetadata)
	}

	// The user's key authenticates as the user.
	who := must[*sts.GetCallerIdentityOutput](t, "GetCallerIdentity as user")(tn.stsClient(id, secret, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}))
	if aws.ToString(who.Arn) != userARN || aws.ToString(who.UserId) != aws.ToString(cu.User.UserId) || aws.ToString(who.Account) != acct {
		t.Fatalf("GetCallerIdentity: %s %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId), aws.ToString(who.Account))
	}
	self := must[*iam.GetUserOutput](t, "GetUser as the user")(tn.iamClient(id, secret, "").GetUser(ctx(), &iam.GetUserInput{}))
	if aws.ToString(self.User.Arn) != userARN {
		t.Fatalf("GetUser without a name, as the user: %s", aws.ToString(self.User.Arn))
	}
	// KMS verifies the user's signature (whether the call is allowed is authorization's
	// decision: anything but an authentication failure is accepted here).
	_, err = tn.client(id, secret).ListKeys(ctx(), &kms.ListKeysInput{})
	if c := iamCode(err); c == "UnrecognizedClientException" || c == "InvalidSignatureException" || c == "IncompleteSignatureException" {
		t.Fatalf("KMS refused the user's key: %v", err)
	}
	lu := must[*iam.GetAccessKeyLastUsedOutput](t, "GetAccessKeyLastUsed")(root.GetAccessKeyLastUsed(ctx(), &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)}))
	if lu.AccessKeyLastUsed.LastUsedDate == nil || aws.ToString(lu.AccessKeyLastUsed.ServiceName) == "N/A" || aws.ToString(lu.UserName) != "app1" {
		t.Fatalf("GetAccessKeyLastUsed: %+v", lu.AccessKeyLastUsed)
	}

	// An inline policy: stored as sent, returned URL-encoded; a malformed one is refused.
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:team":"cats"}}}]}`
	must[*iam.PutUserPolicyOutput](t, "PutUserPolicy")(root.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("app1"), PolicyName: aws.String("use-catrobot"), PolicyDocument: aws.String(doc)}))
	gp := must[*iam.GetUserPolicyOutput](t, "GetUserPolicy")(root.GetUserPolicy(ctx(), &iam.GetUserPolicyInput{UserName: aws.String("app1"), PolicyName: aws.String("use-catrobot")}))
	if got, err := url.QueryUnescape(aws.ToString(gp.PolicyDocument)); err != nil || got != doc {
		t.Fatalf("GetUserPolicy: %q (%v)", aws.ToString(gp.PolicyDocument), err)
	}
	_, err = root.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("app1"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow"}]}`)})
	wantCode(t, "PutUserPolicy malformed", err, "MalformedPolicyDocument")
	lp := must[*iam.ListUserPoliciesOutput](t, "ListUserPolicies")(root.ListUserPolicies(ctx(), &iam.ListUserPoliciesInput{UserName: aws.String("app1")}))
	if len(lp.PolicyNames) != 1 || lp.PolicyNames[0] != "use-catrobot" {
		t.Fatalf("ListUserPolicies: %v", lp.PolicyNames)
	}
	// The user's caller now carries the policy (derived once per model change).
	sec, caller, err := tn.n.svc.Authenticate(ctx(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	clear(sec)
	if len(caller.Identity) != 1 || caller.Principal.ARN != userARN || caller.Principal.Tags["team"] != "cats" {
		t.Fatalf("the user's caller: %d identity policies, %+v", len(caller.Identity), caller.Principal)
	}

	// An inactive key is refused at authentication; active again, it works.
	must[*iam.UpdateAccessKeyOutput](t, "UpdateAccessKey")(root.UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{UserName: aws.String("app1"), AccessKeyId: aws.String(id), Status: iamtypes.StatusTypeInactive}))
	_, err = tn.stsClient(id, secret, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantCode(t, "inactive key", err, "InvalidClientTokenId")
	must[*iam.UpdateAccessKeyOutput](t, "UpdateAccessKey active")(root.UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{UserName: aws.String("app1"), AccessKeyId: aws.String(id), Status: iamtypes.StatusTypeActive}))
	must[*sts.GetCallerIdentityOutput](t, "active again")(tn.stsClient(id, secret, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}))

	// DeleteUser refuses while keys, then policies, remain.
	_, err = root.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("app1")})
	wantCode(t, "DeleteUser with keys", err, "DeleteConflict")
	for _, k := range []string{id, aws.ToString(ak2.AccessKey.AccessKeyId)} {
		must[*iam.DeleteAccessKeyOutput](t, "DeleteAccessKey")(root.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: aws.String("app1"), AccessKeyId: aws.String(k)}))
	}
	_, err = tn.stsClient(id, secret, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantCode(t, "deleted key", err, "InvalidClientTokenId")
	_, err = root.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("app1")})
	wantCode(t, "DeleteUser with a policy", err, "DeleteConflict")
	must[*iam.DeleteUserPolicyOutput](t, "DeleteUserPolicy")(root.DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: aws.String("app1"), PolicyName: aws.String("use-catrobot")}))
	must[*iam.DeleteUserOutput](t, "DeleteUser")(root.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("app1")}))
	_, err = root.GetUser(ctx(), &iam.GetUserInput{UserName: aws.String("app1")})
	wantCode(t, "GetUser after delete", err, "NoSuchEntity")
}
