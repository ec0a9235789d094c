package domain

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/domain/policy"
)

// newAuthzService is a service with one symmetric key of the first account, alias/app on it.
func newAuthzService(t *testing.T) (*Service, *Key) {
	t.Helper()
	svc, _, _ := newTestService(t)
	root := as(authzRoot(testARNs.Account))
	k, err := svc.CreateKey(root, CreateKeyInput{Description: "app"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateAlias(root, "alias/app", k.ID.String()); err != nil {
		t.Fatal(err)
	}
	return svc, k
}

func wantDenied(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("%s: got %v, want AccessDenied", what, err)
	}
}

func wantOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestAuthzNoCallerIsRefused: a request path that forgot to attach its caller (neither a
// Caller nor the system mark in its context) is refused by every kind of check: fail closed.
func TestAuthzNoCallerIsRefused(t *testing.T) {
	svc, k := newAuthzService(t)
	bare := context.Background()
	_, _, err := svc.Encrypt(bare, k.ID.String(), []byte("x"), nil)
	wantDenied(t, "Encrypt", err)
	_, err = svc.CreateKey(bare, CreateKeyInput{})
	wantDenied(t, "CreateKey", err)
	_, _, err = svc.ListKeys(bare, 0, "")
	wantDenied(t, "ListKeys", err)
	_, err = svc.GenerateRandom(bare, 16)
	wantDenied(t, "GenerateRandom", err)
	wantDenied(t, "ScheduleKeyDeletion", func() error { _, err := svc.ScheduleKeyDeletion(bare, k.ID.String(), 7); return err }())
	wantDenied(t, "Authorize", svc.Authorize(bare, "s3:GetObject", "arn:aws:s3:::b/k"))
	// The system mark is keyhold's own work, and only code in the process can set it.
	_, _, err = svc.Encrypt(AsSystem(bare), k.ID.String(), []byte("x"), nil)
	wantOK(t, "Encrypt as system", err)
}

// TestAuthzRootOwnAccount: an account's root is allowed everything in its own account.
func TestAuthzRootOwnAccount(t *testing.T) {
	svc, k := newAuthzService(t)
	root := as(authzRoot(testARNs.Account))
	blob, _, err := svc.Encrypt(root, "alias/app", []byte("x"), map[string]string{"a": "b"})
	wantOK(t, "Encrypt", err)
	_, _, err = svc.Decrypt(root, "", blob, map[string]string{"a": "b"})
	wantOK(t, "Decrypt", err)
	_, err = svc.ScheduleKeyDeletion(root, k.ID.String(), 7)
	wantOK(t, "ScheduleKeyDeletion", err)
	wantOK(t, "s3", svc.Authorize(root, "s3:PutObject", "arn:aws:s3:::any/thing"))
	wantOK(t, "iam", svc.Authorize(root, "iam:CreateUser", "arn:aws:iam::"+testARNs.Account+":user/x"))
}

// TestAuthzIssueExample is issue 13's example: app1 may Encrypt and Decrypt one key with
// team=cats, nothing else; ScheduleKeyDeletion is refused with AWS's words.
func TestAuthzIssueExample(t *testing.T) {
	svc, k := newAuthzService(t)
	arn := testARNs.Key(k.ID)
	app1 := as(authzUser(t, testARNs.Account, "app1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],
		"Resource":"`+arn+`","Condition":{"StringEquals":{"kms:EncryptionContext:team":"cats"}}}]}`))
	cats := map[string]string{"team": "cats"}
	blob, _, err := svc.Encrypt(app1, arn, []byte("secret"), cats)
	wantOK(t, "Encrypt team=cats", err)
	_, _, err = svc.Decrypt(app1, "", blob, cats)
	wantOK(t, "Decrypt team=cats", err)
	_, _, err = svc.Encrypt(app1, arn, []byte("secret"), map[string]string{"team": "dogs"})
	wantDenied(t, "Encrypt team=dogs", err)
	_, _, err = svc.Encrypt(app1, arn, []byte("secret"), nil)
	wantDenied(t, "Encrypt without context", err)
	_, err = svc.ScheduleKeyDeletion(app1, arn, 7)
	wantDenied(t, "ScheduleKeyDeletion", err)
	want := "User: arn:aws:iam::111122223333:user/app1 is not authorized to perform: kms:ScheduleKeyDeletion on resource: " + arn +
		" because no identity-based policy allows the kms:ScheduleKeyDeletion action"
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
	// A user with no policy at all gets the same for Decrypt.
	nobody := as(authzUser(t, testARNs.Account, "nobody"))
	_, _, err = svc.Decrypt(nobody, "", blob, cats)
	wantDenied(t, "Decrypt without policy", err)
}

// TestAuthzExplicitDeny: a Deny beats an Allow, and the message says so.
func TestAuthzExplicitDeny(t *testing.T) {
	svc, k := newAuthzService(t)
	arn := testARNs.Key(k.ID)
	u := as(authzUser(t, testARNs.Account, "ops",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"NoDecrypt","Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}`))
	blob, _, err := svc.Encrypt(u, arn, []byte("x"), nil)
	wantOK(t, "Encrypt", err)
	_, _, err = svc.Decrypt(u, "", blob, nil)
	wantDenied(t, "Decrypt", err)
	if !strings.Contains(err.Error(), "with an explicit deny in an identity-based policy") {
		t.Errorf("message: %v", err)
	}
}

