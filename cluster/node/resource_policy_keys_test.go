package node

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// keyPolicyDoc is a key policy: the account's root trusted with kms:* (AWS's "Enable IAM User
// Permissions"), then stmts.
func keyPolicyDoc(account string, stmts ...string) string {
	all := append([]string{`{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account +
		`:root"},"Action":"kms:*","Resource":"*"}`}, stmts...)
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(all, ",") + `]}`
}

// keyStmt is a key policy statement allowing principals (ARNs) actions.
func keyStmt(sid string, principals []string, actions ...string) string {
	p, _ := json.Marshal(principals)
	a, _ := json.Marshal(actions)
	return `{"Sid":"` + sid + `","Effect":"Allow","Principal":{"AWS":` + string(p) + `},"Action":` + string(a) + `,"Resource":"*"}`
}

// keyAdminActions and keyUserActions are the statements the KMS console writes for key
// administrators and key users.
var (
	keyAdminActions = []string{"kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
		"kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
		"kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"}
	keyUserActions = []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}
)

// TestKeyPolicyDefault: a key created without a policy has AWS's default key policy, as
// get-key-policy prints it, list-key-policies names only "default", and that policy
// delegates to IAM: a user whose IAM policy allows the key uses it, one without is refused.
func TestKeyPolicyDefault(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	root := tn.cliAs(t, nil)
	var ck struct{ KeyMetadata struct{ KeyId, Arn string } }
	if err := json.Unmarshal([]byte(root.ok("kms", "create-key", "--description", "default policy")), &ck); err != nil {
		t.Fatal(err)
	}
	id, arn := ck.KeyMetadata.KeyId, ck.KeyMetadata.Arn

	got := root.ok("kms", "get-key-policy", "--key-id", id, "--policy-name", "default", "--query", "Policy", "--output", "text")
	want := tn.n.svc.ARNs().DefaultKeyPolicy(acct)
	if strings.TrimSpace(got) != want {
		t.Fatalf("get-key-policy:\n%s\nwant AWS's default key policy:\n%s", got, want)
	}
	var doc struct {
		Statement []struct {
			Sid       string
			Principal struct{ AWS string }
			Action    string
		}
	}
	if err := json.Unmarshal([]byte(got), &doc); err != nil || len(doc.Statement) != 1 ||
		doc.Statement[0].Principal.AWS != "arn:aws:iam::"+acct+":root" || doc.Statement[0].Action != "kms:*" ||
		doc.Statement[0].Sid != "Enable IAM User Permissions" {
		t.Fatalf("default policy %s (%v)", got, err)
	}
	var lp struct{ PolicyNames []string }
	if err := json.Unmarshal([]byte(root.ok("kms", "list-key-policies", "--key-id", arn)), &lp); err != nil ||
		len(lp.PolicyNames) != 1 || lp.PolicyNames[0] != "default" {
		t.Fatalf("list-key-policies: %+v %v", lp, err)
	}
	root.fails([]string{"kms", "get-key-policy", "--key-id", id, "--policy-name", "other"}, "NotFoundException")

	// The SDK reads the same text.
	gp, err := tn.kms.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: aws.String(arn)})
	if err != nil || aws.ToString(gp.Policy) != want || aws.ToString(gp.PolicyName) != "default" {
		t.Fatalf("SDK GetKeyPolicy: %v %v", gp, err)
	}

	// The default policy delegates to IAM.
	user := tn.testPrincipal(t, "app", allowDoc(arn, "kms:Encrypt", "kms:Decrypt"))
	enc, err := user.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("default")})
	if err != nil {
		t.Fatalf("Encrypt as a user with an IAM allow: %v", err)
	}
	if dec, err := user.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil || string(dec.Plaintext) != "default" {
		t.Fatalf("Decrypt as a user with an IAM allow: %v", err)
	}
	out := tn.cliAs(t, user).ok("kms", "encrypt", "--key-id", arn, "--plaintext", base64.StdEncoding.EncodeToString([]byte("cli")))
	if !strings.Contains(out, `"CiphertextBlob"`) {
		t.Fatalf("encrypt as the user with the CLI: %s", out)
	}
	_, err = user.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(arn)})
	msg := wantAccessDenied(t, "ScheduleKeyDeletion without an IAM allow", err)
	if want := "User: " + user.arn + " is not authorized to perform: kms:ScheduleKeyDeletion on resource: " + arn; !strings.HasPrefix(msg, want) {
		t.Fatalf("message %q, want it to start %q", msg, want)
	}
	nobody := tn.testPrincipal(t, "nobody")
	_, err = nobody.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	wantAccessDenied(t, "Encrypt without an IAM allow", err)
}

