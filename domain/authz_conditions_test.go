package domain

import (
	"context"
	"testing"
	"time"
)

// TestAuthzConditionKeys: each condition key KMS sets reaches the policy with the value AWS
// gives it. Every row is a policy allowing the operation only under one condition, a request
// that meets it and one that does not.
func TestAuthzConditionKeys(t *testing.T) {
	svc, _, _ := newTestService(t)
	root := as(authzRoot(testARNs.Account))
	sym, err := svc.CreateKey(root, CreateKeyInput{})
	wantOK(t, "CreateKey", err)
	wantOK(t, "CreateAlias", svc.CreateAlias(root, "alias/app", sym.ID.String()))
	ecc, err := svc.CreateKey(root, CreateKeyInput{KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY"})
	wantOK(t, "CreateKey ECC", err)
	hmacKey, err := svc.CreateKey(root, CreateKeyInput{KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC"})
	wantOK(t, "CreateKey HMAC", err)
	symID, eccID, macID := sym.ID.String(), ecc.ID.String(), hmacKey.ID.String()

	allow := func(action, cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*","Condition":` + cond + `}]}`
	}
	encrypt := func(ref string, ec map[string]string) func(context.Context) error {
		return func(ctx context.Context) error { _, _, err := svc.Encrypt(ctx, ref, []byte("x"), ec); return err }
	}
	type call func(context.Context) error
	cases := []struct {
		name      string
		policy    string
		caller    func(*Caller) // adjusts the caller of both requests; nil leaves it as authzUser makes it
		good, bad call
		badCaller func(*Caller) // when set, the bad request is the good one from this caller
	}{
		{name: "kms:EncryptionContext:", policy: allow("kms:Encrypt", `{"StringEquals":{"kms:EncryptionContext:team":"cats"}}`),
			good: encrypt(symID, map[string]string{"team": "cats"}), bad: encrypt(symID, map[string]string{"team": "dogs"})},
		{name: "kms:EncryptionContextKeys", policy: allow("kms:Encrypt", `{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["team","app"]},"Null":{"kms:EncryptionContextKeys":"false"}}`),
			good: encrypt(symID, map[string]string{"team": "x"}), bad: encrypt(symID, map[string]string{"owner": "x"})},
		{name: "kms:KeySpec", policy: allow("kms:*", `{"StringEquals":{"kms:KeySpec":"SYMMETRIC_DEFAULT"}}`),
			good: func(ctx context.Context) error { _, err := svc.DescribeKey(ctx, symID); return err },
			bad:  func(ctx context.Context) error { _, err := svc.DescribeKey(ctx, eccID); return err }},
		{name: "kms:KeyUsage", policy: allow("kms:DescribeKey", `{"StringEquals":{"kms:KeyUsage":"SIGN_VERIFY"}}`),
			good: func(ctx context.Context) error { _, err := svc.DescribeKey(ctx, eccID); return err },
			bad:  func(ctx context.Context) error { _, err := svc.DescribeKey(ctx, symID); return err }},
		{name: "kms:KeyOrigin", policy: allow("kms:Encrypt", `{"StringEquals":{"kms:KeyOrigin":"AWS_KMS"}}`),
			good: encrypt(symID, nil), bad: encrypt(symID, nil), badCaller: func(c *Caller) {
				c.Identity = authzUser(t, testARNs.Account, "x", allow("kms:Encrypt", `{"StringEquals":{"kms:KeyOrigin":"EXTERNAL"}}`)).Identity
			}},
		{name: "kms:CreateKey KeySpec", policy: allow("kms:CreateKey", `{"StringEquals":{"kms:KeySpec":"SYMMETRIC_DEFAULT","kms:KeyUsage":"ENCRYPT_DECRYPT"}}`),
			good: func(ctx context.Context) error { _, err := svc.CreateKey(ctx, CreateKeyInput{}); return err },
			bad: func(ctx context.Context) error {
				_, err := svc.CreateKey(ctx, CreateKeyInput{KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC"})
				return err
			}},
		{name: "kms:EncryptionAlgorithm", policy: allow("kms:Encrypt", `{"StringEquals":{"kms:EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}}`),
			good: encrypt(symID, nil), bad: encrypt(symID, nil), badCaller: func(c *Caller) {
				c.Identity = authzUser(t, testARNs.Account, "x", allow("kms:Encrypt", `{"StringEquals":{"kms:EncryptionAlgorithm":"RSAES_OAEP_SHA_256"}}`)).Identity
			}},
		{name: "kms:SigningAlgorithm and kms:MessageType", policy: allow("kms:Sign", `{"StringEquals":{"kms:SigningAlgorithm":"ECDSA_SHA_256","kms:MessageType":"RAW"}}`),
			good: func(ctx context.Context) error {
				_, err := svc.Sign(ctx, eccID, []byte("m"), "", "ECDSA_SHA_256")
				return err
			},
			bad: func(ctx context.Context) error {
				d := make([]byte, 32)
				_, err := svc.Sign(ctx, eccID, d, "DIGEST", "ECDSA_SHA_256")
				return err
			}},
		{name: "kms:MacAlgorithm", policy: allow("kms:GenerateMac", `{"StringEquals":{"kms:MacAlgorithm":"HMAC_SHA_256"}}`),
			good: func(ctx context.Context) error {
				_, _, err := svc.GenerateMac(ctx, macID, []byte("m"), "HMAC_SHA_256")
				return err
			},
			bad: func(ctx context.Context) error {
				_, _, err := svc.GenerateMac(ctx, macID, []byte("m"), "HMAC_SHA_256")
				return err
			},
			badCaller: func(c *Caller) {
				c.Identity = authzUser(t, testARNs.Account, "x", allow("kms:GenerateMac", `{"StringEquals":{"kms:MacAlgorithm":"HMAC_SHA_512"}}`)).Identity
			}},
		{name: "kms:DataKeyPairSpec", policy: allow("kms:GenerateDataKeyPair", `{"StringEquals":{"kms:DataKeyPairSpec":"ECC_NIST_P256"}}`),
			good: func(ctx context.Context) error {
				_, err := svc.GenerateDataKeyPair(ctx, symID, "ECC_NIST_P256", nil, true)
				return err
			},
			bad: func(ctx context.Context) error {
				_, err := svc.GenerateDataKeyPair(ctx, symID, "ECC_NIST_P384", nil, true)
				return err
			}},
		{name: "kms:RequestAlias", policy: allow("kms:Encrypt", `{"StringEquals":{"kms:RequestAlias":"alias/app"}}`),
			good: encrypt("alias/app", nil), bad: encrypt(symID, nil)},
		{name: "kms:ResourceAliases", policy: allow("kms:Encrypt", `{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/app"}}`),
			// The ECC key has no alias: the request is refused before its key usage is looked at.
			good: encrypt(symID, nil), bad: encrypt(eccID, nil)},
		{name: "kms:CallerAccount", policy: allow("kms:Encrypt", `{"StringEquals":{"kms:CallerAccount":"111122223333"}}`),
			good: encrypt(symID, nil), bad: encrypt(symID, nil), badCaller: func(c *Caller) {
				c.Identity = authzUser(t, testARNs.Account, "x", allow("kms:Encrypt", `{"StringEquals":{"kms:CallerAccount":"999999999999"}}`)).Identity
			}},
		{name: "kms:ViaService", policy: allow("kms:GenerateDataKey", `{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}`),
			caller: func(c *Caller) { c.ViaService = "s3.us-east-1.amazonaws.com" },
			good: func(ctx context.Context) error {
				_, _, _, err := svc.GenerateDataKey(ctx, symID, 32, nil)
				return err
			},
			bad: func(ctx context.Context) error {
				_, _, _, err := svc.GenerateDataKey(ctx, symID, 32, nil)
				return err
			},
			badCaller: func(c *Caller) { c.ViaService = "" }},
		{name: "aws:SourceIp", policy: allow("kms:Encrypt", `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`),
			good: encrypt(symID, nil), bad: encrypt(symID, nil), badCaller: func(c *Caller) { c.SourceIP = "198.51.100.7" }},
		{name: "aws:SecureTransport", policy: allow("kms:Encrypt", `{"Bool":{"aws:SecureTransport":"true"}}`),
			good: encrypt(symID, nil), bad: encrypt(symID, nil), badCaller: func(c *Caller) { c.SecureTransport = false }},
		{name: "aws:CurrentTime", policy: allow("kms:Encrypt", `{"DateLessThan":{"aws:CurrentTime":"2026-12-01T00:00:00Z"}}`),
			good: encrypt(symID, nil), bad: encrypt(symID, nil), badCaller: func(c *Caller) { c.Time = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{name: "aws:EpochTime", policy: allow("kms:Encrypt", `{"NumericLessThan":{"aws:EpochTime":"1796083200"}}`),
			good: encrypt(symID, nil), bad: encrypt(symID, nil), badCaller: func(c *Caller) { c.Time = time.Unix(1796083300, 0) }},
		{name: "aws:RequestedRegion", policy: allow("kms:Encrypt", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`),
			good: encrypt(symID, nil), bad: encrypt(symID, nil), badCaller: func(c *Caller) { c.Region = "eu-west-1" }},
		{name: "aws:PrincipalTag", policy: allow("kms:Encrypt", `{"StringEquals":{"aws:PrincipalTag/team":"cats"}}`),
			caller: func(c *Caller) { c.Principal.Tags = map[string]string{"team": "cats"} },
			good:   encrypt(symID, nil), bad: encrypt(symID, nil), badCaller: func(c *Caller) { c.Principal.Tags = map[string]string{"team": "dogs"} }},
		{name: "aws:PrincipalArn", policy: allow("kms:Encrypt", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/app*"}}`),
			good: encrypt(symID, nil), bad: encrypt(symID, nil), badCaller: func(c *Caller) {
				c.Principal.ARN = "arn:aws:iam::111122223333:user/other"
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			good := authzUser(t, testARNs.Account, "app1", tc.policy)
			if tc.caller != nil {
				tc.caller(good)
			}
			if err := tc.good(as(good)); err != nil {
				t.Fatalf("request meeting the condition: %v", err)
			}
			bad := good
			if tc.badCaller != nil {
				cp := *good
				tc.badCaller(&cp)
				bad = &cp
			}
			wantDenied(t, "request not meeting the condition", tc.bad(as(bad)))
		})
	}
}

// TestAuthzTagConditionKeys: TagResource, UntagResource and CreateKey set aws:TagKeys and
// aws:RequestTag/*, so a policy can confine the tags a caller may set.
func TestAuthzTagConditionKeys(t *testing.T) {
	svc, k := newAuthzService(t)
	u := as(authzUser(t, testARNs.Account, "tagger", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["kms:TagResource","kms:UntagResource","kms:CreateKey"],"Resource":"*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["app-*"]}}},
		{"Effect":"Deny","Action":"kms:TagResource","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/app-tier":"prod"}}}]}`))
	wantOK(t, "app-* tag", svc.TagResource(u, k.ID.String(), []Tag{{"app-name", "x"}}))
	wantDenied(t, "other tag", svc.TagResource(u, k.ID.String(), []Tag{{"owner", "x"}}))
	wantDenied(t, "denied tag value", svc.TagResource(u, k.ID.String(), []Tag{{"app-tier", "prod"}}))
	wantOK(t, "untag app-*", svc.UntagResource(u, k.ID.String(), []string{"app-name"}))
	wantDenied(t, "untag other", svc.UntagResource(u, k.ID.String(), []string{"owner"}))
	_, err := svc.CreateKey(u, CreateKeyInput{Tags: map[string]string{"app-name": "y"}})
	wantOK(t, "CreateKey with app-* tag", err)
	_, err = svc.CreateKey(u, CreateKeyInput{Tags: map[string]string{"owner": "y"}})
	wantDenied(t, "CreateKey with another tag", err)
}
