package node

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Authorization attacks, against a real node through the AWS SDK for Go v2: each test is a
// caller trying more than its policies allow, and what keyhold must refuse.

// TestAttackUserGoesBeyondItsKMSPolicy: app1 may Encrypt and Decrypt one key with team=cats
// (issue 13's example). It tries another context, another key, deleting the key; a second user
// is denied by an explicit Deny, a third by aws:SourceIp, a fourth by aws:SecureTransport. The
// audit trail names each decision.
func TestAttackUserGoesBeyondItsKMSPolicy(t *testing.T) {
	tn := newTestNode(t)
	k, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(k.KeyMetadata.Arn)
	acct := tn.n.svc.ARNs().Account
	app1 := tn.testPrincipal(t, "app1", `{"Version":"2012-10-17","Statement":[{"Sid":"UseCatrobot","Effect":"Allow",
		"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"`+arn+`","Condition":{"StringEquals":{"kms:EncryptionContext:team":"cats"}}}]}`)
	cats := map[string]string{"team": "cats"}

	enc, err := app1.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("meow"), EncryptionContext: cats})
	if err != nil {
		t.Fatalf("allowed Encrypt: %v", err)
	}
	dec, err := app1.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: cats})
	if err != nil || string(dec.Plaintext) != "meow" {
		t.Fatalf("allowed Decrypt: %v", err)
	}
	// The attacker's tries.
	_, err = app1.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionContext: map[string]string{"team": "dogs"}})
	wantAccessDenied(t, "Encrypt with team=dogs", err)
	_, err = app1.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: other.KeyMetadata.KeyId, Plaintext: []byte("x"), EncryptionContext: cats})
	wantAccessDenied(t, "Encrypt under another key", err)
	_, err = app1.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(arn), PendingWindowInDays: aws.Int32(7)})
	msg := wantAccessDenied(t, "ScheduleKeyDeletion", err)
	want := "User: arn:aws:iam::" + acct + ":user/app1 is not authorized to perform: kms:ScheduleKeyDeletion on resource: " + arn +
		" because no identity-based policy allows the kms:ScheduleKeyDeletion action"
	if msg != want {
		t.Errorf("message:\n got %s\nwant %s", msg, want)
	}
	_, err = app1.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	wantAccessDenied(t, "CreateKey", err)
	// DryRun answers whether the request would be authorized, without acting: it must not
	// say "would have succeeded" to a caller whose policy does not allow it.
	_, err = app1.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: other.KeyMetadata.KeyId, Plaintext: []byte("x"), DryRun: aws.Bool(true)})
	wantAccessDenied(t, "DryRun Encrypt under another key", err)
	_, err = app1.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionContext: cats, DryRun: aws.Bool(true)})
	wantAWSCode(t, "DryRun Encrypt allowed", err, "DryRunOperationException")
	_, err = app1.kms.ListKeys(ctx(), &kms.ListKeysInput{})
	wantAccessDenied(t, "ListKeys", err)

	// Denied by an explicit Deny, whatever allows.
	denied := tn.testPrincipal(t, "denied", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},
		{"Sid":"NeverDecrypt","Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}`)
	_, err = denied.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: cats})
	if msg := wantAccessDenied(t, "Decrypt under an explicit deny", err); !strings.Contains(msg, "with an explicit deny in an identity-based policy") {
		t.Errorf("explicit deny message: %s", msg)
	}
	// Denied by a condition on where the request comes from: the node sees 127.0.0.1.
	offsite := tn.testPrincipal(t, "offsite", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},
		{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`)
	_, err = offsite.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: cats})
	wantAccessDenied(t, "Decrypt from outside 10.0.0.0/8", err)
	onsite := tn.testPrincipal(t, "onsite", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*",
		"Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`)
	if _, err := onsite.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: cats}); err != nil {
		t.Errorf("Decrypt from 127.0.0.1 allowed by aws:SourceIp: %v", err)
	}
	// Denied by a condition on the transport: this node serves plain HTTP.
	tlsOnly := tn.testPrincipal(t, "tlsonly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},
		{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	_, err = tlsOnly.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: cats})
	wantAccessDenied(t, "Decrypt over plain HTTP", err)

	// The trail names who, the account, the decision and the statement that made it.
	var sawAllow, sawDeny bool
	for _, l := range readAuthzAudit(t, tn.n.cfg.auditDir()) {
		if l.Principal != app1.arn {
			continue
		}
		if l.Op == "Encrypt" && l.Outcome == "OK" {
			sawAllow = l.Decision == "Allow" && l.DecidingStatement == "UseCatrobot" && l.DecidingPolicy == "app1-inline-0" && l.Account == acct
		}
		if l.Op == "ScheduleKeyDeletion" {
			sawDeny = l.Decision == "Deny" && l.DecisionReason == "no allow" && l.Outcome == "AccessDeniedException" && l.Account == acct
		}
	}
	if !sawAllow || !sawDeny {
		t.Errorf("audit trail: allow recorded %v, deny recorded %v", sawAllow, sawDeny)
	}
}