// TestKeyPolicyAdministratorsAndUsers: a key policy written as the KMS console writes it, with
// key administrators and key users (IAM users and a role made through keyhold's IAM, none with
// any IAM policy): administrators manage the key and cannot use it, users use it and cannot
// manage it, each refusal worded as AWS words it.
func TestKeyPolicyAdministratorsAndUsers(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	admin := tn.testPrincipal(t, "key-admin")
	user := tn.testPrincipal(t, "key-user")
	roleARN := tn.mkRole(t, "key-users", trustDoc("arn:aws:iam::"+acct+":root"))
	doc := keyPolicyDoc(acct,
		keyStmt("Allow access for Key Administrators", []string{admin.arn}, keyAdminActions...),
		keyStmt("Allow use of the key", []string{user.arn, roleARN}, keyUserActions...))
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(doc), Description: aws.String("console policy")})
	if err != nil {
		t.Fatalf("CreateKey with a policy: %v", err)
	}
	arn := aws.ToString(ck.KeyMetadata.Arn)
	if gp, err := tn.kms.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: ck.KeyMetadata.KeyId}); err != nil || aws.ToString(gp.Policy) != doc {
		t.Fatalf("GetKeyPolicy returns %v %v, want the policy given to CreateKey", gp, err)
	}

	// The key user, by the SDK and the CLI.
	enc, err := user.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("used"), EncryptionContext: map[string]string{"app": "x"}})
	if err != nil {
		t.Fatalf("Encrypt as the key user: %v", err)
	}
	if dec, err := user.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"app": "x"}}); err != nil || string(dec.Plaintext) != "used" {
		t.Fatalf("Decrypt as the key user: %v", err)
	}
	// The console's wildcards: kms:ReEncrypt* and kms:GenerateDataKey*.
	if _, err := user.kms.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: map[string]string{"app": "x"},
		DestinationKeyId: aws.String(arn)}); err != nil {
		t.Fatalf("ReEncrypt as the key user: %v", err)
	}
	if _, err := user.kms.GenerateDataKeyWithoutPlaintext(ctx(), &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(arn), KeySpec: kmstypes.DataKeySpecAes256}); err != nil {
		t.Fatalf("GenerateDataKeyWithoutPlaintext as the key user: %v", err)
	}
	userCLI := tn.cliAs(t, user)
	ct := strings.TrimSpace(userCLI.ok("kms", "encrypt", "--key-id", arn, "--plaintext", base64.StdEncoding.EncodeToString([]byte("cli")),
		"--query", "CiphertextBlob", "--output", "text"))
	pt := strings.TrimSpace(userCLI.ok("kms", "decrypt", "--ciphertext-blob", ct, "--query", "Plaintext", "--output", "text"))
	if b, _ := base64.StdEncoding.DecodeString(pt); string(b) != "cli" {
		t.Fatalf("CLI decrypt as the key user: %q", pt)
	}
	userCLI.fails([]string{"kms", "schedule-key-deletion", "--key-id", arn},
		"AccessDeniedException", "User: "+user.arn+" is not authorized to perform: kms:ScheduleKeyDeletion on resource: "+arn+
			" because no identity-based policy allows the kms:ScheduleKeyDeletion action")
	_, err = user.kms.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(arn), Policy: aws.String(doc)})
	wantAccessDenied(t, "PutKeyPolicy as the key user", err)

	// The role named as a key user, through a session of it.
	as, err := tn.stsClient(tn.akid, tn.secret, "").AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	sess := tn.sessionKMS(as.Credentials)
	if _, err := sess.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"app": "x"}}); err != nil {
		t.Fatalf("Decrypt as a session of the key-user role: %v", err)
	}
	_, err = sess.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: aws.String(arn)})
	wantAccessDenied(t, "DisableKey as the key-user role", err)

	// The key administrator.
	if _, err := admin.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(arn)}); err != nil {
		t.Fatalf("DescribeKey as the key administrator: %v", err)
	}
	_, err = admin.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"app": "x"}})
	msg := wantAccessDenied(t, "Decrypt as the key administrator", err)
	if want := "User: " + admin.arn + " is not authorized to perform: kms:Decrypt on resource: " + arn +
		" because no identity-based policy allows the kms:Decrypt action"; msg != want {
		t.Fatalf("Decrypt as the administrator: %q, want %q", msg, want)
	}
	_, err = admin.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	wantAccessDenied(t, "Encrypt as the key administrator", err)
	adminCLI := tn.cliAs(t, admin)
	adminCLI.fails([]string{"kms", "decrypt", "--ciphertext-blob", base64.StdEncoding.EncodeToString(enc.CiphertextBlob), "--encryption-context", "app=x"},
		"AccessDeniedException", "kms:Decrypt")
	doc2 := keyPolicyDoc(acct,
		keyStmt("Allow access for Key Administrators", []string{admin.arn}, keyAdminActions...),
		keyStmt("Allow use of the key", []string{user.arn}, "kms:Encrypt", "kms:DescribeKey"))
	adminCLI.ok("kms", "put-key-policy", "--key-id", arn, "--policy-name", "default", "--policy", doc2)
	if gp, err := admin.kms.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: aws.String(arn)}); err != nil || aws.ToString(gp.Policy) != doc2 {
		t.Fatalf("GetKeyPolicy after the administrator's put: %v %v", gp, err)
	}
	// The new policy took kms:Decrypt from the user: refused at once.
	_, err = user.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"app": "x"}})
	wantAccessDenied(t, "Decrypt as the user after the policy dropped it", err)
	out := adminCLI.ok("kms", "schedule-key-deletion", "--key-id", arn, "--pending-window-in-days", "7")
	if !strings.Contains(out, "PendingDeletion") {
		t.Fatalf("schedule-key-deletion as the administrator: %s", out)
	}
	adminCLI.ok("kms", "cancel-key-deletion", "--key-id", arn)
}

