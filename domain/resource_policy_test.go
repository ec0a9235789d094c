package domain

import (
	"errors"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/domain/policy"
)

// TestKeyPolicyEnforced: a custom key policy is the primary control. Its key users may use the
// key and not administer it, its administrators the reverse, with no IAM policy of their own
// (the policy names them); a principal it does not name is refused even with an IAM allow;
// an explicit deny in it wins over the account root.
func TestKeyPolicyEnforced(t *testing.T) {
	svc, _ := newAuthzService(t)
	root := as(authzRoot(testARNs.Account))
	doc := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
	 {"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/admin"},"Action":["kms:Describe*","kms:Put*","kms:ScheduleKeyDeletion","kms:Disable*","kms:Enable*"],"Resource":"*"},
	 {"Sid":"Users","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/app"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"},
	 {"Sid":"NoDecryptWithoutContext","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"Null":{"kms:EncryptionContext:team":"true"}}}]}`
	k, err := svc.CreateKey(root, CreateKeyInput{Policy: doc})
	wantOK(t, "CreateKey with a policy", err)
	ref := k.ID.String()
	app := as(authzUser(t, testARNs.Account, "app"))
	admin := as(authzUser(t, testARNs.Account, "admin"))
	ec := map[string]string{"team": "cats"}

	blob, _, err := svc.Encrypt(app, ref, []byte("x"), ec)
	wantOK(t, "key user Encrypt (named by the key policy, no IAM policy)", err)
	_, _, err = svc.Decrypt(app, "", blob, ec)
	wantOK(t, "key user Decrypt", err)
	_, err = svc.ScheduleKeyDeletion(app, ref, 7)
	wantDenied(t, "key user ScheduleKeyDeletion", err)
	_, _, err = svc.Decrypt(admin, "", blob, ec)
	wantDenied(t, "key administrator Decrypt", err)
	_, err = svc.DescribeKey(admin, ref)
	wantOK(t, "key administrator DescribeKey", err)

	// Not named: an IAM allow alone does not reach a key whose policy... trusts the account
	// root, so it does here; a key whose policy does not trust the account refuses it.
	other := as(authzUser(t, testARNs.Account, "other", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`))
	_, _, err = svc.Encrypt(other, ref, []byte("x"), ec)
	wantOK(t, "IAM user through the account-trust statement", err)
	strict, err := svc.CreateKey(root, CreateKeyInput{Policy: strings.Replace(doc, `"Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*"`, `"Principal":{"AWS":"arn:aws:iam::111122223333:user/admin"},"Action":"kms:*"`, 1), BypassPolicyLockoutSafetyCheck: true})
	wantOK(t, "CreateKey without account trust", err)
	_, _, err = svc.Encrypt(other, strict.ID.String(), []byte("x"), ec)
	wantDenied(t, "IAM allow on a key whose policy does not trust the account", err)
	if err == nil || !strings.Contains(err.Error(), "no resource-based policy allows") {
		t.Errorf("message: %v", err)
	}
	// The explicit deny applies to the root too.
	_, _, err = svc.Decrypt(root, "", blob, nil)
	if !errors.Is(err, ErrAccessDenied) && !errors.Is(err, ErrInvalidCiphertext) {
		t.Errorf("root Decrypt without the context: %v", err)
	}
	_, _, err = svc.Decrypt(root, ref, blob, map[string]string{})
	wantDenied(t, "root Decrypt denied by the key policy's explicit deny", err)
}

// TestKeyPolicyCrossAccount: a key policy that trusts another account lets that account's
// principals whose IAM policies allow it use the key by key ARN, never by bare id or alias name,
// and never administer it.
func TestKeyPolicyCrossAccount(t *testing.T) {
	svc, _ := newAuthzService(t)
	root := as(authzRoot(testARNs.Account))
	doc := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
	 {"Sid":"TenantB","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + tenantB + `:root"},"Action":["kms:Encrypt","kms:Decrypt","kms:DescribeKey","kms:ScheduleKeyDeletion"],"Resource":"*"}]}`
	k, err := svc.CreateKey(root, CreateKeyInput{Policy: doc})
	wantOK(t, "CreateKey", err)
	keyARN := testARNs.Key(k.ID)
	bRoot := as(authzRoot(tenantB))
	bUser := as(authzUser(t, tenantB, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"`+keyARN+`"}]}`))
	bNobody := as(authzUser(t, tenantB, "nobody"))

	blob, _, err := svc.Encrypt(bRoot, keyARN, []byte("x"), nil)
	wantOK(t, "other account's root Encrypt by key ARN", err)
	_, _, err = svc.Decrypt(bUser, "", blob, nil)
	wantOK(t, "other account's user Decrypt (ciphertext names the key)", err)
	_, _, err = svc.Encrypt(bNobody, keyARN, []byte("x"), nil)
	wantDenied(t, "other account's user without an IAM allow", err)
	if _, _, err := svc.Encrypt(bRoot, k.ID.String(), []byte("x"), nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("bare key id across accounts: %v", err)
	}
	_, err = svc.ScheduleKeyDeletion(bRoot, keyARN, 7)
	wantDenied(t, "administering another account's key, even when its policy says so", err)
	// A key ARN of the other account that names nothing is refused the same way.
	_, _, err = svc.Encrypt(bRoot, strings.Replace(keyARN, k.ID.String(), "0b1f4e0a-1111-4222-8333-944455556666", 1), []byte("x"), nil)
	wantDenied(t, "missing key of another account", err)
}

// TestGrantEnforced: a grant lets its grantee perform its operations, with its constraints, and
// nothing else; an explicit deny in the key policy wins over it; retired, it allows nothing.
func TestGrantEnforced(t *testing.T) {
	svc, k := newAuthzService(t)
	root := as(authzRoot(testARNs.Account))
	ref := k.ID.String()
	app := as(authzUser(t, testARNs.Account, "app"))
	ec := map[string]string{"team": "cats"}
	_, _, err := svc.Encrypt(app, ref, []byte("x"), ec)
	wantDenied(t, "before the grant", err)

	id, token, err := svc.CreateGrant(root, CreateGrantInput{KeyRef: ref, GranteePrincipal: "arn:aws:iam::111122223333:user/app",
		Operations: []string{"Encrypt", "Decrypt"}, Constraints: &GrantConstraints{EncryptionContextSubset: ec}})
	wantOK(t, "CreateGrant", err)
	blob, _, err := svc.Encrypt(app, ref, []byte("x"), map[string]string{"team": "cats", "x": "y"})
	wantOK(t, "Encrypt under the grant (context a superset of the constraint)", err)
	_, _, err = svc.Decrypt(app, "", blob, map[string]string{"team": "cats", "x": "y"})
	wantOK(t, "Decrypt under the grant", err)
	_, _, err = svc.Encrypt(app, ref, []byte("x"), map[string]string{"team": "dogs"})
	wantDenied(t, "context outside the constraint", err)
	_, err = svc.DescribeKey(app, ref)
	wantDenied(t, "an operation the grant does not list", err)

	// CreateGrant is authorized with its condition keys.
	limited := as(authzUser(t, testARNs.Account, "granter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateGrant","Resource":"*",
	  "Condition":{"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt"]},"Bool":{"kms:GrantIsForAWSResource":"false"}}}]}`))
	_, _, err = svc.CreateGrant(limited, CreateGrantInput{KeyRef: ref, GranteePrincipal: "arn:aws:iam::111122223333:user/x", Operations: []string{"Decrypt"}})
	wantOK(t, "CreateGrant within kms:GrantOperations", err)
	_, _, err = svc.CreateGrant(limited, CreateGrantInput{KeyRef: ref, GranteePrincipal: "arn:aws:iam::111122223333:user/x", Operations: []string{"Decrypt", "Encrypt"}})
	wantDenied(t, "CreateGrant beyond kms:GrantOperations", err)

	// A key policy's explicit deny beats the grant.
	deny := `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
	 {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/app"},"Action":"kms:Encrypt","Resource":"*"}]}`
	wantOK(t, "PutKeyPolicy", svc.PutKeyPolicy(root, ref, "default", deny, false))
	_, _, err = svc.Encrypt(app, ref, []byte("x"), ec)
	wantDenied(t, "grant against an explicit deny", err)
	_, _, err = svc.Decrypt(app, "", blob, map[string]string{"team": "cats", "x": "y"})
	wantOK(t, "Decrypt, which the policy does not deny", err)

	// The grantee may not retire a grant without RetireGrant in it; the issuing account may.
	wantDenied(t, "RetireGrant by a grantee without RetireGrant", svc.RetireGrant(app, token, "", ""))
	wantOK(t, "RetireGrant by the issuing account", svc.RetireGrant(root, "", testARNs.Key(k.ID), id))
	_, _, err = svc.Decrypt(app, "", blob, map[string]string{"team": "cats", "x": "y"})
	wantDenied(t, "Decrypt after the grant is retired", err)
}

