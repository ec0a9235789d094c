package policy

import "testing"

// TestPrincipalMatching pins how each Principal form matches each kind of caller, and how
// strongly (IAM user guide, "AWS JSON policy elements: Principal",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
func TestPrincipalMatching(t *testing.T) {
	web := Principal{Type: PrincipalAssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/WebRole/u1", RoleARN: "arn:aws:iam::111122223333:role/WebRole", Account: acct, Federated: "cognito-identity.amazonaws.com"}
	ec2 := Principal{Type: PrincipalService, Service: "ec2.amazonaws.com"}
	tests := []struct {
		principal string // the Principal element's JSON
		caller    Principal
		want      PrincipalMatch
	}{
		{`"*"`, alice, MatchDirect},
		{`"*"`, Principal{Type: PrincipalAnonymous}, MatchDirect},
		{`{"AWS":"*"}`, bob, MatchDirect},
		{`{"AWS":"111122223333"}`, alice, MatchAccount},
		{`{"AWS":"111122223333"}`, rootOf(acct), MatchDirect},
		{`{"AWS":"arn:aws:iam::111122223333:root"}`, exampleRole, MatchAccount},
		{`{"AWS":"111122223333"}`, bob, MatchNone},
		{`{"AWS":"111122223333"}`, Principal{Type: PrincipalAnonymous}, MatchNone},
		{`{"AWS":"arn:aws:iam::111122223333:user/alice"}`, alice, MatchDirect},
		{`{"AWS":"arn:aws:iam::111122223333:user/Alice"}`, alice, MatchNone}, // principals are case-sensitive
		{`{"AWS":"arn:aws:iam::111122223333:role/ExampleRole"}`, exampleRole, MatchRole},
		{`{"AWS":"arn:aws:sts::111122223333:assumed-role/ExampleRole/app"}`, exampleRole, MatchDirect},
		{`{"AWS":"arn:aws:sts::111122223333:assumed-role/ExampleRole/other"}`, exampleRole, MatchNone},
		{`{"AWS":["arn:aws:iam::111122223333:role/ExampleRole","111122223333"]}`, exampleRole, MatchRole}, // strongest wins
		{`{"Service":"ec2.amazonaws.com"}`, ec2, MatchDirect},
		{`{"Service":"ec2.amazonaws.com"}`, alice, MatchNone},
		{`{"AWS":"*"}`, ec2, MatchDirect},
		{`{"Federated":"cognito-identity.amazonaws.com"}`, web, MatchDirect},
		{`{"Federated":"cognito-identity.amazonaws.com"}`, exampleRole, MatchNone},
		{`{"AWS":"arn:aws:iam::111122223333:user/alice"}`, Principal{}, MatchNone}, // the zero principal matches nothing
	}
	for i, tt := range tests {
		doc := `{"Version":"2012-10-17","Statement":{"Sid":"S","Effect":"Allow","Principal":` + tt.principal + `,"Action":"sts:AssumeRole"}}`
		p := mustParse(t, doc, KindTrust)
		res := p.Evaluate(&Request{Principal: tt.caller, Action: "sts:AssumeRole", Context: NewContext()})
		got := res.Match
		if res.Outcome != Allow {
			got = MatchNone
		}
		if got != tt.want {
			t.Errorf("%d: Principal %s, caller %s: match %v, want %v", i, tt.principal, tt.caller.ARN, got, tt.want)
		}
	}
}

// TestNotPrincipalRoleSession: to exclude a role session from a Deny with NotPrincipal, AWS
// requires listing the account, the role and the session ARN
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
func TestNotPrincipalRoleSession(t *testing.T) {
	all := `["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:role/ExampleRole","arn:aws:sts::111122223333:assumed-role/ExampleRole/app"]`
	partial := `["arn:aws:iam::111122223333:role/ExampleRole","arn:aws:sts::111122223333:assumed-role/ExampleRole/app"]`
	for _, tt := range []struct {
		list string
		want Outcome
	}{{all, NotApplicable}, {partial, ExplicitDeny}, {`"*"`, NotApplicable}} {
		p := mustParse(t, `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":`+tt.list+`},"Action":"kms:*","Resource":"*"}}`, KindResource)
		if got := p.Evaluate(req(exampleRole, "kms:Decrypt", keyARN)).Outcome; got != tt.want {
			t.Errorf("NotPrincipal %s: %v, want %v", tt.list, got, tt.want)
		}
	}
}

// TestSetPrincipal: the global keys AWS derives from the caller.
func TestSetPrincipal(t *testing.T) {
	c := NewContext()
	p := exampleRole
	p.Tags = map[string]string{"CostCenter": "42"}
	c.SetPrincipal(p)
	want := map[string]string{
		"aws:PrincipalArn":            "arn:aws:iam::111122223333:role/ExampleRole", // the role, not the session
		"aws:PrincipalAccount":        acct,
		"aws:PrincipalType":           "AssumedRole",
		"aws:userid":                  "AROAEXAMPLE:app",
		"aws:principaltag/costcenter": "42",
		"AWS:PRINCIPALTAG/CostCenter": "42",
		"aws:PrincipalTag/CostCenter": "42",
		"aws:principalarn":            "arn:aws:iam::111122223333:role/ExampleRole",
		"aws:username":                "",
	}
	for k, v := range want {
		got := c.Get(k)
		if v == "" {
			if got != nil {
				t.Errorf("%s = %q, want absent", k, got)
			}
			continue
		}
		if len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	u := NewContext()
	u.SetPrincipal(user(acct, "app1"))
	if got := u.Get("aws:username"); len(got) != 1 || got[0] != "app1" {
		t.Errorf("aws:username = %q", got)
	}
	r := NewContext()
	r.SetPrincipal(rootOf(acct))
	if got := r.Get("aws:PrincipalType"); len(got) != 1 || got[0] != "Account" {
		t.Errorf("root aws:PrincipalType = %q", got)
	}
}