// TestKeyPolicyLockoutSafetyCheck: PutKeyPolicy and CreateKey refuse a policy that would stop
// the caller from changing it again (MalformedPolicyDocumentException), unless the caller
// bypasses the check.
func TestKeyPolicyLockoutSafetyCheck(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	admin := tn.testPrincipal(t, "key-admin", allowDoc("*", "kms:CreateKey"))
	other := tn.testPrincipal(t, "someone-else")
	adminCLI := tn.cliAs(t, admin)
	own := `{"Version":"2012-10-17","Statement":[` + keyStmt("admins", []string{admin.arn}, keyAdminActions...) + `]}`
	var ck struct{ KeyMetadata struct{ KeyId, Arn string } }
	if err := json.Unmarshal([]byte(adminCLI.ok("kms", "create-key", "--policy", own)), &ck); err != nil {
		t.Fatal(err)
	}
	arn := ck.KeyMetadata.Arn
	lockout := `{"Version":"2012-10-17","Statement":[` + keyStmt("users", []string{other.arn}, keyUserActions...) + `]}`
	const lockMsg = "The new key policy will not allow you to update the key policy in the future."
	adminCLI.fails([]string{"kms", "put-key-policy", "--key-id", arn, "--policy-name", "default", "--policy", lockout},
		"MalformedPolicyDocumentException", lockMsg)
	_, err := admin.kms.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(arn), PolicyName: aws.String("default"), Policy: aws.String(lockout)})
	wantAWSCode(t, "SDK PutKeyPolicy locking the caller out", err, "MalformedPolicyDocumentException")
	if gp, err := admin.kms.GetKeyPolicy(ctx(), &kms.GetKeyPolicyInput{KeyId: aws.String(arn)}); err != nil || aws.ToString(gp.Policy) != own {
		t.Fatalf("the refused policy changed the key: %v %v", gp, err)
	}
	// The root of the account is no exception: the policy does not trust the account.
	_, err = tn.kms.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(arn), PolicyName: aws.String("default"), Policy: aws.String(lockout)})
	wantAccessDenied(t, "PutKeyPolicy by the root on a key whose policy does not trust the account", err)

	// Refused policies at creation.
	adminCLI.fails([]string{"kms", "create-key", "--policy", lockout}, "MalformedPolicyDocumentException", lockMsg)
	_, err = admin.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(lockout)})
	wantAWSCode(t, "SDK CreateKey with a locking-out policy", err, "MalformedPolicyDocumentException")

	// Bypassed: stored as given, and the caller is locked out as it asked.
	adminCLI.ok("kms", "put-key-policy", "--key-id", arn, "--policy-name", "default", "--policy", lockout, "--bypass-policy-lockout-safety-check")
	_, err = admin.kms.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: aws.String(arn), Policy: aws.String(own)})
	wantAccessDenied(t, "PutKeyPolicy after locking oneself out", err)
	if _, err := other.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")}); err != nil {
		t.Fatalf("Encrypt as the user the bypassed policy names: %v", err)
	}
	out := adminCLI.ok("kms", "create-key", "--policy", lockout, "--bypass-policy-lockout-safety-check")
	if !strings.Contains(out, `"KeyId"`) {
		t.Fatalf("create-key with the bypass: %s", out)
	}
	_, err = admin.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(lockout), BypassPolicyLockoutSafetyCheck: true})
	if err != nil {
		t.Fatalf("SDK CreateKey with the bypass: %v", err)
	}
	// The check decides as the real request would, with the caller's global condition keys:
	// an administrator statement limited to the caller's network and to TLS-or-not as the
	// request came passes it.
	admin2 := tn.testPrincipal(t, "net-admin", allowDoc("*", "kms:CreateKey"))
	netLimited := `{"Version":"2012-10-17","Statement":[{"Sid":"admins from the office","Effect":"Allow","Principal":{"AWS":"` + admin2.arn + `"},` +
		`"Action":"kms:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"},"Bool":{"aws:SecureTransport":"false"},` +
		`"StringEquals":{"aws:RequestedRegion":"` + tn.cfg.Region + `"}}}]}`
	nk, err := admin2.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(netLimited)})
	if err != nil {
		t.Fatalf("CreateKey with a policy the caller's own request satisfies: %v", err)
	}
	if _, err := admin2.kms.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: nk.KeyMetadata.KeyId, Policy: aws.String(netLimited)}); err != nil {
		t.Fatalf("PutKeyPolicy with a policy the caller's own request satisfies: %v", err)
	}
	otherNet := strings.Replace(netLimited, "127.0.0.0/8", "10.0.0.0/8", 1)
	_, err = admin2.kms.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: nk.KeyMetadata.KeyId, Policy: aws.String(otherNet)})
	wantAWSCode(t, "PutKeyPolicy admitting the caller only from another network", err, "MalformedPolicyDocumentException")

	// Malformed documents and the size limit are refused whatever the bypass.
	adminCLI.fails([]string{"kms", "create-key", "--policy", `{"Statement":`, "--bypass-policy-lockout-safety-check"}, "MalformedPolicyDocumentException")
	plain, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tn.kms.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: plain.KeyMetadata.KeyId, Policy: aws.String(strings.Repeat(" ", 32769) + keyPolicyDoc(acct)),
		BypassPolicyLockoutSafetyCheck: true})
	wantAWSCode(t, "PutKeyPolicy over 32 KB", err, "ValidationException")
}

