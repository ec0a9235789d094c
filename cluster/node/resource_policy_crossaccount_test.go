package node

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestKeyPolicyCrossAccount: two accounts on one keyhold. Account A's key policy trusts
// account B; B's user whose own IAM policy allows the key encrypts and decrypts with it by key
// ARN (SDK and CLI). B's user without that IAM allow is refused; B cannot reach the key by A's
// alias name or by bare key id (NotFound: those name B's own keys), and cannot administer it,
// whatever B's IAM says.
func TestKeyPolicyCrossAccount(t *testing.T) {
	tn := newTestNode(t)
	acctA := tn.n.svc.ARNs().Account
	acctB, rootB := tn.testAccountRoot(t)
	if acctB == acctA {
		t.Fatal("the second account has the first one's id")
	}
	doc := keyPolicyDoc(acctA, keyStmt("Allow use of the key by account B", []string{"arn:aws:iam::" + acctB + ":root"},
		"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"))
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	id, arn := aws.ToString(ck.KeyMetadata.KeyId), aws.ToString(ck.KeyMetadata.Arn)
	if _, err := tn.kms.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/shared"), TargetKeyId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	// A key of A's that does not trust B.
	private, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	privateARN := aws.ToString(private.KeyMetadata.Arn)

	app := tn.userIn(t, rootB, acctB, "app", allowDoc("arn:aws:kms:*:"+acctA+":key/*", "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"))
	bare := tn.userIn(t, rootB, acctB, "no-iam-allow")

	ec := map[string]string{"tenant": "b"}
	enc, err := app.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("across"), EncryptionContext: ec})
	if err != nil {
		t.Fatalf("Encrypt by key ARN from account B: %v", err)
	}
	dec, err := app.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	if err != nil || string(dec.Plaintext) != "across" || aws.ToString(dec.KeyId) != arn {
		t.Fatalf("Decrypt from account B: %v %v", dec, err)
	}
	if _, err := app.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: aws.String(arn)}); err != nil {
		t.Fatalf("Decrypt with KeyId = the key ARN from account B: %v", err)
	}
	if d, err := app.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(arn)}); err != nil || aws.ToString(d.KeyMetadata.AWSAccountId) != acctA {
		t.Fatalf("DescribeKey from account B: %v %v", d, err)
	}
	cli := tn.cliAs(t, app)
	ct := strings.TrimSpace(cli.ok("kms", "encrypt", "--key-id", arn, "--plaintext", base64.StdEncoding.EncodeToString([]byte("cli across")),
		"--encryption-context", "tenant=b", "--query", "CiphertextBlob", "--output", "text"))
	pt := strings.TrimSpace(cli.ok("kms", "decrypt", "--ciphertext-blob", ct, "--encryption-context", "tenant=b", "--query", "Plaintext", "--output", "text"))
	if b, _ := base64.StdEncoding.DecodeString(pt); string(b) != "cli across" {
		t.Fatalf("CLI decrypt from account B: %q", pt)
	}
	// An alias ARN names the account too, so it crosses as the key ARN does.
	aliasARN := "arn:aws:kms:" + tn.cfg.Region + ":" + acctA + ":alias/shared"
	if e, err := app.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(aliasARN), Plaintext: []byte("x")}); err != nil || aws.ToString(e.KeyId) != arn {
		t.Fatalf("Encrypt by alias ARN from account B: %v %v", e, err)
	}
	// A decrypts what B encrypted (same key), and the root of A is unaffected.
	if _, err := tn.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}); err != nil {
		t.Fatalf("Decrypt by A's root: %v", err)
	}

	// Without B's own IAM allow: refused.
	_, err = bare.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	wantAccessDenied(t, "Encrypt from B without an IAM allow", err)
	_, err = bare.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: aws.String(arn)})
	wantAccessDenied(t, "Decrypt by key ARN from B without an IAM allow", err)
	// Without a KeyId the key comes from the ciphertext: another account's key the caller may
	// not use is as unknown to it as a key that does not exist (no existence oracle).
	_, err = bare.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	wantAWSCode(t, "Decrypt from B without an IAM allow", err, "InvalidCiphertextException")
	tn.cliAs(t, bare).fails([]string{"kms", "decrypt", "--ciphertext-blob", ct, "--encryption-context", "tenant=b", "--key-id", arn}, "AccessDeniedException")

	// A key whose policy does not trust B: refused even with B's IAM allow.
	_, err = app.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(privateARN), Plaintext: []byte("x")})
	wantAccessDenied(t, "Encrypt from B with a key that does not trust B", err)

	// Principal "*" pinned to A's account by kms:CallerAccount (the managed-key pattern): every
	// principal of A may use it without an IAM policy, nobody in B may, IAM allow or not.
	star := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:PutKeyPolicy"],"Resource":"*",` +
		`"Condition":{"StringEquals":{"kms:CallerAccount":"` + acctA + `"}}}]}`
	sk, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(star)})
	if err != nil {
		t.Fatalf("CreateKey with a Principal * policy pinned to the account: %v", err)
	}
	starARN := aws.ToString(sk.KeyMetadata.Arn)
	aUser := tn.testPrincipal(t, "a-user-no-policy")
	if _, err := aUser.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(starARN), Plaintext: []byte("x")}); err != nil {
		t.Fatalf("Encrypt by A's user under Principal * and kms:CallerAccount: %v", err)
	}
	starUser := tn.userIn(t, rootB, acctB, "star", allowDoc("*", "kms:Encrypt"))
	_, err = starUser.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(starARN), Plaintext: []byte("x")})
	wantAccessDenied(t, "Encrypt by B's user under Principal * pinned to A", err)

	// Aliases and bare key ids do not cross accounts.
	for _, ref := range []string{"alias/shared", id} {
		_, err = app.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(ref), Plaintext: []byte("x")})
		wantAWSCode(t, "Encrypt from B by "+ref, err, "NotFoundException")
		cli.fails([]string{"kms", "encrypt", "--key-id", ref, "--plaintext", "eA=="}, "NotFoundException")
	}
	// Administering stays with A, whatever B's IAM and the key policy say.
	_, err = app.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(arn)})
	wantAccessDenied(t, "ScheduleKeyDeletion from account B", err)
	_, err = rootB.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(arn)})
	wantAccessDenied(t, "ScheduleKeyDeletion by B's root", err)
	cli.fails([]string{"kms", "schedule-key-deletion", "--key-id", arn}, "AccessDeniedException")
	_, err = app.kms.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(arn), Policy: aws.String(keyPolicyDoc(acctB))})
	wantAccessDenied(t, "PutKeyPolicy from account B", err)
	if d, err := tn.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(arn)}); err != nil || d.KeyMetadata.KeyState != "Enabled" {
		t.Fatalf("the key after B's attempts: %v %v", d, err)
	}
	// B's keys list holds none of A's.
	lk, err := rootB.kms.ListKeys(ctx(), &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range lk.Keys {
		if aws.ToString(k.KeyId) == id {
			t.Fatal("ListKeys in account B lists A's key")
		}
	}
}

