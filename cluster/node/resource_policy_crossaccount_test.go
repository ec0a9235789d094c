package node

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
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