// TestKeyPolicyDenyAndManagedKeys: an explicit Deny in a key policy wins over the caller's IAM
// allow and over a grant; the AWS managed key for S3 has AWS's managed-key policy, readable
// with get-key-policy and not editable.
func TestKeyPolicyDenyAndManagedKeys(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	user := tn.testPrincipal(t, "app", allowDoc("*", "kms:Encrypt", "kms:Decrypt", "kms:PutKeyPolicy"))
	deny := `{"Sid":"No decrypt outside prod","Effect":"Deny","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*",` +
		`"Condition":{"StringNotEquals":{"kms:EncryptionContext:stage":"prod"}}}`
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(keyPolicyDoc(acct, deny))})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(ck.KeyMetadata.Arn)
	if _, err := tn.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(user.arn),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt}}); err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"prod", "dev"} {
		ec := map[string]string{"stage": stage}
		enc, err := user.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte(stage), EncryptionContext: ec})
		if err != nil {
			t.Fatalf("Encrypt %s: %v", stage, err)
		}
		_, err = user.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
		if stage == "prod" {
			if err != nil {
				t.Fatalf("Decrypt in prod: %v", err)
			}
			continue
		}
		msg := wantAccessDenied(t, "Decrypt outside prod with an IAM allow and a grant", err)
		if !strings.Contains(msg, "with an explicit deny in a resource-based policy") {
			t.Fatalf("message %q", msg)
		}
		// The root too: the deny names every principal.
		_, err = tn.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
		wantAccessDenied(t, "Decrypt outside prod by the root", err)
	}

	// The audit record of the refusal names the key policy's deny statement.
	var sawDeny bool
	for _, l := range readAuthzAudit(t, tn.n.cfg.auditDir()) {
		if l.Op == "Decrypt" && l.Principal == user.arn && l.Outcome == "AccessDeniedException" {
			sawDeny = l.Decision == "Deny" && l.DecisionReason == "explicit deny" && l.DecidingPolicy == "key policy" &&
				l.DecidingStatement == "No decrypt outside prod"
		}
	}
	if !sawDeny {
		t.Error("the audit record of the denied Decrypt does not name the key policy's deny statement")
	}

	// The AWS managed key for S3 appears on first use.
	mustCreateBucket(t, tn.s3Client(true), "managed-key")
	mustPut(t, tn.s3Client(true), "managed-key", "o", []byte("x"), func(in *s3.PutObjectInput) { in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms })
	d, err := tn.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
	if err != nil || d.KeyMetadata.KeyManager != kmstypes.KeyManagerTypeAws {
		t.Fatalf("DescribeKey alias/aws/s3: %v %v", d, err)
	}
	managed := aws.ToString(d.KeyMetadata.KeyId)
	root := tn.cliAs(t, nil)
	got := strings.TrimSpace(root.ok("kms", "get-key-policy", "--key-id", managed, "--policy-name", "default", "--query", "Policy", "--output", "text"))
	if got != tn.n.svc.ARNs().ManagedKeyPolicy(acct) || !strings.Contains(got, `"kms:ViaService" : "s3.`+tn.cfg.Region+`.amazonaws.com"`) {
		t.Fatalf("get-key-policy of the AWS managed key:\n%s", got)
	}
	root.fails([]string{"kms", "put-key-policy", "--key-id", managed, "--policy-name", "default", "--policy", keyPolicyDoc(acct)}, "AccessDeniedException")
	if after := strings.TrimSpace(root.ok("kms", "get-key-policy", "--key-id", managed, "--policy-name", "default", "--query", "Policy", "--output", "text")); after != got {
		t.Fatal("the managed key's policy changed")
	}
}
