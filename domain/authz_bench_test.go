package domain

import (
	"strings"
	"testing"
)

// BenchmarkAuthorize measures one authorization on the KMS request path, as Encrypt makes it:
// the key reference resolved in the caller's account, the condition keys built, the decision
// made (no HSM call, no raft round trip, no JSON). "root" is an account's root user;
// "user-10-statements" an IAM user whose policy has ten statements with conditions, the
// request matching the last.
func BenchmarkAuthorize(b *testing.B) {
	svc, _, _ := newTestService(b)
	root := authzRoot(testARNs.Account)
	k, err := svc.CreateKey(as(root), CreateKeyInput{})
	if err != nil {
		b.Fatal(err)
	}
	// k2 has a key policy of its own (the account trusted, three more statements) and a grant
	// to another principal: what "a key policy and a grant in play" costs.
	keyPolicy := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
	 {"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/admin"},"Action":["kms:Describe*","kms:Put*","kms:ScheduleKeyDeletion"],"Resource":"*"},
	 {"Sid":"NoPlainHTTP","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
	 {"Sid":"Users","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/app2"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:team":"cats"}}}]}`
	k2, err := svc.CreateKey(as(root), CreateKeyInput{Policy: keyPolicy})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := svc.CreateGrant(as(root), CreateGrantInput{KeyRef: k2.ID.String(), GranteePrincipal: "arn:aws:iam::111122223333:user/svc",
		Operations: []string{"Decrypt"}, Constraints: &GrantConstraints{EncryptionContextSubset: map[string]string{"team": "cats"}}}); err != nil {
		b.Fatal(err)
	}
	arn := testARNs.Key(k.ID)
	doc := `{"Version":"2012-10-17","Statement":[`
	for i, st := range []string{
		`{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
		`{"Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}`,
		`{"Effect":"Allow","Action":["kms:DescribeKey","kms:List*"],"Resource":"*"}`,
		`{"Effect":"Allow","Action":"kms:Sign","Resource":"arn:aws:kms:*:111122223333:key/*","Condition":{"StringEquals":{"kms:SigningAlgorithm":"ECDSA_SHA_256"}}}`,
		`{"Effect":"Allow","Action":"kms:GenerateMac","Resource":"*","Condition":{"StringEquals":{"kms:MacAlgorithm":"HMAC_SHA_256"}}}`,
		`{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","198.51.100.0/24"]}}}`,
		`{"Effect":"Allow","Action":"kms:GenerateDataKey*","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}`,
		`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:team":"${aws:username}"}}}`,
		`{"Effect":"Deny","Action":"kms:Encrypt","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}`,
		`{"Sid":"UseKey","Effect":"Allow","Action":["kms:Encrypt","kms:ReEncrypt*"],"Resource":"` + arn + `","Condition":{"StringEquals":{"kms:EncryptionContext:team":"cats"},"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["team","app"]},"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}`,
	} {
		if i > 0 {
			doc += ","
		}
		doc += st
	}
	doc += `]}`
	user := authzUser(b, testARNs.Account, "app1", doc)
	user2 := authzUser(b, testARNs.Account, "app2", strings.ReplaceAll(doc, arn, testARNs.Key(k2.ID)))
	ec := map[string]string{"team": "cats", "app": "web"}
	for _, bc := range []struct {
		name string
		c    *Caller
		key  string
	}{{"root", root, k.ID.String()}, {"user-10-statements", user, k.ID.String()},
		{"user-10-statements-key-policy-and-grant", user2, k2.ID.String()}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := as(bc.c)
			if err := svc.AuthorizeKeyUse(ctx, "kms:Encrypt", bc.key, ec); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := svc.AuthorizeKeyUse(ctx, "kms:Encrypt", bc.key, ec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