// TestAuthzRoleSeparation: a key administrator manages keys but cannot use them; a key user
// uses them but cannot schedule their deletion (the policies of AWS's "key administrators" and
// "key users" statements).
func TestAuthzRoleSeparation(t *testing.T) {
	svc, k := newAuthzService(t)
	arn := testARNs.Key(k.ID)
	admin := as(authzUser(t, testARNs.Account, "keyadmin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[
		"kms:Create*","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*","kms:Disable*",
		"kms:Get*","kms:Delete*","kms:TagResource","kms:UntagResource","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion","kms:RotateKeyOnDemand"],
		"Resource":"*"}]}`))
	user := as(authzUser(t, testARNs.Account, "keyuser", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[
		"kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}]}`))

	blob, _, err := svc.Encrypt(user, arn, []byte("x"), nil)
	wantOK(t, "user Encrypt", err)
	_, _, err = svc.Decrypt(user, "", blob, nil)
	wantOK(t, "user Decrypt", err)
	_, err = svc.ReEncrypt(user, "", blob, nil, arn, nil)
	wantOK(t, "user ReEncrypt", err)
	_, _, _, err = svc.GenerateDataKey(user, arn, 32, nil)
	wantOK(t, "user GenerateDataKey", err)
	_, err = svc.ScheduleKeyDeletion(user, arn, 7)
	wantDenied(t, "user ScheduleKeyDeletion", err)
	wantDenied(t, "user DisableKey", svc.DisableKey(user, arn))
	_, err = svc.CreateKey(user, CreateKeyInput{})
	wantDenied(t, "user CreateKey", err)

	_, _, err = svc.Decrypt(admin, "", blob, nil)
	wantDenied(t, "admin Decrypt", err)
	_, _, err = svc.Encrypt(admin, arn, []byte("x"), nil)
	wantDenied(t, "admin Encrypt", err)
	k2, err := svc.CreateKey(admin, CreateKeyInput{})
	wantOK(t, "admin CreateKey", err)
	wantOK(t, "admin DisableKey", svc.DisableKey(admin, k2.ID.String()))
	_, err = svc.ScheduleKeyDeletion(admin, k2.ID.String(), 7)
	wantOK(t, "admin ScheduleKeyDeletion", err)
	_, _, err = svc.ListKeys(admin, 0, "")
	wantOK(t, "admin ListKeys", err)
}

