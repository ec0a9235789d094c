package node

import (
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// iamUserWithKey creates user name with an inline policy doc and an access key, as the root,
// and returns the key.
func iamUserWithKey(t *testing.T, tn *testNode, name, doc string) (akid, secret string) {
	t.Helper()
	c := tn.iamClient(tn.akid, tn.secret, "")
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(name)}))
	must[*iam.PutUserPolicyOutput](t, "PutUserPolicy")(c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}))
	ak := must[*iam.CreateAccessKeyOutput](t, "CreateAccessKey")(c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String(name)}))
	return aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey)
}

// TestIAMSurvivesRotationAndRestart: an IAM user, its policy and its access key survive a
// domain-key rotation (the key's sealed secret re-wrapped under the new domain key), a
// restart replaying the raft log, and a restart from a snapshot; the key authenticates as the
// user each time, with its secret opened by the HSM (caches purged). Finally no file under the
// data directory holds the user's secret in the clear (DESIGN invariant 1).
func TestIAMSurvivesRotationAndRestart(t *testing.T) {
	tn := newCeremonyNode(t)
	acct := tn.n.svc.ARNs().Account
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}`
	akid, secret := iamUserWithKey(t, tn, "durable", doc)
	check := func(when string) {
		t.Helper()
		who, err := tn.stsClient(akid, secret, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::"+acct+":user/durable" {
			t.Fatalf("%s: GetCallerIdentity as the user: %v %v", when, who, err)
		}
		gp, err := tn.iamClient(tn.akid, tn.secret, "").GetUserPolicy(ctx(), &iam.GetUserPolicyInput{UserName: aws.String("durable"), PolicyName: aws.String("p")})
		if err != nil {
			t.Fatalf("%s: GetUserPolicy: %v", when, err)
		}
		if d, _ := url.QueryUnescape(aws.ToString(gp.PolicyDocument)); d != doc {
			t.Fatalf("%s: policy %q", when, d)
		}
	}
	check("before rotation")

	d := tn.n.svc.Domain()
	submitAndRun(t, tn, ceremony.NewProposal(ceremony.KindRotateDK, d.ID, d.Epoch, time.Now(), time.Hour), func() bool {
		return tn.n.svc.RewrapStatus().Finished && tn.n.svc.Domain().CurrentDK == 2
	})
	if d := tn.n.svc.Domain(); d.DKVersions[0].State != ceremony.DKStateRetired {
		t.Fatalf("DK v1 not retired after the re-wrap: %+v", d.DKVersions)
	}
	tn.restart(t) // fresh credential cache: the secret is opened under DK v2
	check("after rotation and a restart from the log")

	if err := tn.n.raft.Snapshot(); err != nil {
		t.Fatal(err)
	}
	tn.restart(t)
	check("after a restart from a snapshot")

	tn.stop()
	scanForSecrets(t, tn.cfg.DataDir, map[string][]byte{"IAM user secret access key": []byte(secret)})
}
