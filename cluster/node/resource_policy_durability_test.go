package node

import (
	"bytes"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// TestResourcePoliciesSurviveRotationAndRestart: a custom key policy, a constrained grant and a
// bucket policy are still in force, unchanged, after a domain-key rotation (with its re-wrap),
// a restart replaying the raft log, and a restart from a snapshot; what each refused before, it
// refuses after, and a retired grant stays retired.
func TestResourcePoliciesSurviveRotationAndRestart(t *testing.T) {
	tn := newCeremonyNode(t)
	acct := tn.n.svc.ARNs().Account
	keyUser := tn.testPrincipal(t, "key-user")
	grantee := tn.testPrincipal(t, "grantee")
	outsider := tn.testPrincipal(t, "outsider", allowDoc("*", "kms:*"))
	pol := keyPolicyDoc(acct, keyStmt("Allow use of the key", []string{keyUser.arn}, "kms:Encrypt", "kms:Decrypt"))
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(ck.KeyMetadata.Arn)
	if _, err := tn.kms.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(keyARN), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	// A second key whose policy does not trust the account: the outsider's kms:* is not enough.
	closed := `{"Version":"2012-10-17","Statement":[` + keyStmt("only the key user", []string{keyUser.arn}, "kms:*") + `]}`
	ck2, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(closed), BypassPolicyLockoutSafetyCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	closedARN := aws.ToString(ck2.KeyMetadata.Arn)
	ec := map[string]string{"tenant": "t1"}
	kept, err := tn.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyARN), GranteePrincipal: aws.String(grantee.arn),
		Operations:  []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationDecrypt},
		Constraints: &kmstypes.GrantConstraints{EncryptionContextSubset: ec}})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := tn.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyARN), GranteePrincipal: aws.String(outsider.arn),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.kms.RetireGrant(ctx(), &kms.RetireGrantInput{KeyId: aws.String(keyARN), GrantId: gone.GrantId}); err != nil {
		t.Fatal(err)
	}
	s3root := tn.s3Client(true)
	mustCreateBucket(t, s3root, "policed")
	bucketPol := denyUnencryptedDoc("policed", "")
	if _, err := s3root.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("policed"), Policy: aws.String(bucketPol)}); err != nil {
		t.Fatal(err)
	}
	enc, err := keyUser.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("kept"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}

	check := func(t *testing.T) {
		t.Helper()
		kms0 := tn.kms
		gp, err := kms0.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: aws.String(keyARN)})
		if err != nil || aws.ToString(gp.Policy) != pol {
			t.Fatalf("GetKeyPolicy: %v %v", gp, err)
		}
		users := []*principal{tn.principalFor(keyUser.akid, keyUser.secret, keyUser.arn), tn.principalFor(grantee.akid, grantee.secret, grantee.arn)}
		for _, p := range users {
			dec, err := p.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
			if err != nil || string(dec.Plaintext) != "kept" {
				t.Fatalf("Decrypt as %s: %v", p.arn, err)
			}
		}
		_, err = users[1].kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("x"), EncryptionContext: map[string]string{"tenant": "t2"}})
		wantAccessDenied(t, "Encrypt outside the grant's constraint", err)
		out := tn.principalFor(outsider.akid, outsider.secret, outsider.arn)
		_, err = out.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(closedARN), Plaintext: []byte("x")})
		wantAccessDenied(t, "Encrypt with a key whose policy does not trust the account", err)
		if _, err := out.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("x")}); err != nil {
			t.Fatalf("the outsider's IAM kms:* on a key that trusts the account: %v", err)
		}
		lg, err := kms0.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(keyARN)})
		if err != nil || len(lg.Grants) != 1 || aws.ToString(lg.Grants[0].GrantId) != aws.ToString(kept.GrantId) {
			t.Fatalf("ListGrants (the retired grant must stay retired): %+v %v", lg, err)
		}
		c := tn.s3Client(true)
		bp, err := c.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("policed")})
		if err != nil || aws.ToString(bp.Policy) != bucketPol {
			t.Fatalf("GetBucketPolicy: %v %v", bp, err)
		}
		_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("policed"), Key: aws.String("plain"), Body: bytes.NewReader([]byte("x"))})
		wantAccessDenied(t, "unencrypted PutObject under the bucket policy", err)
	}
	t.Run("before", check)

	d := tn.n.svc.Domain()
	submitAndRun(t, tn, ceremony.NewProposal(ceremony.KindRotateDK, d.ID, d.Epoch, time.Now(), time.Hour), func() bool {
		return tn.n.svc.RewrapStatus().Finished && tn.n.svc.Domain().CurrentDK == 2
	})
	t.Run("after a domain-key rotation", check)
	tn.restart(t)
	t.Run("after a restart from the log", check)
	if err := tn.n.raft.Snapshot(); err != nil {
		t.Fatal(err)
	}
	tn.restart(t)
	t.Run("after a restart from a snapshot", check)
}
