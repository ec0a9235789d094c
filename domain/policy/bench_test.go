package policy

import "testing"

// benchKeyPolicy is a 10-statement key policy with conditions, shaped like a production one:
// administrators, users with encryption-context, ViaService, IP and TLS conditions, and denies.
const benchKeyPolicy = `{
  "Version": "2012-10-17",
  "Id": "bench",
  "Statement": [
    {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
    {"Sid": "DenyPlainHTTP", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "DenyOutsideNetworks", "Effect": "Deny", "Principal": "*", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32"]}}},
    {"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/KMSAdminRole", "arn:aws:iam::111122223333:user/admin"]},
     "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"], "Resource": "*"},
    {"Sid": "AppEncrypt", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/App"}, "Action": ["kms:Encrypt", "kms:GenerateDataKey*"], "Resource": "*",
     "Condition": {"StringEquals": {"kms:EncryptionContext:tenant": "${aws:PrincipalTag/tenant}"}, "ForAllValues:StringLike": {"kms:EncryptionContextKeys": ["tenant", "purpose", "obj-*"]}}},
    {"Sid": "AppDecrypt", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/App"}, "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"StringEquals": {"kms:EncryptionContext:tenant": "${aws:PrincipalTag/tenant}"}}},
    {"Sid": "ViaS3", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
     "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333", "kms:ViaService": "s3.us-east-2.amazonaws.com"}}},
    {"Sid": "Grants", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/App"}, "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*",
     "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}},
    {"Sid": "NotAfter", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2099-12-31T23:59:59Z"}}},
    {"Sid": "OnlySymmetric", "Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*",
     "Condition": {"StringNotEqualsIfExists": {"kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}}}
  ]
}`

// benchRequest is a KMS Encrypt by an application role with an encryption context, as the API
// layer would build it.
func benchRequest() *Request {
	p := roleSession(acct, "App", "i-0abc")
	p.Tags = map[string]string{"tenant": "acme"}
	c := NewContext()
	c.SetPrincipal(p)
	c.Set("aws:SecureTransport", "true")
	c.Set("aws:SourceIp", "10.1.2.3")
	c.Set("aws:CurrentTime", "2026-12-07T04:00:00Z")
	c.Set("aws:RequestedRegion", "us-east-2")
	c.Set("kms:CallerAccount", acct)
	c.Set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
	c.Set("kms:EncryptionContext:tenant", "acme")
	c.Set("kms:EncryptionContext:purpose", "backup")
	c.Set("kms:EncryptionContextKeys", "purpose", "tenant")
	return &Request{Principal: p, Action: "kms:Encrypt", Resource: keyARN, Context: c}
}

// BenchmarkEvaluate evaluates the 10-statement key policy against a KMS Encrypt request.
func BenchmarkEvaluate(b *testing.B) {
	p := mustParse(b, benchKeyPolicy, KindResource)
	r := benchRequest()
	if res := p.Evaluate(r); res.Outcome != Allow || res.Statement.Sid != "AppEncrypt" {
		b.Fatalf("benchmark request: %+v", res)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Evaluate(r)
	}
}

// BenchmarkDecide is the whole KMS decision: an identity policy and the key policy.
func BenchmarkDecide(b *testing.B) {
	in := Input{Model: ModelKMS, Request: benchRequest(),
		Identity: []*Policy{mustParse(b, iamAllowKMS, KindIdentity)}, Resource: mustParse(b, benchKeyPolicy, KindResource)}
	b.ReportAllocs()
	for b.Loop() {
		Decide(in)
	}
}

// BenchmarkParse is the write-time cost of compiling the key policy.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchKeyPolicy, ParseOptions{Kind: KindResource}); err != nil {
			b.Fatal(err)
		}
	}
}
