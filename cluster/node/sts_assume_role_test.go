package node

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

// trustDoc is a trust policy allowing principal (an "AWS" principal) sts:AssumeRole, and
// sts:TagSession so that session tags may be passed.
func trustDoc(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal +
		`"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
}

// mkRole creates a role with the root credentials and returns its ARN.
func (tn *testNode) mkRole(t *testing.T, name, trust string) string {
	t.Helper()
	out, err := tn.iamClient(tn.akid, tn.secret, "").CreateRole(ctx(), &iam.CreateRoleInput{
		RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	return aws.ToString(out.Role.Arn)
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestAssumeRoleWithSDK: a role created through IAM is assumed through STS with the SDK's
// client and with stscreds' AssumeRole provider; the temporary credentials are an ASIA key, a
// secret and a session token, and GetCallerIdentity with them names the assumed-role session.
func TestAssumeRoleWithSDK(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	trust := trustDoc("arn:aws:iam::" + acct + ":root")
	ic := tn.iamClient(tn.akid, tn.secret, "")
	cr, err := ic.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("key-admins"), Path: aws.String("/ops/"),
		AssumeRolePolicyDocument: aws.String(trust), Description: aws.String("administers keys"),
		MaxSessionDuration: aws.Int32(7200), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("cats")}}})
	if err != nil {
		t.Fatal(err)
	}
	roleARN := "arn:aws:iam::" + acct + ":role/ops/key-admins"
	r := cr.Role
	if aws.ToString(r.Arn) != roleARN || !strings.HasPrefix(aws.ToString(r.RoleId), "AROA") || len(aws.ToString(r.RoleId)) != 20 ||
		aws.ToInt32(r.MaxSessionDuration) != 7200 || aws.ToString(r.Path) != "/ops/" {
		t.Fatalf("CreateRole: %+v", r)
	}
	doc, err := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument))
	if err != nil || doc != trust {
		t.Fatalf("AssumeRolePolicyDocument %q (%v)", aws.ToString(r.AssumeRolePolicyDocument), err)
	}
	if _, err := ic.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("KEY-ADMINS"), AssumeRolePolicyDocument: aws.String(trust)}); apiCode(err) != "EntityAlreadyExists" {
		t.Fatalf("duplicate role (other case): %v", err)
	}

	sc := tn.stsClient(tn.akid, tn.secret, "")
	out, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ops"),
		DurationSeconds: aws.Int32(900), Tags: []ststypes.Tag{{Key: aws.String("project"), Value: aws.String("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || len(aws.ToString(c.AccessKeyId)) != 20 ||
		len(aws.ToString(c.SecretAccessKey)) != 40 || aws.ToString(c.SessionToken) == "" {
		t.Fatalf("credentials %+v", c)
	}
	if d := time.Until(aws.ToTime(c.Expiration)); d < 14*time.Minute || d > 16*time.Minute {
		t.Fatalf("expiration in %v, want 15m", d)
	}
	sessARN := "arn:aws:sts::" + acct + ":assumed-role/key-admins/ops"
	if aws.ToString(out.AssumedRoleUser.Arn) != sessARN || aws.ToString(out.AssumedRoleUser.AssumedRoleId) != aws.ToString(r.RoleId)+":ops" {
		t.Fatalf("AssumedRoleUser %+v", out.AssumedRoleUser)
	}
	who, err := tn.stsClient(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).
		GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != sessARN || aws.ToString(who.UserId) != aws.ToString(r.RoleId)+":ops" || aws.ToString(who.Account) != acct {
		t.Fatalf("GetCallerIdentity: %s %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId), aws.ToString(who.Account))
	}
	// Without its token, with another session's token, or with the token of another key id,
	// the access key is refused.
	if _, err := tn.stsClient(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Fatalf("no token: %v", err)
	}

	// stscreds' provider, as applications use it.
	prov := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sc, roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "provider"
	}))
	viaProvider := sts.New(sts.Options{Region: tn.cfg.Region, Credentials: prov, BaseEndpoint: aws.String(tn.url), HTTPClient: tn.httpClient(nil)})
	who, err = viaProvider.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:sts::"+acct+":assumed-role/key-admins/provider" {
		t.Fatalf("provider session: %s", aws.ToString(who.Arn))
	}

	// DurationSeconds beyond the role's maximum, and a malformed session name, are refused.
	if _, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ops"), DurationSeconds: aws.Int32(7201)}); apiCode(err) != "ValidationError" {
		t.Fatalf("duration over the role's maximum: %v", err)
	}
	if _, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ops"), DurationSeconds: aws.Int32(899)}); apiCode(err) != "ValidationError" {
		t.Fatalf("duration under 900 s: %v", err)
	}
	if _, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("a b")}); apiCode(err) != "ValidationError" {
		t.Fatalf("bad session name: %v", err)
	}
}