// TestCrossAccountGrantsAndBucketPolicy: account A gives account B's principals access the ways
// AWS offers. A grant on A's key to B's user is used by key ARN; B's user creates a grant on
// the key when A's key policy allows B kms:CreateGrant; A's bucket policy lets B's user (with
// its own IAM allow) read and write A's bucket, SSE-KMS under A's key whose policy trusts B,
// while B's user without the IAM allow, and a third principal of A's without one, are refused.
func TestCrossAccountGrantsAndBucketPolicy(t *testing.T) {
	tn := newTestNode(t)
	acctA := tn.n.svc.ARNs().Account
	acctB, rootB := tn.testAccountRoot(t)
	trustB := keyStmt("Allow account B", []string{"arn:aws:iam::" + acctB + ":root"},
		"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant")
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(keyPolicyDoc(acctA, trustB))})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(ck.KeyMetadata.Arn)
	plain, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	plainARN := aws.ToString(plain.KeyMetadata.Arn)

	// A grant on A's default-policy key to B's user: the grant alone lets it in (with B's
	// own IAM allow, which B's account must give).
	granted := tn.userIn(t, rootB, acctB, "granted", allowDoc(plainARN, "kms:Encrypt", "kms:Decrypt"))
	_, err = granted.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(plainARN), Plaintext: []byte("x")})
	wantAccessDenied(t, "B's user before A's grant", err)
	g, err := tn.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(plainARN), GranteePrincipal: aws.String(granted.arn),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationDecrypt}})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := granted.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(plainARN), Plaintext: []byte("granted across"), GrantTokens: []string{aws.ToString(g.GrantToken)}})
	if err != nil {
		t.Fatalf("Encrypt by B's user with A's grant: %v", err)
	}
	if dec, err := granted.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, KeyId: aws.String(plainARN)}); err != nil || string(dec.Plaintext) != "granted across" {
		t.Fatalf("Decrypt by B's user with A's grant: %v", err)
	}
	if _, err := tn.kms.RevokeGrant(ctx(), &kms.RevokeGrantInput{KeyId: aws.String(plainARN), GrantId: g.GrantId}); err != nil {
		t.Fatal(err)
	}
	_, err = granted.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(plainARN), Plaintext: []byte("x")})
	wantAccessDenied(t, "B's user after A revoked the grant", err)

	// B creates a grant on A's key for one of its own roles' users, as A's key policy allows.
	ops := tn.userIn(t, rootB, acctB, "ops", allowDoc(keyARN, "kms:CreateGrant", "kms:ListGrants"))
	worker := tn.userIn(t, rootB, acctB, "worker", allowDoc(keyARN, "kms:Encrypt"))
	_, err = worker.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("x"), EncryptionContext: map[string]string{"job": "1"}})
	if err != nil {
		t.Fatalf("B's worker with its IAM allow on a key that trusts B: %v", err)
	}
	_, err = ops.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyARN), GranteePrincipal: aws.String(worker.arn),
		Operations:  []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt},
		Constraints: &kmstypes.GrantConstraints{EncryptionContextSubset: map[string]string{"job": "1"}}})
	if err != nil {
		t.Fatalf("CreateGrant on A's key by B's user: %v", err)
	}
	ct, _ := worker.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("job one"), EncryptionContext: map[string]string{"job": "1"}})
	if dec, err := worker.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: ct.CiphertextBlob, KeyId: aws.String(keyARN), EncryptionContext: map[string]string{"job": "1"}}); err != nil || string(dec.Plaintext) != "job one" {
		t.Fatalf("Decrypt by B's worker under B's grant on A's key: %v", err)
	}
	lg, err := tn.kms.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(keyARN)})
	if err != nil || len(lg.Grants) != 1 || aws.ToString(lg.Grants[0].IssuingAccount) != "arn:aws:iam::"+acctB+":root" {
		t.Fatalf("A lists B's grant on its key: %+v %v", lg, err)
	}

	// A's bucket, shared with B by bucket policy; objects SSE-KMS under the key that trusts B.
	s3A := tn.s3Client(true)
	mustCreateBucket(t, s3A, "shared")
	bucketPol := `{"Version":"2012-10-17","Statement":[{"Sid":"B reads and writes","Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::` + acctB + `:root"},"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::shared/*"}]}`
	if _, err := s3A.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("shared"), Policy: aws.String(bucketPol)}); err != nil {
		t.Fatalf("PutBucketPolicy naming another account: %v", err)
	}
	st, err := s3A.GetBucketPolicyStatus(ctx(), &s3.GetBucketPolicyStatusInput{Bucket: aws.String("shared")})
	if err != nil || aws.ToBool(st.PolicyStatus.IsPublic) {
		t.Fatalf("a policy naming one account is not public: %+v %v", st, err)
	}
	reader := tn.userIn(t, rootB, acctB, "reader", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::shared/*"},
		{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"`+keyARN+`"}]}`)
	mustPut(t, reader.s3, "shared", "from-b", []byte("written by B"), func(in *s3.PutObjectInput) {
		in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, aws.String(keyARN)
	})
	if got, _ := mustGet(t, reader.s3, "shared", "from-b", nil); string(got) != "written by B" {
		t.Fatalf("B reads back: %q", got)
	}
	if got, _ := mustGet(t, s3A, "shared", "from-b", nil); string(got) != "written by B" {
		t.Fatalf("A reads B's object: %q", got)
	}
	// B's own bucket, SSE-KMS under A's key (by its ARN), as B's KMS permissions allow.
	mustCreateBucket(t, rootB.s3, "b-own")
	own := tn.userIn(t, rootB, acctB, "own-bucket", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b-own/*"},
		{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"`+keyARN+`"}]}`)
	mustPut(t, own.s3, "b-own", "x", []byte("B's data, A's key"), func(in *s3.PutObjectInput) {
		in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, aws.String(keyARN)
	})
	if got, _ := mustGet(t, own.s3, "b-own", "x", nil); string(got) != "B's data, A's key" {
		t.Fatalf("B reads its object under A's key: %q", got)
	}
	_, err = own.s3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("b-own"), Key: aws.String("y"), Body: strings.NewReader("x"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(plainARN)})
	wantAccessDenied(t, "PutObject in B's bucket under an A key that does not trust B", err)

	noIAM := tn.userIn(t, rootB, acctB, "no-iam")
	_, _, err = getBytes(noIAM.s3, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("from-b")})
	wantAccessDenied(t, "GetObject by B's user without an IAM allow", err)
	_, err = reader.s3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("shared")})
	wantAccessDenied(t, "ListObjectsV2 by B's user: the bucket policy does not allow it", err)
	third := tn.testPrincipal(t, "a-user")
	_, _, err = getBytes(third.s3, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("from-b")})
	wantAccessDenied(t, "GetObject by A's user without an IAM allow", err)
}

// TestCrossAccountReadsBySSEKind: A's bucket shared with account B by bucket policy. B reads
// A's SSE-S3 objects (keyhold's own key: no KMS permission is involved, as in S3), is refused
// objects under A's AWS managed key aws/s3 (AWS managed keys never cross accounts) and under a
// customer key of A's that does not trust B, each with AccessDenied, never a server error.
func TestCrossAccountReadsBySSEKind(t *testing.T) {
	tn := newTestNode(t)
	acctB, rootB := tn.testAccountRoot(t)
	s3A := tn.s3Client(true)
	mustCreateBucket(t, s3A, "shared-kinds")
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctB + `:root"},` +
		`"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-kinds/*"}]}`
	if _, err := s3A.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("shared-kinds"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s3A, "shared-kinds", "sse-s3", []byte("sse-s3 data"), nil)
	mustPut(t, s3A, "shared-kinds", "aws-managed", []byte("x"), func(in *s3.PutObjectInput) { in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms })
	mustPut(t, s3A, "shared-kinds", "customer", []byte("x"), func(in *s3.PutObjectInput) {
		in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, ck.KeyMetadata.Arn
	})
	reader := tn.userIn(t, rootB, acctB, "reader", allowDoc("*", "s3:GetObject", "kms:Decrypt"))
	for _, p := range []*principal{reader, rootB} {
		if got, _ := mustGet(t, p.s3, "shared-kinds", "sse-s3", nil); string(got) != "sse-s3 data" {
			t.Fatalf("%s reads A's SSE-S3 object: %q", p.arn, got)
		}
		for _, key := range []string{"aws-managed", "customer"} {
			_, _, err := getBytes(p.s3, &s3.GetObjectInput{Bucket: aws.String("shared-kinds"), Key: aws.String(key)})
			wantAccessDenied(t, p.arn+" reads A's "+key+" object", err)
		}
	}
}
