package policy

import (
	"testing"
)

// Policies for the decision tests. Sources: the KMS default key policy
// (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html) and the IAM
// evaluation logic pages
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
// .../reference_policies_evaluation-logic-cross-account.html,
// .../access_policies.html#policies_session).
const (
	keyPolicyTrustAccount = `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
	keyPolicyRoleOnly     = `{"Version":"2012-10-17","Statement":[{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ExampleRole"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}`
	keyPolicySession      = `{"Version":"2012-10-17","Statement":[{"Sid":"Session","Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/ExampleRole/app"},"Action":"kms:Encrypt","Resource":"*"}]}`
	keyPolicyCrossAccount = `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Sid":"Allow use of the key by 444455556666","Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}`
	keyPolicyDenyDelete   = `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Sid":"NoDeletion","Effect":"Deny","Principal":"*","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}`
	iamAllowKMS           = `{"Version":"2012-10-17","Statement":[{"Sid":"KMSUse","Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt","kms:ScheduleKeyDeletion"],"Resource":"arn:aws:kms:*:111122223333:key/*"}]}`
	iamAllowKMSAnywhere   = `{"Version":"2012-10-17","Statement":[{"Sid":"KMSUse","Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}`
	iamDenyDelete         = `{"Version":"2012-10-17","Statement":[{"Sid":"NoDeletion","Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}`
	sessionAllowDecrypt   = `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyDecrypt","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`
	sessionDenyEncrypt    = `{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"kms:*","Resource":"*"},{"Sid":"NoEncrypt","Effect":"Deny","Action":"kms:Encrypt","Resource":"*"}]}`
	bucketAllowAlice      = `{"Version":"2012-10-17","Statement":[{"Sid":"Alice","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::doc-bucket/*"}]}`
	bucketAllowAccount    = `{"Version":"2012-10-17","Statement":[{"Sid":"Account","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::doc-bucket/*"}]}`
	bucketAllowBob        = `{"Version":"2012-10-17","Statement":[{"Sid":"Bob","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:user/Bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::doc-bucket/*"}]}`
	bucketTLSOnly         = `{"Version":"2012-10-17","Statement":[{"Sid":"RestrictToTLSRequestsOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::doc-bucket","arn:aws:s3:::doc-bucket/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	bucketPublicRead      = `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::doc-bucket/*"}]}`
	keyPolicyService      = `{"Version":"2012-10-17","Statement":[{"Sid":"S3Service","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"kms:GenerateDataKey","Resource":"*"}]}`
	iamAllowS3            = `{"Version":"2012-10-17","Statement":[{"Sid":"S3Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::doc-bucket/*"}]}`
)

func TestDecide(t *testing.T) {
	P := func(doc string, kind Kind, name string) *Policy {
		p, err := Parse(doc, ParseOptions{Kind: kind, Name: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return p
	}
	id := func(docs ...string) []*Policy {
		var out []*Policy
		for i, d := range docs {
			out = append(out, P(d, KindIdentity, "identity-"+string(rune('A'+i))))
		}
		return out
	}
	sess := func(doc string) []*Policy { return []*Policy{P(doc, KindSession, "session")} }
	res := func(doc string) *Policy { return P(doc, KindResource, "resource") }
	obj := "arn:aws:s3:::doc-bucket/report.pdf"
	app1 := user(acct, "app1")

	tests := []struct {
		name    string
		in      Input
		allowed bool
		reason  Reason
		ptype   PolicyType
		sid     string
		msg     string
	}{
		// KMS: the key policy is the primary control.
		{"kms: account trust plus IAM allow", Input{Model: ModelKMS, Request: req(app1, "kms:Encrypt", keyARN), Identity: id(iamAllowKMS), Resource: res(keyPolicyTrustAccount)},
			true, AllowedByIdentity, PolicyIdentity, "KMSUse", ""},
		{"kms: account trust without IAM allow", Input{Model: ModelKMS, Request: req(app1, "kms:ScheduleKeyDeletion", keyARN), Resource: res(keyPolicyTrustAccount)},
			false, DeniedNoAllow, PolicyIdentity, "",
			"User: arn:aws:iam::111122223333:user/app1 is not authorized to perform: kms:ScheduleKeyDeletion on resource: " + keyARN + " because no identity-based policy allows the kms:ScheduleKeyDeletion action"},
		{"kms: IAM allow without the key policy's", Input{Model: ModelKMS, Request: req(app1, "kms:Encrypt", keyARN), Identity: id(iamAllowKMS), Resource: res(keyPolicyRoleOnly)},
			false, DeniedNoAllow, PolicyResource, "",
			"User: arn:aws:iam::111122223333:user/app1 is not authorized to perform: kms:Encrypt on resource: " + keyARN + " because no resource-based policy allows the kms:Encrypt action"},
		{"kms: key policy names the role, no IAM policy needed", Input{Model: ModelKMS, Request: req(exampleRole, "kms:Decrypt", keyARN), Resource: res(keyPolicyRoleOnly)},
			true, AllowedByResource, PolicyResource, "Allow use of the key", ""},
		{"kms: root with the default key policy", Input{Model: ModelKMS, Request: req(rootOf(acct), "kms:ScheduleKeyDeletion", keyARN), Resource: res(keyPolicyTrustAccount)},
			true, AllowedByResource, PolicyResource, "Enable IAM User Permissions", ""},
		{"kms: even root needs the key policy", Input{Model: ModelKMS, Request: req(rootOf(acct), "kms:ScheduleKeyDeletion", keyARN), Resource: res(keyPolicyRoleOnly)},
			false, DeniedNoAllow, PolicyResource, "",
			"User: arn:aws:iam::111122223333:root is not authorized to perform: kms:ScheduleKeyDeletion on resource: " + keyARN + " because no resource-based policy allows the kms:ScheduleKeyDeletion action"},
		{"kms: no key policy allows nobody", Input{Model: ModelKMS, Request: req(rootOf(acct), "kms:Encrypt", keyARN)},
			false, DeniedNoAllow, PolicyResource, "", ""},
		{"kms: explicit deny in IAM beats the key policy", Input{Model: ModelKMS, Request: req(app1, "kms:ScheduleKeyDeletion", keyARN), Identity: id(iamAllowKMS, iamDenyDelete), Resource: res(keyPolicyTrustAccount)},
			false, DeniedExplicit, PolicyIdentity, "NoDeletion",
			"User: arn:aws:iam::111122223333:user/app1 is not authorized to perform: kms:ScheduleKeyDeletion on resource: " + keyARN + " with an explicit deny in an identity-based policy"},
		{"kms: explicit deny in the key policy beats root", Input{Model: ModelKMS, Request: req(rootOf(acct), "kms:ScheduleKeyDeletion", keyARN), Resource: res(keyPolicyDenyDelete)},
			false, DeniedExplicit, PolicyResource, "NoDeletion",
			"User: arn:aws:iam::111122223333:root is not authorized to perform: kms:ScheduleKeyDeletion on resource: " + keyARN + " with an explicit deny in a resource-based policy"},
		{"kms: a grant allows what the policies do not", Input{Model: ModelKMS, Request: req(app1, "kms:Decrypt", keyARN), Resource: res(keyPolicyRoleOnly), Grant: &GrantRef{GrantID: "g-1"}},
			true, AllowedByGrant, PolicyNone, "", ""},
		{"kms: a grant does not beat an explicit deny", Input{Model: ModelKMS, Request: req(app1, "kms:ScheduleKeyDeletion", keyARN), Resource: res(keyPolicyDenyDelete), Grant: &GrantRef{GrantID: "g-1"}},
			false, DeniedExplicit, PolicyResource, "NoDeletion", ""},
		// KMS across accounts: the key policy must trust the caller's account and its IAM must allow.
		{"kms: cross-account with both", Input{Model: ModelKMS, Request: req(bob, "kms:Encrypt", keyARN), Identity: id(iamAllowKMSAnywhere), Resource: res(keyPolicyCrossAccount), ResourceAccount: acct},
			true, AllowedByIdentity, PolicyIdentity, "KMSUse", ""},
		{"kms: cross-account without IAM", Input{Model: ModelKMS, Request: req(bob, "kms:Encrypt", keyARN), Resource: res(keyPolicyCrossAccount), ResourceAccount: acct},
			false, DeniedNoAllow, PolicyIdentity, "", ""},
		{"kms: cross-account root of the trusted account", Input{Model: ModelKMS, Request: req(rootOf(otherAcct), "kms:Decrypt", keyARN), Resource: res(keyPolicyCrossAccount), ResourceAccount: acct},
			true, AllowedByIdentity, PolicyIdentity, "", ""},
		{"kms: cross-account, key policy does not trust", Input{Model: ModelKMS, Request: req(bob, "kms:Encrypt", keyARN), Identity: id(iamAllowKMSAnywhere), Resource: res(keyPolicyTrustAccount), ResourceAccount: acct},
			false, DeniedNoAllow, PolicyResource, "", ""},
		// Session policies intersect with the role's policies.
		{"session: role allows, session does not", Input{Model: ModelKMS, Request: req(exampleRole, "kms:Encrypt", keyARN), Identity: id(iamAllowKMS), Session: sess(sessionAllowDecrypt), Resource: res(keyPolicyTrustAccount)},
			false, DeniedNoAllow, PolicySession, "",
			"User: arn:aws:sts::111122223333:assumed-role/ExampleRole/app is not authorized to perform: kms:Encrypt on resource: " + keyARN + " because no session policy allows the kms:Encrypt action"},
		{"session: both allow", Input{Model: ModelKMS, Request: req(exampleRole, "kms:Decrypt", keyARN), Identity: id(iamAllowKMS), Session: sess(sessionAllowDecrypt), Resource: res(keyPolicyTrustAccount)},
			true, AllowedByIdentity, PolicyIdentity, "KMSUse", ""},
		{"session: key policy naming the role is limited by the session policy", Input{Model: ModelKMS, Request: req(exampleRole, "kms:Encrypt", keyARN), Session: sess(sessionAllowDecrypt), Resource: res(keyPolicyRoleOnly)},
			false, DeniedNoAllow, PolicySession, "", ""},
		{"session: key policy naming the session ARN is not", Input{Model: ModelKMS, Request: req(exampleRole, "kms:Encrypt", keyARN), Session: sess(sessionAllowDecrypt), Resource: res(keyPolicySession)},
			true, AllowedByResource, PolicyResource, "Session", ""},
		{"session: explicit deny in the session policy", Input{Model: ModelKMS, Request: req(exampleRole, "kms:Encrypt", keyARN), Identity: id(iamAllowKMS), Session: sess(sessionDenyEncrypt), Resource: res(keyPolicySession)},
			false, DeniedExplicit, PolicySession, "NoEncrypt",
			"User: arn:aws:sts::111122223333:assumed-role/ExampleRole/app is not authorized to perform: kms:Encrypt on resource: " + keyARN + " with an explicit deny in a session policy"},
		// S3: same account, either side suffices; across accounts, both.
		{"s3: bucket policy names the user", Input{Model: ModelS3, Request: req(alice, "s3:GetObject", obj), Resource: res(bucketAllowAlice)},
			true, AllowedByResource, PolicyResource, "Alice", ""},
		{"s3: IAM alone, no bucket policy", Input{Model: ModelS3, Request: req(alice, "s3:GetObject", obj), Identity: id(iamAllowS3)},
			true, AllowedByIdentity, PolicyIdentity, "S3Read", ""},
		{"s3: bucket policy trusting the account delegates to IAM", Input{Model: ModelS3, Request: req(alice, "s3:GetObject", obj), Resource: res(bucketAllowAccount)},
			false, DeniedNoAllow, PolicyIdentity, "",
			"User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject on resource: " + obj + " because no identity-based policy allows the s3:GetObject action"},
		{"s3: cross-account needs the caller's IAM too", Input{Model: ModelS3, Request: req(bob, "s3:GetObject", obj), Resource: res(bucketAllowBob), ResourceAccount: acct},
			false, DeniedNoAllow, PolicyIdentity, "", ""},
		{"s3: cross-account with both", Input{Model: ModelS3, Request: req(bob, "s3:GetObject", obj), Identity: id(iamAllowS3), Resource: res(bucketAllowBob), ResourceAccount: acct},
			true, AllowedByIdentity, PolicyIdentity, "S3Read", ""},
		{"s3: cross-account IAM alone", Input{Model: ModelS3, Request: req(bob, "s3:GetObject", obj), Identity: id(iamAllowS3), ResourceAccount: acct},
			false, DeniedNoAllow, PolicyResource, "", ""},
		{"s3: TLS-only bucket policy", Input{Model: ModelS3, Request: req(alice, "s3:GetObject", obj, "aws:SecureTransport", "false"), Identity: id(iamAllowS3), Resource: res(bucketTLSOnly)},
			false, DeniedExplicit, PolicyResource, "RestrictToTLSRequestsOnly",
			"User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject on resource: " + obj + " with an explicit deny in a resource-based policy"},
		// Callers without an account: the resource policy alone decides.
		{"s3: anonymous read of a public object", Input{Model: ModelS3, Request: req(Principal{Type: PrincipalAnonymous}, "s3:GetObject", obj), Resource: res(bucketPublicRead), ResourceAccount: acct},
			true, AllowedByResource, PolicyResource, "PublicRead", ""},
		{"s3: anonymous write", Input{Model: ModelS3, Request: req(Principal{Type: PrincipalAnonymous}, "s3:PutObject", obj), Resource: res(bucketPublicRead), ResourceAccount: acct},
			false, DeniedNoAllow, PolicyResource, "",
			"User: anonymous is not authorized to perform: s3:PutObject on resource: " + obj + " because no resource-based policy allows the s3:PutObject action"},
		{"kms: a service principal named in the key policy", Input{Model: ModelKMS, Request: req(Principal{Type: PrincipalService, Service: "s3.amazonaws.com"}, "kms:GenerateDataKey", keyARN), Resource: res(keyPolicyService), ResourceAccount: acct},
			true, AllowedByResource, PolicyResource, "S3Service", ""},
		// Identity only.
		{"iam: no policy", Input{Model: ModelIdentityOnly, Request: req(alice, "kms:CreateKey", "")},
			false, DeniedNoAllow, PolicyIdentity, "",
			"User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:CreateKey because no identity-based policy allows the kms:CreateKey action"},
		{"iam: root needs no identity policy", Input{Model: ModelIdentityOnly, Request: req(rootOf(acct), "kms:CreateKey", "")},
			true, AllowedByIdentity, PolicyIdentity, "", ""},
		{"iam: root is still bound by an explicit deny", Input{Model: ModelIdentityOnly, Request: req(rootOf(acct), "kms:ScheduleKeyDeletion", keyARN), Resource: res(keyPolicyDenyDelete)},
			false, DeniedExplicit, PolicyResource, "NoDeletion", ""},
		{"invalid model allows nothing", Input{Request: req(rootOf(acct), "kms:CreateKey", "")},
			false, DeniedNoAllow, PolicyNone, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.in)
			if d.Allowed != tt.allowed || d.Reason != tt.reason || d.PolicyType != tt.ptype {
				t.Fatalf("Decide = allowed %v reason %v type %v, want %v %v %v", d.Allowed, d.Reason, d.PolicyType, tt.allowed, tt.reason, tt.ptype)
			}
			if d.Statement.Sid != tt.sid {
				t.Errorf("deciding Sid = %q, want %q", d.Statement.Sid, tt.sid)
			}
			if tt.msg != "" && d.Message() != tt.msg {
				t.Errorf("Message:\n got  %s\n want %s", d.Message(), tt.msg)
			}
			if d.Allowed && d.Message() != "" {
				t.Errorf("an allowed decision has a message: %s", d.Message())
			}
			if tt.reason == AllowedByGrant && (d.Grant == nil || d.Grant.GrantID != "g-1") {
				t.Errorf("Grant = %+v, want g-1", d.Grant)
			}
		})
	}
}

// TestDecisionNamesTheStatement: the deciding statement carries the policy's name, Id, Sid and
// index, for SimulatePrincipalPolicy and audit records.
func TestDecisionNamesTheStatement(t *testing.T) {
	p, err := Parse(`{"Version":"2012-10-17","Id":"doc-1","Statement":[{"Effect":"Allow","Action":"kms:List*","Resource":"*"},{"Sid":"Second","Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}`,
		ParseOptions{Kind: KindIdentity, Name: "arn:aws:iam::111122223333:policy/KMSUsers"})
	if err != nil {
		t.Fatal(err)
	}
	d := Decide(Input{Model: ModelIdentityOnly, Request: req(alice, "kms:Encrypt", keyARN), Identity: []*Policy{p}})
	want := StatementRef{Policy: "arn:aws:iam::111122223333:policy/KMSUsers", PolicyID: "doc-1", Sid: "Second", Index: 1}
	if !d.Allowed || d.Statement != want {
		t.Fatalf("Decision = %+v, want allowed by %+v", d, want)
	}
}

// TestDecideDoesNotAllocate keeps the data-plane authorization free of garbage.
func TestDecideDoesNotAllocate(t *testing.T) {
	kp := mustParse(t, benchKeyPolicy, KindResource)
	ip := mustParse(t, iamAllowKMS, KindIdentity)
	r := benchRequest()
	in := Input{Model: ModelKMS, Request: r, Identity: []*Policy{ip}, Resource: kp}
	if !Decide(in).Allowed {
		t.Fatal("benchmark request is not allowed")
	}
	if n := testing.AllocsPerRun(100, func() { Decide(in) }); n != 0 {
		t.Fatalf("Decide allocates %v times per call", n)
	}
}

// TestMessageNamesManagedDenyingPolicy: an explicit deny from a managed identity policy ends
// with the policy's ARN, as AWS's messages have since 2026
// (https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns);
// an inline policy (no ARN) is not named.
func TestMessageNamesManagedDenyingPolicy(t *testing.T) {
	for _, tt := range []struct{ name, suffix string }{
		{"arn:aws:iam::111122223333:policy/DenyDeletion", ": arn:aws:iam::111122223333:policy/DenyDeletion"},
		{"inline-deny", ""},
	} {
		p, err := Parse(iamDenyDelete, ParseOptions{Kind: KindIdentity, Name: tt.name})
		if err != nil {
			t.Fatal(err)
		}
		d := Decide(Input{Model: ModelIdentityOnly, Request: req(alice, "kms:ScheduleKeyDeletion", keyARN), Identity: []*Policy{p}})
		want := "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:ScheduleKeyDeletion on resource: " + keyARN + " with an explicit deny in an identity-based policy" + tt.suffix
		if d.Message() != want {
			t.Errorf("Message:\n got  %s\n want %s", d.Message(), want)
		}
	}
}