// TestAuthzReEncryptActions: ReEncrypt needs kms:ReEncryptFrom on the source key and
// kms:ReEncryptTo on the destination, each on its own key.
func TestAuthzReEncryptActions(t *testing.T) {
	svc, src := newAuthzService(t)
	dst, err := svc.CreateKey(as(authzRoot(testARNs.Account)), CreateKeyInput{})
	wantOK(t, "CreateKey", err)
	blob, _, err := svc.Encrypt(as(authzRoot(testARNs.Account)), src.ID.String(), []byte("x"), nil)
	wantOK(t, "Encrypt", err)
	both := as(authzUser(t, testARNs.Account, "both", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"kms:ReEncryptFrom","Resource":"`+testARNs.Key(src.ID)+`"},
		{"Effect":"Allow","Action":"kms:ReEncryptTo","Resource":"`+testARNs.Key(dst.ID)+`"}]}`))
	_, err = svc.ReEncrypt(both, "", blob, nil, dst.ID.String(), nil)
	wantOK(t, "ReEncrypt", err)
	swapped := as(authzUser(t, testARNs.Account, "swapped", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"kms:ReEncryptTo","Resource":"`+testARNs.Key(src.ID)+`"},
		{"Effect":"Allow","Action":"kms:ReEncryptFrom","Resource":"`+testARNs.Key(dst.ID)+`"}]}`))
	_, err = svc.ReEncrypt(swapped, "", blob, nil, dst.ID.String(), nil)
	wantDenied(t, "ReEncrypt with the actions swapped", err)
	decryptOnly := as(authzUser(t, testARNs.Account, "dec", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*"}]}`))
	_, err = svc.ReEncrypt(decryptOnly, "", blob, nil, dst.ID.String(), nil)
	wantDenied(t, "ReEncrypt with Decrypt and Encrypt only", err)
}

// TestAuthzAliasNeedsAliasAndKey: CreateAlias needs kms:CreateAlias on the alias and on the
// key, as AWS documents.
func TestAuthzAliasNeedsAliasAndKey(t *testing.T) {
	svc, k := newAuthzService(t)
	aliasOnly := as(authzUser(t, testARNs.Account, "a", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateAlias","Resource":"arn:aws:kms:us-east-1:111122223333:alias/*"}]}`))
	wantDenied(t, "alias permission only", svc.CreateAlias(aliasOnly, "alias/x", k.ID.String()))
	keyOnly := as(authzUser(t, testARNs.Account, "k", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateAlias","Resource":"arn:aws:kms:us-east-1:111122223333:key/*"}]}`))
	wantDenied(t, "key permission only", svc.CreateAlias(keyOnly, "alias/x", k.ID.String()))
	both := as(authzUser(t, testARNs.Account, "b", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateAlias","Resource":["arn:aws:kms:us-east-1:111122223333:key/*","arn:aws:kms:us-east-1:111122223333:alias/x"]}]}`))
	wantOK(t, "both", svc.CreateAlias(both, "alias/x", k.ID.String()))
	wantDenied(t, "another alias name", svc.CreateAlias(both, "alias/y", k.ID.String()))
}

// TestAuthzDecisionLog: the decision, the policy and the statement that decided reach the
// request's DecisionLog (the audit record's source).
func TestAuthzDecisionLog(t *testing.T) {
	svc, k := newAuthzService(t)
	u := authzUser(t, testARNs.Account, "app1", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Other","Effect":"Allow","Action":"kms:DescribeKey","Resource":"*"},
		{"Sid":"UseKey","Effect":"Allow","Action":"kms:Encrypt","Resource":"*"},
		{"Sid":"NoDelete","Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}`)
	ctx, log := WithDecisionLog(as(u))
	_, _, err := svc.Encrypt(ctx, k.ID.String(), []byte("x"), nil)
	wantOK(t, "Encrypt", err)
	d, ok := log.Settled()
	if !ok || !d.Allowed || d.Sid != "UseKey" || d.Statement != 1 || d.Policy != "app1-policy-a" || d.Account != testARNs.Account ||
		d.Principal != u.Principal.ARN || d.Action != "kms:Encrypt" || d.Resource != testARNs.Key(k.ID) {
		t.Errorf("allow: %+v", d)
	}
	ctx, log = WithDecisionLog(as(u))
	_, err = svc.ScheduleKeyDeletion(ctx, k.ID.String(), 7)
	wantDenied(t, "ScheduleKeyDeletion", err)
	if d, _ := log.Settled(); d.Allowed || d.Sid != "NoDelete" || d.Reason != "explicit deny" {
		t.Errorf("deny: %+v", d)
	}
	ctx, log = WithDecisionLog(as(authzRoot(testARNs.Account)))
	_, _, err = svc.ListKeys(ctx, 0, "")
	wantOK(t, "root ListKeys", err)
	if d, _ := log.Settled(); !d.Allowed || d.Reason != "allowed: root of the account" || d.Statement != -1 || d.Resource != "*" {
		t.Errorf("root: %+v", d)
	}
}

// TestAuthzAmbiguousContextRefused: an encryption context with keys differing only in case
// is refused, so that a Deny on kms:EncryptionContext:tenant cannot be sidestepped by adding
// "Tenant" (policy.ErrAmbiguousContext).
func TestAuthzAmbiguousContextRefused(t *testing.T) {
	svc, k := newAuthzService(t)
	u := as(authzUser(t, testARNs.Account, "u", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"},
		{"Effect":"Deny","Action":"kms:Encrypt","Resource":"*","Condition":{"StringNotEquals":{"kms:EncryptionContext:tenant":"acme"}}}]}`))
	_, _, err := svc.Encrypt(u, k.ID.String(), []byte("x"), map[string]string{"tenant": "acme"})
	wantOK(t, "tenant=acme", err)
	_, _, err = svc.Encrypt(u, k.ID.String(), []byte("x"), map[string]string{"tenant": "evil", "Tenant": "acme"})
	if !errors.Is(err, ErrValidation) {
		t.Fatalf("ambiguous context: %v", err)
	}
}

// TestAuthzAuthorizeSetsKeys: the exported Authorize (S3, IAM, STS) passes the request's own
// condition keys and refuses another account's resources.
func TestAuthzAuthorizeSetsKeys(t *testing.T) {
	svc, _ := newAuthzService(t)
	u := as(authzUser(t, testARNs.Account, "lister", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b",
		"Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}}]}`))
	prefix := func(p string) func(*policy.Context) {
		return func(pc *policy.Context) { pc.Set(policy.KeyS3Prefix, p) }
	}
	wantOK(t, "own prefix", svc.Authorize(u, "s3:ListBucket", "arn:aws:s3:::b", prefix("home/lister/x")))
	wantDenied(t, "other prefix", svc.Authorize(u, "s3:ListBucket", "arn:aws:s3:::b", prefix("home/other/x")))
	wantDenied(t, "no prefix", svc.Authorize(u, "s3:ListBucket", "arn:aws:s3:::b"))
	// Another account's bucket: even its own root is refused there, with AWS's words.
	wantOK(t, "CreateBucket", svc.CreateBucket(as(authzRoot(tenantB)), "theirs", "root"))
	err := svc.Authorize(as(authzRoot(testARNs.Account)), "s3:GetObject", "arn:aws:s3:::theirs/k")
	wantDenied(t, "another account's bucket", err)
	if !strings.Contains(err.Error(), "because no resource-based policy allows the s3:GetObject action") {
		t.Errorf("message: %v", err)
	}
	// An IAM resource of another account.
	wantDenied(t, "another account's user", svc.Authorize(as(authzRoot(testARNs.Account)), "iam:CreateUser", "arn:aws:iam::"+tenantB+":user/x"))
}

// TestAuthzResourcePolicySlot: the slot issue 14 fills: with a resource policy, its model decides
// with the caller's identity policies, across accounts too (here a bucket-policy-like document
// naming another account's user, ModelS3).
func TestAuthzResourcePolicySlot(t *testing.T) {
	svc, _ := newAuthzService(t)
	rp, err := policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+tenantB+`:user/partner"},
		"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`, policy.ParseOptions{Kind: policy.KindResource, Name: "bucket policy"})
	if err != nil {
		t.Fatal(err)
	}
	partner := as(authzUser(t, tenantB, "partner", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`))
	wantOK(t, "cross-account with both allowing", svc.AuthorizeWithResourcePolicy(partner, "s3:GetObject", "arn:aws:s3:::shared/x", testARNs.Account, rp, policy.ModelS3))
	stranger := as(authzUser(t, tenantB, "stranger", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`))
	wantDenied(t, "cross-account not named", svc.AuthorizeWithResourcePolicy(stranger, "s3:GetObject", "arn:aws:s3:::shared/x", testARNs.Account, rp, policy.ModelS3))
	noIAM := as(authzUser(t, tenantB, "partner"))
	wantDenied(t, "cross-account without its own IAM allow", svc.AuthorizeWithResourcePolicy(noIAM, "s3:GetObject", "arn:aws:s3:::shared/x", testARNs.Account, rp, policy.ModelS3))
}