// TestAttackRoleSeparation: a key administrator who manages keys tries to Decrypt with one; a
// key user who uses keys tries to schedule its deletion and to disable it.
func TestAttackRoleSeparation(t *testing.T) {
	tn := newTestNode(t)
	admin := tn.testPrincipal(t, "keyadmin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[
		"kms:Create*","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*","kms:Disable*","kms:Get*",
		"kms:Delete*","kms:TagResource","kms:UntagResource","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"],"Resource":"*"}]}`)
	user := tn.testPrincipal(t, "keyuser", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[
		"kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}]}`)
	k, err := admin.kms.CreateKey(ctx(), &kms.CreateKeyInput{Description: aws.String("made by the key administrator")})
	if err != nil {
		t.Fatalf("admin CreateKey: %v", err)
	}
	id := k.KeyMetadata.KeyId
	if _, err := admin.kms.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/payroll"), TargetKeyId: id}); err != nil {
		t.Fatalf("admin CreateAlias: %v", err)
	}
	dk, err := user.kms.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String("alias/payroll"), KeySpec: "AES_256"})
	if err != nil {
		t.Fatalf("user GenerateDataKey: %v", err)
	}
	if _, err := user.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob}); err != nil {
		t.Fatalf("user Decrypt: %v", err)
	}
	_, err = admin.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob})
	wantAccessDenied(t, "key administrator Decrypt", err)
	_, err = admin.kms.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: id, KeySpec: "AES_256"})
	wantAccessDenied(t, "key administrator GenerateDataKey", err)
	_, err = user.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: id, PendingWindowInDays: aws.Int32(7)})
	wantAccessDenied(t, "key user ScheduleKeyDeletion", err)
	_, err = user.kms.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: id})
	wantAccessDenied(t, "key user DisableKey", err)
	if _, err := admin.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: id, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatalf("admin ScheduleKeyDeletion: %v", err)
	}
}

