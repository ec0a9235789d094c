package node

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// assume assumes roleARN with the given credentials and returns the session's credentials.
func (tn *testNode) assume(t *testing.T, akid, secret, token, roleARN, session string) *ststypes.Credentials {
	t.Helper()
	out, err := tn.stsClient(akid, secret, token).AssumeRole(ctx(), &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String(session)})
	if err != nil {
		t.Fatalf("AssumeRole %s as %s: %v", roleARN, akid, err)
	}
	return out.Credentials
}

// whoAmI is GetCallerIdentity with session credentials: the ARN, or the error code.
func (tn *testNode) whoAmI(c *ststypes.Credentials) (string, string) {
	out, err := tn.stsClient(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).
		GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", apiCode(err)
	}
	return aws.ToString(out.Arn), ""
}

// TestAssumeRoleTrustPolicy: the trust policy decides who may assume a role. A role trusting
// another account, or only another role, refuses the root; a role trusting a role by ARN
// admits that role's sessions without any identity policy (role chaining); a role trusting
// the account as a whole admits a role session only when the session's own policies allow
// sts:AssumeRole on it.
func TestAssumeRoleTrustPolicy(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	root := "arn:aws:iam::" + acct + ":root"
	sc := tn.stsClient(tn.akid, tn.secret, "")

	other := tn.mkRole(t, "other-account", trustDoc("arn:aws:iam::999988887777:root"))
	if _, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(other), RoleSessionName: aws.String("s1")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("role trusting another account: %v", err)
	}
	if _, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":role/missing"), RoleSessionName: aws.String("s1")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("missing role: %v", err)
	}

	first := tn.mkRole(t, "first", trustDoc(root))
	second := tn.mkRole(t, "second", trustDoc(first))
	if _, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(second), RoleSessionName: aws.String("s1")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("root assuming a role that trusts only another role: %v", err)
	}
	s1 := tn.assume(t, tn.akid, tn.secret, "", first, "one")
	s2 := tn.assume(t, aws.ToString(s1.AccessKeyId), aws.ToString(s1.SecretAccessKey), aws.ToString(s1.SessionToken), second, "two")
	if arn, code := tn.whoAmI(s2); arn != "arn:aws:sts::"+acct+":assumed-role/second/two" {
		t.Fatalf("chained session: %s %s", arn, code)
	}
	// Role chaining caps the session at one hour.
	_, err := tn.stsClient(aws.ToString(s1.AccessKeyId), aws.ToString(s1.SecretAccessKey), aws.ToString(s1.SessionToken)).AssumeRole(ctx(),
		&sts.AssumeRoleInput{RoleArn: aws.String(second), RoleSessionName: aws.String("long"), DurationSeconds: aws.Int32(3601)})
	if apiCode(err) != "ValidationError" {
		t.Fatalf("chained session over an hour: %v", err)
	}

	// "second" trusts only "first": its own sessions may not assume "first", which trusts the
	// account as a whole, until an identity policy of "second" allows it.
	s2c := tn.stsClient(aws.ToString(s2.AccessKeyId), aws.ToString(s2.SecretAccessKey), aws.ToString(s2.SessionToken))
	if _, err := s2c.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("back")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("account-trusted role without an identity policy: %v", err)
	}
	if _, err := tn.iamClient(tn.akid, tn.secret, "").PutRolePolicy(ctx(), &iam.PutRolePolicyInput{RoleName: aws.String("second"), PolicyName: aws.String("chain"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + first + `"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s2c.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("back")}); err != nil {
		t.Fatalf("account-trusted role with an identity policy allowing it: %v", err)
	}
	// A session policy narrows the session: with one that allows only kms:Encrypt, a session of
	// "first" may no longer assume "second", whose trust policy names "first" (a resource
	// policy naming the session's role, not the session, is limited by its session policies).
	out, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("narrow"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 AWS still sends the deprecated PackedPolicySize, and SDKs read it: so does keyhold
	if size := aws.ToInt32(out.PackedPolicySize); size <= 0 {
		t.Errorf("PackedPolicySize %d", size)
	}
	n := out.Credentials
	if _, err := tn.stsClient(aws.ToString(n.AccessKeyId), aws.ToString(n.SecretAccessKey), aws.ToString(n.SessionToken)).AssumeRole(ctx(),
		&sts.AssumeRoleInput{RoleArn: aws.String(second), RoleSessionName: aws.String("x1")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("narrowed session assuming a role its session policy does not allow: %v", err)
	}
	// A malformed session policy is refused.
	if _, err := sc.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("bad"), Policy: aws.String(`{"Statement":[]}`)}); apiCode(err) != "MalformedPolicyDocument" {
		t.Fatalf("malformed session policy: %v", err)
	}
}

// TestSessionExpiresAndEndsWithItsRole: a session is refused with ExpiredToken once past its
// expiry, and with InvalidClientTokenId once its role is deleted, also when a role of the same
// name is created again.
func TestSessionExpiresAndEndsWithItsRole(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	roleARN := tn.mkRole(t, "short", trustDoc("arn:aws:iam::"+acct+":root"))
	out, err := tn.stsClient(tn.akid, tn.secret, "").AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN),
		RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if _, code := tn.whoAmI(c); code != "" {
		t.Fatalf("fresh session: %s", code)
	}
	// The session authenticates to KMS and S3 too. Whether it may act is its policies'
	// business (helper authz's enforcement): allowed, or AccessDenied, never a credential error.
	if _, err := tn.sessionKMS(c).ListKeys(ctx(), nil); err != nil && apiCode(err) != "AccessDeniedException" {
		t.Fatalf("KMS with a live session: %v", err)
	}
	if _, err := tn.sessionS3(c).ListBuckets(ctx(), nil); err != nil && apiCode(err) != "AccessDenied" {
		t.Fatalf("S3 with a live session: %v", err)
	}
	tn.clock.advance(14 * time.Minute)
	if _, code := tn.whoAmI(c); code != "" {
		t.Fatalf("session at 14 minutes: %s", code)
	}
	tn.clock.advance(time.Minute + time.Second)
	if _, code := tn.whoAmI(c); code != "ExpiredToken" {
		t.Fatalf("expired session: %q, want ExpiredToken", code)
	}
	// An expired session cannot reach KMS or S3 either, each answering with its own code.
	if _, err := tn.sessionKMS(c).ListKeys(ctx(), nil); apiCode(err) != "ExpiredTokenException" {
		t.Fatalf("KMS with an expired session: %v", err)
	}
	if _, err := tn.sessionS3(c).ListBuckets(ctx(), nil); apiCode(err) != "ExpiredToken" {
		t.Fatalf("S3 with an expired session: %v", err)
	}

	live := tn.assume(t, tn.akid, tn.secret, "", roleARN, "live")
	ic := tn.iamClient(tn.akid, tn.secret, "")
	if _, err := ic.DeleteRole(ctx(), &iam.DeleteRoleInput{RoleName: aws.String("short")}); err != nil {
		t.Fatal(err)
	}
	if _, code := tn.whoAmI(live); code != "InvalidClientTokenId" {
		t.Fatalf("session of a deleted role: %q", code)
	}
	tn.mkRole(t, "short", trustDoc("arn:aws:iam::"+acct+":root"))
	if _, code := tn.whoAmI(live); code != "InvalidClientTokenId" {
		t.Fatalf("session of a deleted role, re-created: %q", code)
	}
}

// TestSessionsSurviveRestartAndRotation: sessions need no state of their own, so they outlive a
// node restart; the sealing key is a credential record, re-wrapped with every other one when
// the domain key rotates, so sessions made before a rotation verify after it on a node with
// cold caches, and new ones can be made.
func TestSessionsSurviveRestartAndRotation(t *testing.T) {
	tn := newCeremonyNode(t)
	acct := tn.n.svc.ARNs().Account
	roleARN := tn.mkRole(t, "durable", trustDoc("arn:aws:iam::"+acct+":root"))
	c := tn.assume(t, tn.akid, tn.secret, "", roleARN, "before")
	want := "arn:aws:sts::" + acct + ":assumed-role/durable/before"
	tn.restart(t)
	if arn, code := tn.whoAmI(c); arn != want {
		t.Fatalf("after restart: %s %s", arn, code)
	}
	d := tn.n.svc.Domain()
	submitAndRun(t, tn, ceremony.NewProposal(ceremony.KindRotateDK, d.ID, d.Epoch, time.Now(), time.Hour), func() bool {
		return tn.n.svc.RewrapStatus().Finished
	})
	if d := tn.n.svc.Domain(); d.CurrentDK != 2 || d.DKVersions[0].State != ceremony.DKStateRetired {
		t.Fatalf("rotation did not retire version 1: %+v", d.DKVersions)
	}
	tn.restart(t)
	if arn, code := tn.whoAmI(c); arn != want {
		t.Fatalf("after rotation and restart: %s %s", arn, code)
	}
	c2 := tn.assume(t, tn.akid, tn.secret, "", roleARN, "after")
	if arn, code := tn.whoAmI(c2); arn != "arn:aws:sts::"+acct+":assumed-role/durable/after" {
		t.Fatalf("new session after rotation: %s %s", arn, code)
	}
}

// TestNoSessionSecretsOnDisk: after sessions were made and used (and a snapshot written), the
// data directory holds neither the STS sealing key nor a session's secret access key, in any
// form: the key exists on disk only sealed under the domain key, sessions not at all.
func TestNoSessionSecretsOnDisk(t *testing.T) {
	tn := newTestNode(t)
	roleARN := tn.mkRole(t, "disk", trustDoc("arn:aws:iam::"+tn.n.svc.ARNs().Account+":root"))
	c := tn.assume(t, tn.akid, tn.secret, "", roleARN, "s1")
	if _, code := tn.whoAmI(c); code != "" {
		t.Fatal(code)
	}
	key, _, err := tn.n.svc.SecretKey(context.Background(), "KHSTSSESSIONKEY00001")
	if err != nil || len(key) != 32 {
		t.Fatalf("sealing key: %d bytes, %v", len(key), err)
	}
	if err := tn.n.raft.Snapshot(); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	tn.stop()
	scanForSecrets(t, tn.cfg.DataDir, map[string][]byte{
		"STS sealing key":           key,
		"session secret access key": []byte(aws.ToString(c.SecretAccessKey)),
	})
}
