package node

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestIAMAcrossNodes: IAM writes sent to followers are forwarded (one cmdIAM type, checked
// strictly by the leader) and visible on every node as soon as they return: a user and access
// key created through one follower authenticate on the other follower and on the leader, and a
// key deleted through a follower is refused everywhere; across a leader change (the leader
// SIGKILLed, then restarted) the user, its key and its policy hold on every node.
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

	// A leader change: the user, its access key and its policy hold on the new leader, and on
	// the old one once it is back (it restarts from its own raft log and snapshot).
	kmsAs := func(n string) *kms.Client {
		return kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(pc.Info(n).APIURL),
			Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")})
	}
	key := must[*kms.CreateKeyOutput](t, "CreateKey")(pc.KMS(followers[0]).CreateKey(ctx(), &kms.CreateKeyInput{}))
	keyID := key.KeyMetadata.KeyId
	pc.Kill(leader)
	newLeader := pc.Leader(followers...)
	allowedThenDenied := func(n string) {
		t.Helper()
		pc.Poll("the user's Encrypt on "+n, func() bool {
			_, err := kmsAs(n).Encrypt(ctx(), &kms.EncryptInput{KeyId: keyID, Plaintext: []byte("x")})
			return err == nil
		})
		if _, err := kmsAs(n).DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: keyID}); apiCode(err) != "AccessDeniedException" {
			t.Fatalf("DescribeKey, which the user's policy does not allow, on %s: %v", n, err)
		}
	}
	allowedThenDenied(newLeader)
	pc.Restart(leader)
	pc.CaughtUp(leader, newLeader)
	allowedThenDenied(leader)

	must[*iam.DeleteAccessKeyOutput](t, "DeleteAccessKey on a follower")(iamOn(followers[1], pc.AKID, pc.Secret).DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: aws.String("app1"), AccessKeyId: aws.String(id)}))
	for _, n := range all {
		// Another node applies the delete when the leader commits it; poll briefly for it.
		pc.Poll("deleted key refused on "+n, func() bool {
			_, err := stsOn(n, id, secret).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
			return iamCode(err) == "InvalidClientTokenId"
		})
	}
}
