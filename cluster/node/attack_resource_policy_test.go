package node

import (
	"encoding/base64"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Attacks on key policies, grants and bucket policies, each against a real node through the
// AWS SDK: the attacker's steps, then what keyhold must refuse.

// TestAttackGranteeWidensItsGrant: a grantee holds a grant for Encrypt and CreateGrant (the
// way services pass a narrow delegation on). It creates a grant for itself that adds Decrypt,
// one that drops the grant's encryption-context constraint, and one for an accomplice with
// Decrypt. KMS lets a grant create only grants with the same or fewer operations and the same
// or stricter constraints: each is refused, and the attacker still cannot decrypt. A grant
// within its own bounds is allowed.
func TestAttackGranteeWidensItsGrant(t *testing.T) {
	tn := newTestNode(t)
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(ck.KeyMetadata.Arn)
	attacker := tn.testPrincipal(t, "service")
	accomplice := tn.testPrincipal(t, "accomplice")
	ec := map[string]string{"volume": "v1"}
	if _, err := tn.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(attacker.arn),
		Operations:  []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationCreateGrant},
		Constraints: &kmstypes.GrantConstraints{EncryptionContextSubset: ec}}); err != nil {
		t.Fatal(err)
	}
	secret, err := tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("not for the service"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}

	// The attack.
	for _, try := range []struct {
		what    string
		grantee string
		ops     []kmstypes.GrantOperation
		c       *kmstypes.GrantConstraints
	}{
		{"itself Decrypt", attacker.arn, []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationDecrypt}, &kmstypes.GrantConstraints{EncryptionContextSubset: ec}},
		{"itself Encrypt without the constraint", attacker.arn, []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt}, nil},
		{"itself Encrypt under a looser constraint", attacker.arn, []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt}, &kmstypes.GrantConstraints{EncryptionContextSubset: map[string]string{"other": "x"}}},
		{"an accomplice Decrypt", accomplice.arn, []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt}, &kmstypes.GrantConstraints{EncryptionContextSubset: ec}},
		{"an accomplice ReEncryptFrom", accomplice.arn, []kmstypes.GrantOperation{kmstypes.GrantOperationReEncryptFrom}, &kmstypes.GrantConstraints{EncryptionContextSubset: ec}},
	} {
		_, err := attacker.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(try.grantee),
			Operations: try.ops, Constraints: try.c})
		wantAccessDenied(t, "a grantee granting "+try.what, err)
	}
	// The same from a grant without constraints.
	loose := tn.testPrincipal(t, "loose-service")
	if _, err := tn.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(loose.arn),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationCreateGrant}}); err != nil {
		t.Fatal(err)
	}
	for _, grantee := range []string{loose.arn, accomplice.arn} {
		_, err := loose.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(grantee),
			Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt}})
		wantAccessDenied(t, "an unconstrained grantee granting "+grantee+" Decrypt", err)
	}
	for _, p := range []*principal{attacker, accomplice, loose} {
		_, err = p.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: secret.CiphertextBlob, EncryptionContext: ec})
		if code, _, _ := awsError(err); code != "AccessDeniedException" {
			t.Fatalf("%s decrypts after the attack: %v", p.arn, err)
		}
	}

	// Within its bounds it may pass the delegation on.
	if _, err := attacker.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(accomplice.arn),
		Operations:  []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt},
		Constraints: &kmstypes.GrantConstraints{EncryptionContextEquals: map[string]string{"volume": "v1", "disk": "d"}}}); err != nil {
		t.Fatalf("a grantee passing on a narrower grant: %v", err)
	}
	if _, err := accomplice.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"),
		EncryptionContext: map[string]string{"volume": "v1", "disk": "d"}}); err != nil {
		t.Fatalf("Encrypt under the passed-on grant: %v", err)
	}
}