// TestAttackOtherAccountsKeysAndBuckets: the root of a second account lists, names, uses and
// manages the first account's keys, aliases and buckets by every reference it can think of;
// it sees none and can use none.
func TestAttackOtherAccountsKeysAndBuckets(t *testing.T) {
	tn := newTestNode(t)
	k, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id, arn := aws.ToString(k.KeyMetadata.KeyId), aws.ToString(k.KeyMetadata.Arn)
	if _, err := tn.kms.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: &id}); err != nil {
		t.Fatal(err)
	}
	blob, err := tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: &id, Plaintext: []byte("first account's secret")})
	if err != nil {
		t.Fatal(err)
	}
	s3a := tn.s3Client(true)
	mustCreateBucket(t, s3a, "first-acct")
	mustPut(t, s3a, "first-acct", "secret.txt", []byte("first account's object"), nil)

	secondAccount, b := tn.testAccountRoot(t)
	keys, err := b.kms.ListKeys(ctx(), &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.Keys) != 0 {
		t.Errorf("second account lists %d keys", len(keys.Keys))
	}
	_, err = b.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: &id})
	wantAWSCode(t, "DescribeKey by bare id", err, "NotFoundException")
	_, err = b.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/app")})
	wantAWSCode(t, "DescribeKey by alias", err, "NotFoundException")
	_, err = b.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: &arn})
	wantAccessDenied(t, "DescribeKey by ARN", err)
	_, err = b.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: &arn, Plaintext: []byte("x")})
	wantAccessDenied(t, "Encrypt by ARN", err)
	_, err = b.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob.CiphertextBlob})
	wantAWSCode(t, "Decrypt of the first account's ciphertext", err, "InvalidCiphertextException")
	_, err = b.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: &arn, PendingWindowInDays: aws.Int32(7)})
	wantAccessDenied(t, "ScheduleKeyDeletion by ARN", err)
	_, err = b.kms.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/mine"), TargetKeyId: &id})
	wantAWSCode(t, "CreateAlias on the first account's key", err, "NotFoundException")

	// Its own key and its own alias/app, next to the first account's.
	kb, err := b.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(aws.ToString(kb.KeyMetadata.Arn), ":"+secondAccount+":key/") {
		t.Errorf("second account's key ARN %s", aws.ToString(kb.KeyMetadata.Arn))
	}
	if _, err := b.kms.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: kb.KeyMetadata.KeyId}); err != nil {
		t.Fatalf("second account's alias/app: %v", err)
	}
	al, err := b.kms.ListAliases(ctx(), &kms.ListAliasesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(al.Aliases) != 1 || aws.ToString(al.Aliases[0].TargetKeyId) != aws.ToString(kb.KeyMetadata.KeyId) ||
		aws.ToString(al.Aliases[0].AliasArn) != "arn:aws:kms:us-east-1:"+secondAccount+":alias/app" {
		t.Errorf("second account's aliases: %+v", al.Aliases)
	}
	d, err := tn.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/app")})
	if err != nil || aws.ToString(d.KeyMetadata.KeyId) != id {
		t.Errorf("first account's alias/app after the second made its own: %v", err)
	}

	// Buckets.
	lb, err := b.s3.ListBuckets(ctx(), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lb.Buckets) != 0 {
		t.Errorf("second account lists %d buckets", len(lb.Buckets))
	}
	_, err = b.s3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("first-acct"), Key: aws.String("secret.txt")})
	wantAccessDenied(t, "GetObject in the first account's bucket", err)
	_, err = b.s3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("first-acct"), Key: aws.String("planted"), Body: bytes.NewReader([]byte("x"))})
	wantAccessDenied(t, "PutObject in the first account's bucket", err)
	_, err = b.s3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("first-acct")})
	wantAccessDenied(t, "ListObjectsV2 of the first account's bucket", err)
	_, err = b.s3.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("first-acct")})
	wantAccessDenied(t, "DeleteBucket of the first account's bucket", err)
	_, err = b.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("b-own"), Key: aws.String("stolen"), CopySource: aws.String("first-acct/secret.txt")})
	if code, _, _ := awsError(err); code != "AccessDenied" && code != "NoSuchBucket" {
		t.Errorf("CopyObject out of the first account's bucket: %v", err)
	}
	_, err = b.s3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("first-acct")})
	wantAWSCode(t, "CreateBucket of a name the first account owns", err, "BucketAlreadyExists")
	mustCreateBucket(t, b.s3, "b-own")
	_, err = b.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("b-own"), Key: aws.String("stolen"), CopySource: aws.String("first-acct/secret.txt")})
	wantAccessDenied(t, "CopyObject out of the first account's bucket", err)
	_, err = s3a.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("b-own"), Key: aws.String("x")})
	wantAccessDenied(t, "first account reads the second's bucket", err)
	// SSE-S3 and the AWS managed alias/aws/s3 key work for the second account, with keys of its own.
	mustPut(t, b.s3, "b-own", "kms.txt", []byte("b's"), func(in *s3.PutObjectInput) { in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms })
	got, _, err := getBytes(b.s3, &s3.GetObjectInput{Bucket: aws.String("b-own"), Key: aws.String("kms.txt")})
	if err != nil || string(got) != "b's" {
		t.Fatalf("second account's SSE-KMS object: %v", err)
	}
	head, err := b.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("b-own"), Key: aws.String("kms.txt")})
	if err != nil || !strings.Contains(aws.ToString(head.SSEKMSKeyId), ":"+secondAccount+":key/") {
		t.Errorf("second account's aws/s3 key: %v %s", err, aws.ToString(head.SSEKMSKeyId))
	}
}