// TestBucketPolicyEnforced: the two bucket policies teams copy from AWS's documentation work
// unchanged: deny without TLS, and deny PutObject unless SSE-KMS with a given key.
func TestBucketPolicyEnforced(t *testing.T) {
	svc, k := newAuthzService(t)
	root := authzRoot(testARNs.Account)
	wantOK(t, "CreateBucket", svc.CreateBucket(as(root), "docs", ""))
	keyARN := testARNs.Key(k.ID)
	doc := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"AllowSSLRequestsOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::docs","arn:aws:s3:::docs/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}},
	 {"Sid":"DenyUnencrypted","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::docs/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}},
	 {"Sid":"DenyOtherKeys","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::docs/*","Condition":{"StringNotEqualsIfExists":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"` + keyARN + `"}}}]}`
	wantOK(t, "PutBucketPolicy", svc.PutBucketPolicy(as(root), "docs", doc))
	sse := func(alg, key string) func(*policy.Context) {
		return func(pc *policy.Context) {
			if alg != "" {
				pc.Set(policy.KeyS3ServerSideEncryption, alg)
			}
			if key != "" {
				pc.Set(policy.KeyS3ServerSideEncryptionKMSKeyID, key)
			}
		}
	}
	put := func(c *Caller, alg, key string) error {
		return svc.Authorize(as(c), "s3:PutObject", "arn:aws:s3:::docs/a", sse(alg, key))
	}
	wantOK(t, "PutObject with SSE-KMS and the key", put(root, "aws:kms", keyARN))
	wantDenied(t, "PutObject without SSE", put(root, "", ""))
	wantDenied(t, "PutObject with AES256", put(root, "AES256", ""))
	wantDenied(t, "PutObject with another key", put(root, "aws:kms", "arn:aws:kms:us-east-1:111122223333:key/other"))
	plain := *root
	plain.SecureTransport = false
	wantDenied(t, "GetObject over plain HTTP", svc.Authorize(as(&plain), "s3:GetObject", "arn:aws:s3:::docs/a"))
	wantOK(t, "GetObject over TLS", svc.Authorize(as(root), "s3:GetObject", "arn:aws:s3:::docs/a"))
	err := svc.Authorize(as(&plain), "s3:GetObject", "arn:aws:s3:::docs/a")
	if err == nil || !strings.Contains(err.Error(), "explicit deny in a resource-based policy") {
		t.Errorf("message: %v", err)
	}
}
