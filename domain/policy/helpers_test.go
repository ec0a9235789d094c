package policy

import (
	"testing"
)

const (
	acct      = "111122223333"
	otherAcct = "444455556666"
	keyARN    = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

func mustParse(t testing.TB, doc string, kind Kind) *Policy {
	t.Helper()
	p, err := Parse(doc, ParseOptions{Kind: kind, Name: "test-policy"})
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	return p
}

func user(account, name string) Principal {
	return Principal{Type: PrincipalUser, ARN: "arn:aws:iam::" + account + ":user/" + name, Account: account, UserID: "AIDA" + name}
}

func rootOf(account string) Principal {
	return Principal{Type: PrincipalRoot, ARN: "arn:aws:iam::" + account + ":root", Account: account, UserID: account}
}

func roleSession(account, role, session string) Principal {
	return Principal{
		Type:    PrincipalAssumedRole,
		ARN:     "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session,
		RoleARN: "arn:aws:iam::" + account + ":role/" + role,
		Account: account,
		UserID:  "AROAEXAMPLE:" + session,
	}
}

// req builds a request; kv lists context keys and values ("key", "v1|v2" for several values).
func req(p Principal, action, resource string, kv ...string) *Request {
	c := NewContext()
	c.SetPrincipal(p)
	for i := 0; i+1 < len(kv); i += 2 {
		c.Set(kv[i], splitBar(kv[i+1])...)
	}
	return &Request{Principal: p, Action: action, Resource: resource, Context: c}
}

func splitBar(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '|' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