// TestAttackGetObjectWithoutKMSDecrypt: a reader allowed s3:GetObject but not kms:Decrypt
// reads an SSE-KMS object (with and without an S3 Bucket Key warmed by the owner's reads) and
// is refused, as in AWS; given kms:Decrypt through S3 only (kms:ViaService), it reads it, and
// still cannot Decrypt with KMS directly. A writer allowed s3:PutObject but not
// kms:GenerateDataKey cannot write under the key; SSE-S3 needs no KMS permission at all.
func TestAttackGetObjectWithoutKMSDecrypt(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	k, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(k.KeyMetadata.Arn)
	s3root := tn.s3Client(true)
	mustCreateBucket(t, s3root, "docs")
	mustCreateBucket(t, s3root, "docs-bk")
	if _, err := s3root.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: aws.String("docs-bk"),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: &keyARN},
			BucketKeyEnabled:                   aws.Bool(true)}}}}); err != nil {
		t.Fatal(err)
	}
	kmsPut := func(in *s3.PutObjectInput) {
		in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = &keyARN
	}
	mustPut(t, s3root, "docs", "report.txt", []byte("quarterly numbers"), kmsPut)
	mustPut(t, s3root, "docs", "plain.txt", []byte("sse-s3"), nil)
	mustPut(t, s3root, "docs-bk", "report.txt", []byte("bucket-key numbers"), nil)
	// The owner reads the bucket-key object, so its bucket key is cached on the node.
	if _, _, err := getBytes(s3root, &s3.GetObjectInput{Bucket: aws.String("docs-bk"), Key: aws.String("report.txt")}); err != nil {
		t.Fatal(err)
	}

	s3Read := `{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::docs","arn:aws:s3:::docs/*","arn:aws:s3:::docs-bk","arn:aws:s3:::docs-bk/*"]}`
	reader := tn.testPrincipal(t, "reader", `{"Version":"2012-10-17","Statement":[`+s3Read+`]}`)
	for _, obj := range []struct{ bucket, key string }{{"docs", "report.txt"}, {"docs-bk", "report.txt"}} {
		_, _, err := getBytes(reader.s3, &s3.GetObjectInput{Bucket: &obj.bucket, Key: &obj.key})
		msg := wantAccessDenied(t, "GetObject of "+obj.bucket+" without kms:Decrypt", err)
		if !strings.Contains(msg, "kms:Decrypt") {
			t.Errorf("message does not name kms:Decrypt: %s", msg)
		}
	}
	// SSE-S3 is keyhold's own key: s3:GetObject is enough.
	if got, _, err := getBytes(reader.s3, &s3.GetObjectInput{Bucket: aws.String("docs"), Key: aws.String("plain.txt")}); err != nil || string(got) != "sse-s3" {
		t.Fatalf("GetObject of an SSE-S3 object: %v", err)
	}

	// The fix: add kms:Decrypt to the reader's policy, through S3 only.
	tn.putUserPolicy(t, "reader", "reader-inline-0", `{"Version":"2012-10-17","Statement":[`+s3Read+`,
		{"Effect":"Allow","Action":"kms:Decrypt","Resource":"`+keyARN+`","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}`)
	fixed := reader
	for _, obj := range []struct{ bucket, key, want string }{{"docs", "report.txt", "quarterly numbers"}, {"docs-bk", "report.txt", "bucket-key numbers"}} {
		got, _, err := getBytes(fixed.s3, &s3.GetObjectInput{Bucket: &obj.bucket, Key: &obj.key})
		if err != nil || string(got) != obj.want {
			t.Fatalf("GetObject of %s with kms:Decrypt: %v", obj.bucket, err)
		}
	}
	// kms:ViaService holds only when S3 calls: the same principal cannot Decrypt directly.
	blob, err := tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: &keyARN, Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = fixed.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob.CiphertextBlob})
	wantAccessDenied(t, "direct Decrypt with a kms:ViaService-only permission", err)

	// Writing: s3:PutObject without kms:GenerateDataKey is refused for SSE-KMS under the key,
	// with and without a bucket key; SSE-S3 needs nothing more.
	writer := tn.testPrincipal(t, "writer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":["arn:aws:s3:::docs/*","arn:aws:s3:::docs-bk/*"]}]}`)
	_, err = writer.s3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("w.txt"), Body: bytes.NewReader([]byte("w")),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: &keyARN})
	wantAccessDenied(t, "PutObject SSE-KMS without kms:GenerateDataKey", err)
	_, err = writer.s3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("docs-bk"), Key: aws.String("w.txt"), Body: bytes.NewReader([]byte("w"))})
	wantAccessDenied(t, "PutObject into a bucket-key bucket without kms:GenerateDataKey", err)
	if _, err := writer.s3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("w.txt"), Body: bytes.NewReader([]byte("w"))}); err != nil {
		t.Fatalf("PutObject SSE-S3: %v", err)
	}
	// s3:PutObject alone: no reading, no listing, no deleting.
	_, _, err = getBytes(writer.s3, &s3.GetObjectInput{Bucket: aws.String("docs"), Key: aws.String("w.txt")})
	wantAccessDenied(t, "writer GetObject", err)
	_, err = writer.s3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("docs")})
	wantAccessDenied(t, "writer ListObjectsV2", err)
	_, err = writer.s3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("docs"), Key: aws.String("report.txt")})
	wantAccessDenied(t, "writer DeleteObject", err)
	// A copy needs s3:GetObject on its source.
	_, err = writer.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("docs"), Key: aws.String("copy.txt"), CopySource: aws.String("docs/plain.txt")})
	wantAccessDenied(t, "CopyObject without s3:GetObject on the source", err)

	// The trail: the refused GET names the missing kms:Decrypt allow, the allowed one the
	// s3:GetObject statement that allowed it.
	var deny, allow bool
	for _, l := range readAuthzAudit(t, tn.n.cfg.auditDir()) {
		if l.Op != "GetObject" || l.Principal != reader.arn {
			continue
		}
		switch {
		case l.Outcome == "AccessDenied":
			deny = deny || l.Decision == "Deny" && l.DecisionReason == "no allow" && l.Account == acct
		case l.Outcome == "OK":
			allow = allow || l.Decision == "Allow" && l.DecidingStatement == "#0" && l.DecidingPolicy == "reader-inline-0"
		}
	}
	if !deny || !allow {
		t.Errorf("audit trail: GetObject deny recorded %v, allow recorded %v", deny, allow)
	}
}

// TestAttackS3ConditionKeys: s3:prefix confines a lister to its home folder; a Deny on
// s3:x-amz-server-side-encryption makes a writer use SSE-KMS; a Deny on aws:SecureTransport
// refuses plain HTTP.
func TestAttackS3ConditionKeys(t *testing.T) {
	tn := newTestNode(t)
	s3root := tn.s3Client(true)
	mustCreateBucket(t, s3root, "home")
	lister := tn.testPrincipal(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::home",
		"Condition":{"StringLike":{"s3:prefix":"alice/*"}}},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::home/alice/*"},
		{"Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}}]}`)
	if _, err := lister.s3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("home"), Prefix: aws.String("alice/")}); err != nil {
		t.Fatalf("own prefix: %v", err)
	}
	_, err := lister.s3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("home"), Prefix: aws.String("bob/")})
	wantAccessDenied(t, "another prefix", err)
	_, err = lister.s3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("home")})
	wantAccessDenied(t, "no prefix", err)
	_, err = lister.s3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("home"), Key: aws.String("alice/a"), Body: bytes.NewReader([]byte("a"))})
	wantAccessDenied(t, "PutObject without x-amz-server-side-encryption: aws:kms", err)
	if _, err := lister.s3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("home"), Key: aws.String("alice/a"), Body: bytes.NewReader([]byte("a")),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms}); err != nil {
		t.Fatalf("PutObject with aws:kms (the account's managed key): %v", err)
	}
	// The managed key's policy lets every principal of the account use it through S3: no KMS
	// permission of the caller's own is needed to read it back either.
	s3Only := tn.testPrincipal(t, "s3only", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	if _, err := s3Only.s3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("home"), Key: aws.String("alice/a")}); err != nil {
		t.Fatalf("GetObject of an object under the account's managed key: %v", err)
	}
	tlsOnly := tn.testPrincipal(t, "tls", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	_, err = tlsOnly.s3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("home")})
	wantAccessDenied(t, "S3 over plain HTTP", err)
}