// TestAttackForgedGrantToken: grant ids are not secret (ListGrants shows them to the key's
// administrators), and a keyhold grant token only names its grant. An attacker who learns the
// id of another principal's grant builds its token and tries to retire that grant (denial of
// service) and to use the key with the token: both refused, the grant stays.
func TestAttackForgedGrantToken(t *testing.T) {
	tn := newTestNode(t)
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(ck.KeyMetadata.Arn)
	victim := tn.testPrincipal(t, "victim")
	attacker := tn.testPrincipal(t, "attacker", allowDoc("*", "kms:RetireGrant", "kms:ListGrants"))
	g, err := tn.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(victim.arn),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt}})
	if err != nil {
		t.Fatal(err)
	}
	lg, err := attacker.kms.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(arn)})
	if err != nil || len(lg.Grants) != 1 {
		t.Fatalf("ListGrants: %v", err)
	}
	forged := "khgt1." + base64.RawURLEncoding.EncodeToString([]byte(aws.ToString(lg.Grants[0].GrantId)))
	_, err = attacker.kms.RetireGrant(ctx(), &kms.RetireGrantInput{GrantToken: aws.String(forged)})
	wantAccessDenied(t, "RetireGrant with a token built from the grant id", err)
	_, err = attacker.kms.RetireGrant(ctx(), &kms.RetireGrantInput{KeyId: aws.String(arn), GrantId: g.GrantId})
	wantAccessDenied(t, "RetireGrant by key and grant id", err)
	_, err = attacker.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), GrantTokens: []string{forged, aws.ToString(g.GrantToken)}})
	wantAccessDenied(t, "Encrypt with the victim's grant token", err)
	if _, err := victim.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")}); err != nil {
		t.Fatalf("the victim's grant after the attack: %v", err)
	}
}

// TestAttackOtherAccountTakesOverResourcePolicies: account B, with every IAM permission it can
// give itself, tries to rewrite account A's key policy and bucket policy, to grant itself use
// of A's key, and to read A's grants: all refused; A's policies are unchanged.
func TestAttackOtherAccountTakesOverResourcePolicies(t *testing.T) {
	tn := newTestNode(t)
	acctA := tn.n.svc.ARNs().Account
	acctB, rootB := tn.testAccountRoot(t)
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(ck.KeyMetadata.Arn)
	mustCreateBucket(t, tn.s3Client(true), "a-bucket")
	b := tn.userIn(t, rootB, acctB, "mallory", allowDoc("*", "kms:*", "s3:*"))
	for _, p := range []*principal{rootB, b} {
		open := keyPolicyDoc(acctA, keyStmt("b", []string{"arn:aws:iam::" + acctB + ":root"}, "kms:*"))
		_, err = p.kms.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(arn), Policy: aws.String(open), BypassPolicyLockoutSafetyCheck: true})
		wantAccessDenied(t, p.arn+" PutKeyPolicy on A's key", err)
		_, err = p.kms.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: aws.String(arn)})
		wantAccessDenied(t, p.arn+" GetKeyPolicy on A's key", err)
		_, err = p.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(p.arn),
			Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt}})
		wantAccessDenied(t, p.arn+" CreateGrant on A's key", err)
		_, err = p.kms.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(arn)})
		wantAccessDenied(t, p.arn+" ListGrants on A's key", err)
		_, err = p.s3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("a-bucket"),
			Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctB + `:root"},"Action":"s3:*","Resource":"arn:aws:s3:::a-bucket/*"}]}`)})
		wantAccessDenied(t, p.arn+" PutBucketPolicy on A's bucket", err)
		_, err = p.s3.DeleteBucketPolicy(ctx(), &s3.DeleteBucketPolicyInput{Bucket: aws.String("a-bucket")})
		wantAccessDenied(t, p.arn+" DeleteBucketPolicy on A's bucket", err)
	}
	if gp, err := tn.kms.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: aws.String(arn)}); err != nil || aws.ToString(gp.Policy) != tn.n.svc.ARNs().DefaultKeyPolicy(acctA) {
		t.Fatalf("A's key policy after the attack: %v %v", gp, err)
	}
	if _, err := tn.s3Client(true).GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("a-bucket")}); err == nil {
		t.Fatal("A's bucket has a policy after the attack")
	}
}

