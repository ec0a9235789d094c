package policy

import "testing"

// TestFederatedProviderConditionKeys: a trust policy for a web identity provider conditions on
// keys prefixed with the provider's host and path, as AWS documents for EKS service accounts
// ("oidc.eks.REGION.amazonaws.com/id/ID:sub"); they parse and match like any other key.
func TestFederatedProviderConditionKeys(t *testing.T) {
	const host = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/` + host + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + host + `:sub":"system:serviceaccount:default:app","` + host + `:aud":"sts.amazonaws.com"}}}]}`
	p, err := Parse(doc, ParseOptions{Kind: KindTrust, MaxLength: 2048})
	if err != nil {
		t.Fatal(err)
	}
	req := func(sub string) *Request {
		c := NewContext()
		c.Set(host+":sub", sub)
		c.Set(host+":aud", "sts.amazonaws.com")
		return &Request{Principal: Principal{Type: PrincipalFederatedUser, Federated: "arn:aws:iam::111122223333:oidc-provider/" + host},
			Action: "sts:AssumeRoleWithWebIdentity", Resource: "arn:aws:iam::111122223333:role/app", Context: c}
	}
	if r := p.Evaluate(req("system:serviceaccount:default:app")); r.Outcome != Allow {
		t.Fatalf("matching sub: %v", r.Outcome)
	}
	if r := p.Evaluate(req("system:serviceaccount:other:app")); r.Outcome != NotApplicable {
		t.Fatalf("other sub: %v", r.Outcome)
	}
	for _, bad := range []string{":sub", "a b:sub", "host*:sub"} {
		if validContextKey(bad) {
			t.Errorf("%q accepted as a condition key", bad)
		}
	}
}
