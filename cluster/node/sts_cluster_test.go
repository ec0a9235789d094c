package node

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// TestSessionsAcrossClusterNodes: on a 3-node cluster of processes, a role created through one
// node is assumed through another the moment CreateRole returned, and its session verifies on
// every node (no node wrote anything for it: each opens the token under the replicated
// sealing key); the role deleted through a third node ends the session everywhere.
func TestSessionsAcrossClusterNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	stsOn := func(id string, akid, secret, token string) *sts.Client {
		return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(pc.Info(id).APIURL),
			Credentials: credentials.NewStaticCredentialsProvider(akid, secret, token)})
	}
	iamOn := func(id string) *iam.Client {
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(pc.Info(id).APIURL),
			Credentials: credentials.NewStaticCredentialsProvider(pc.AKID, pc.Secret, "")})
	}
	who, err := stsOn("node1", pc.AKID, pc.Secret, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	acct := aws.ToString(who.Account)
	var sessions []*ststypes.Credentials
	for i, on := range []string{"node1", "node2", "node3"} {
		name := "r" + on
		out, err := iamOn(on).CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String(name),
			AssumeRolePolicyDocument: aws.String(trustDoc("arn:aws:iam::" + acct + ":root"))})
		if err != nil {
			t.Fatalf("CreateRole on %s: %v", on, err)
		}
		next := []string{"node1", "node2", "node3"}[(i+1)%3]
		as, err := stsOn(next, pc.AKID, pc.Secret, "").AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: out.Role.Arn, RoleSessionName: aws.String("s-" + on)})
		if err != nil {
			t.Fatalf("AssumeRole on %s right after CreateRole on %s: %v", next, on, err)
		}
		sessions = append(sessions, as.Credentials)
	}
	for _, c := range sessions {
		for _, on := range []string{"node1", "node2", "node3"} {
			if _, err := stsOn(on, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).
				GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}); err != nil {
				t.Fatalf("session %s on %s: %v", aws.ToString(c.AccessKeyId), on, err)
			}
		}
	}
	if _, err := iamOn("node3").DeleteRole(ctx(), &iam.DeleteRoleInput{RoleName: aws.String("rnode1")}); err != nil {
		t.Fatal(err)
	}
	// node3 answered after the delete applied there; the others apply it within the bounded
	// staleness, so poll them briefly.
	for _, on := range []string{"node1", "node2", "node3"} {
		c := sessions[0]
		pc.Poll("the deleted role's session refused on "+on, func() bool {
			_, err := stsOn(on, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).
				GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
			return apiCode(err) == "InvalidClientTokenId"
		})
	}
}
