package node

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestResourcePoliciesAcrossCluster, on a 3-node cluster of processes: a grant created through
// the leader is in force on both followers the moment CreateGrant returned (no grant token
// needed, no wait), and a retired grant is refused everywhere; then the leader is killed, and
// under the new leader the key policy, the grants and the bucket policy are all still in
// force on every surviving node, and new grants work at once across nodes again.
func TestResourcePoliciesAcrossCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	all := []string{"node1", "node2", "node3"}
	leader := pc.Leader(all...)
	followers := clustertest.Without(all, leader)
	kmsAs := func(id, akid, secret string) *kms.Client {
		return kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(pc.Info(id).APIURL),
			Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""), Retryer: clustertest.ClientRaceRetryer()})
	}
	s3As := func(id, akid, secret string) *s3.Client {
		return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(pc.Info(id).APIURL), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""), Retryer: clustertest.ClientRaceRetryer()})
	}
	ic := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(pc.Info(leader).APIURL),
		Credentials: credentials.NewStaticCredentialsProvider(pc.AKID, pc.Secret, "")})
	user := func(name string) (arn, akid, secret string) {
		t.Helper()
		cu := must[*iam.CreateUserOutput](t, "CreateUser")(ic.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(name)}))
		ak := must[*iam.CreateAccessKeyOutput](t, "CreateAccessKey")(ic.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String(name)}))
		return aws.ToString(cu.User.Arn), aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey)
	}
	granteeARN, gAKID, gSecret := user("grantee")
	keyUserARN, uAKID, uSecret := user("key-user")
	ck := must[*kms.CreateKeyOutput](t, "CreateKey")(pc.KMS(leader).CreateKey(ctx(), &kms.CreateKeyInput{}))
	keyARN := aws.ToString(ck.KeyMetadata.Arn)
	acct := aws.ToString(ck.KeyMetadata.AWSAccountId)
	// Every follower knows the user's access key before the race below starts: what is raced
	// is the grant, not the credential.
	for _, f := range followers {
		pc.CaughtUp(f, leader)
	}

	ec := map[string]string{"purpose": "cluster"}
	for i := range 10 {
		g, err := pc.KMS(leader).CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyARN), GranteePrincipal: aws.String(granteeARN),
			Operations:  []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationDecrypt},
			Constraints: &kmstypes.GrantConstraints{EncryptionContextSubset: ec}})
		if err != nil {
			t.Fatalf("CreateGrant %d: %v", i, err)
		}
		f := followers[i%2]
		enc, err := kmsAs(f, gAKID, gSecret).Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("granted"), EncryptionContext: ec})
		if err != nil {
			t.Fatalf("Encrypt by the grantee on follower %s right after CreateGrant on the leader: %v", f, err)
		}
		if _, err := pc.KMS(leader).RetireGrant(ctx(), &kms.RetireGrantInput{KeyId: aws.String(keyARN), GrantId: g.GrantId}); err != nil {
			t.Fatal(err)
		}
		// A retired grant stops on the node that answered RetireGrant at once, and on the
		// others within the bounded staleness.
		_, err = kmsAs(leader, gAKID, gSecret).Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
		wantAccessDenied(t, "Decrypt on the leader after RetireGrant", err)
		pc.Poll("the retired grant refused on "+f, func() bool {
			_, err := kmsAs(f, gAKID, gSecret).Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
			code, _, _ := awsError(err)
			return code == "AccessDeniedException"
		})
	}

	// State that must survive the leader's death: a key policy, a grant, a bucket policy.
	pol := keyPolicyDoc(acct, keyStmt("Allow use of the key", []string{keyUserARN}, "kms:Encrypt", "kms:Decrypt"))
	if _, err := pc.KMS(leader).PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(keyARN), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	// A key-policy change reaches every node within the staleness bound.
	for _, f := range followers {
		pc.Poll("the new key policy in force on "+f, func() bool {
			_, err := kmsAs(f, uAKID, uSecret).Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("x")})
			return err == nil
		})
	}
	kept, err := pc.KMS(leader).CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyARN), GranteePrincipal: aws.String(granteeARN),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt}})
	if err != nil {
		t.Fatal(err)
	}
	rootS3 := s3As(leader, pc.AKID, pc.Secret)
	if _, err := rootS3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("durable")}); err != nil {
		t.Fatal(err)
	}
	bucketPol := denyUnencryptedDoc("durable", "")
	if _, err := rootS3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("durable"), Policy: aws.String(bucketPol)}); err != nil {
		t.Fatal(err)
	}

	pc.Kill(leader)
	survivors := followers
	newLeader := pc.Leader(survivors...)
	for _, n := range survivors {
		pc.CaughtUp(n, newLeader)
		gp, err := pc.KMS(n).GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: aws.String(keyARN)})
		if err != nil || aws.ToString(gp.Policy) != pol {
			t.Fatalf("key policy on %s after the leader change: %v %v", n, gp, err)
		}
		if _, err := kmsAs(n, uAKID, uSecret).Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("x")}); err != nil {
			t.Fatalf("the key policy's user on %s after the leader change: %v", n, err)
		}
		if _, err := kmsAs(n, gAKID, gSecret).Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("x")}); err != nil {
			t.Fatalf("the kept grant on %s after the leader change: %v", n, err)
		}
		lg, err := pc.KMS(n).ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(keyARN)})
		if err != nil || len(lg.Grants) != 1 || aws.ToString(lg.Grants[0].GrantId) != aws.ToString(kept.GrantId) {
			t.Fatalf("ListGrants on %s after the leader change: %+v %v", n, lg, err)
		}
		c := s3As(n, pc.AKID, pc.Secret)
		bp, err := c.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("durable")})
		if err != nil || aws.ToString(bp.Policy) != bucketPol {
			t.Fatalf("bucket policy on %s after the leader change: %v %v", n, bp, err)
		}
		_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("durable"), Key: aws.String("plain"), Body: bytes.NewReader([]byte("x"))})
		wantAccessDenied(t, "unencrypted PutObject on "+n+" after the leader change", err)
	}
	// New grants are in force across nodes under the new leader too.
	other := clustertest.Without(survivors, newLeader)[0]
	g, err := pc.KMS(newLeader).CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyARN), GranteePrincipal: aws.String(keyUserARN),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationGenerateDataKey}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kmsAs(other, uAKID, uSecret).GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(keyARN),
		KeySpec: kmstypes.DataKeySpecAes256, GrantTokens: []string{aws.ToString(g.GrantToken)}}); err != nil {
		t.Fatalf("GenerateDataKey on %s right after CreateGrant on the new leader: %v", other, err)
	}
}