// TestAttackRetiringPrincipalUsesTheGrant: the retiring principal of a grant is trusted to end
// it, not to use it: it tries the grant's operations (with the grant's token), and to re-grant
// the key to itself; both refused. Retiring stays its right.
func TestAttackRetiringPrincipalUsesTheGrant(t *testing.T) {
	tn := newTestNode(t)
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(ck.KeyMetadata.Arn)
	grantee := tn.testPrincipal(t, "grantee")
	retirer := tn.testPrincipal(t, "retirer")
	g, err := tn.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(grantee.arn),
		RetiringPrincipal: aws.String(retirer.arn), Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationCreateGrant}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = retirer.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), GrantTokens: []string{aws.ToString(g.GrantToken)}})
	wantAccessDenied(t, "Encrypt by the retiring principal", err)
	_, err = retirer.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(retirer.arn),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt}, GrantTokens: []string{aws.ToString(g.GrantToken)}})
	wantAccessDenied(t, "CreateGrant to itself by the retiring principal", err)
	if _, err := retirer.kms.RetireGrant(ctx(), &kms.RetireGrantInput{GrantToken: g.GrantToken}); err != nil {
		t.Fatalf("RetireGrant by the retiring principal: %v", err)
	}
	_, err = grantee.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	wantAccessDenied(t, "Encrypt by the grantee after the grant was retired", err)
}

// TestAttackSharedBucketPolicyRewritten: A shares a bucket with account B by a bucket policy
// allowing B s3:* on it (data sharing written broadly). B, with IAM s3:*, tries to use that
// to replace or delete the bucket's policy (taking the bucket over, or locking A out of its
// own data), to read it, and to delete the bucket. S3 reserves the policy operations to the
// bucket owner's account whatever the policy says: refused; A's policy is unchanged.
func TestAttackSharedBucketPolicyRewritten(t *testing.T) {
	tn := newTestNode(t)
	acctB, rootB := tn.testAccountRoot(t)
	s3A := tn.s3Client(true)
	mustCreateBucket(t, s3A, "shared-broadly")
	shared := `{"Version":"2012-10-17","Statement":[{"Sid":"B may do anything","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctB + `:root"},` +
		`"Action":"s3:*","Resource":["arn:aws:s3:::shared-broadly","arn:aws:s3:::shared-broadly/*"]}]}`
	if _, err := s3A.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("shared-broadly"), Policy: aws.String(shared)}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s3A, "shared-broadly", "a-data", []byte("A's"), nil)
	mallory := tn.userIn(t, rootB, acctB, "mallory", allowDoc("*", "s3:*"))
	// The sharing works as meant.
	if got, _ := mustGet(t, mallory.s3, "shared-broadly", "a-data", nil); string(got) != "A's" {
		t.Fatalf("B reads the shared object: %q", got)
	}
	takeover := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*",` +
		`"Resource":["arn:aws:s3:::shared-broadly","arn:aws:s3:::shared-broadly/*"],"Condition":{"StringNotEquals":{"aws:PrincipalAccount":"` + acctB + `"}}}]}`
	notAllowed := func(what string, err error) {
		t.Helper()
		if code, _, status := awsError(err); code != "MethodNotAllowed" || status != 405 {
			t.Fatalf("%s: got %v, want S3's 405 MethodNotAllowed", what, err)
		}
	}
	for _, p := range []*principal{mallory, rootB} {
		_, err := p.s3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("shared-broadly"), Policy: aws.String(takeover)})
		notAllowed(p.arn+" PutBucketPolicy on A's shared bucket", err)
		_, err = p.s3.DeleteBucketPolicy(ctx(), &s3.DeleteBucketPolicyInput{Bucket: aws.String("shared-broadly")})
		notAllowed(p.arn+" DeleteBucketPolicy on A's shared bucket", err)
		_, err = p.s3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("shared-broadly")})
		notAllowed(p.arn+" GetBucketPolicy on A's shared bucket", err)
		_, err = p.s3.GetBucketPolicyStatus(ctx(), &s3.GetBucketPolicyStatusInput{Bucket: aws.String("shared-broadly")})
		notAllowed(p.arn+" GetBucketPolicyStatus on A's shared bucket", err)
	}
	bp, err := s3A.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("shared-broadly")})
	if err != nil || aws.ToString(bp.Policy) != shared {
		t.Fatalf("A's policy after the attack: %v %v", bp, err)
	}
	if got, _ := mustGet(t, s3A, "shared-broadly", "a-data", nil); string(got) != "A's" {
		t.Fatal("A reads its object after the attack")
	}
}
