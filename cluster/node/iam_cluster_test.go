package node

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestIAMAcrossNodes: IAM writes sent to followers are forwarded (one cmdIAM type, checked
// strictly by the leader) and visible on every node as soon as they return: a user and access
// key created through one follower authenticate on the other follower and on the leader, and a
// key deleted through a follower is refused everywhere.
func TestIAMAcrossNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	all := []string{"node1", "node2", "node3"}
	leader := pc.Leader(all...)
	followers := clustertest.Without(all, leader)
	iamOn := func(id, akid, secret string) *iam.Client {
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(pc.Info(id).APIURL),
			Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""), Retryer: clustertest.ClientRaceRetryer()})
	}
	stsOn := func(id, akid, secret string) *sts.Client {
		return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(pc.Info(id).APIURL),
			Credentials: credentials.NewStaticCredentialsProvider(akid, secret, "")})
	}
	f := iamOn(followers[0], pc.AKID, pc.Secret)
	cu := must[*iam.CreateUserOutput](t, "CreateUser on a follower")(f.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("app1")}))
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}`
	must[*iam.PutUserPolicyOutput](t, "PutUserPolicy on a follower")(f.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("app1"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}))
	ak := must[*iam.CreateAccessKeyOutput](t, "CreateAccessKey on a follower")(f.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("app1")}))
	id, secret := aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey)
	for _, n := range []string{followers[1], leader} {
		who := must[*sts.GetCallerIdentityOutput](t, "GetCallerIdentity on "+n)(stsOn(n, id, secret).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}))
		if aws.ToString(who.Arn) != aws.ToString(cu.User.Arn) {
			t.Fatalf("on %s the key authenticates as %s, want %s", n, aws.ToString(who.Arn), aws.ToString(cu.User.Arn))
		}
		gu := must[*iam.GetUserPolicyOutput](t, "GetUserPolicy on "+n)(iamOn(n, pc.AKID, pc.Secret).GetUserPolicy(ctx(), &iam.GetUserPolicyInput{UserName: aws.String("app1"), PolicyName: aws.String("p")}))
		if aws.ToString(gu.PolicyName) != "p" {
			t.Fatalf("GetUserPolicy on %s: %+v", n, gu)
		}
	}
	must[*iam.DeleteAccessKeyOutput](t, "DeleteAccessKey on a follower")(iamOn(followers[1], pc.AKID, pc.Secret).DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: aws.String("app1"), AccessKeyId: aws.String(id)}))
	for _, n := range all {
		// Another node applies the delete when the leader commits it; poll briefly for it.
		pc.Poll("deleted key refused on "+n, func() bool {
			_, err := stsOn(n, id, secret).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
			return iamCode(err) == "InvalidClientTokenId"
		})
	}
}
