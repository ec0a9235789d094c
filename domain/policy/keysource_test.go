package policy

import (
	"strings"
	"testing"
)

// principalSource defers a principal's keys, as keyhold's caller keys are deferred, and
// counts its fillings.
type principalSource struct {
	p     Principal
	fills int
}

func (s *principalSource) ProvidesKey(lower string) bool {
	switch lower {
	case "aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:userid", "aws:username":
		return true
	}
	return strings.HasPrefix(lower, "aws:principaltag/")
}

func (s *principalSource) FillKeys(c *Context) {
	s.fills++
	c.SetPrincipal(s.p)
}

// TestKeySourceFillsOnFirstReadOnly: a deferred source is filled by the first read of a key
// it provides, once, and not by reads of other keys.
func TestKeySourceFillsOnFirstReadOnly(t *testing.T) {
	src := &principalSource{p: alice}
	c := NewContext()
	c.Set("aws:SourceIp", "192.0.2.1")
	c.SetKeySource(src)
	if got := c.Get("aws:SourceIp"); len(got) != 1 || src.fills != 0 {
		t.Fatalf("reading another key: %v, %d fillings", got, src.fills)
	}
	if got := c.Get("kms:EncryptionContext:team"); got != nil || src.fills != 0 {
		t.Fatalf("reading an absent key the source does not provide: %v, %d fillings", got, src.fills)
	}
	if got := c.Get("AWS:UserName"); len(got) != 1 || got[0] != "alice" || src.fills != 1 {
		t.Fatalf("aws:username: %v, %d fillings", got, src.fills)
	}
	if got := c.Get("aws:PrincipalTag/team"); got != nil || src.fills != 1 {
		t.Fatalf("an absent tag after the filling: %v, %d fillings", got, src.fills)
	}
}

// TestKeySourceNeverOverwritesASetKey: setting a key the source provides fills the source
// first, so that a later filling cannot replace the value set.
func TestKeySourceNeverOverwritesASetKey(t *testing.T) {
	src := &principalSource{p: alice}
	c := NewContext()
	c.SetKeySource(src)
	c.Set("aws:PrincipalArn", "arn:aws:iam::111122223333:user/override")
	if src.fills != 1 {
		t.Fatalf("%d fillings before the set", src.fills)
	}
	c.Get("aws:username")
	if got := c.Get("aws:PrincipalArn"); len(got) != 1 || !strings.HasSuffix(got[0], "/override") {
		t.Fatalf("aws:PrincipalArn = %v, want the value set", got)
	}
	// Removing a provided key is setting it too.
	c2 := NewContext()
	c2.SetKeySource(&principalSource{p: alice})
	c2.Set("aws:username")
	if got := c2.Get("aws:username"); got != nil {
		t.Fatalf("removed key came back: %v", got)
	}
}

// TestKeySourceDecidesAsEagerKeys: every way a policy reads a key (conditions, negated and
// IfExists operators, Null, set operators, variables in Resource and in condition values)
// decides the same whether the principal's keys were set up front or deferred.
func TestKeySourceDecidesAsEagerKeys(t *testing.T) {
	tagged := alice
	tagged.Tags = map[string]string{"team": "cats"}
	docs := []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111122223333"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"Null":{"aws:username":"true"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:PrincipalTag/team":"cats"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:PrincipalTag/team":["c*"]}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:*:111122223333:key/${aws:username}"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:owner":"${aws:username}"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/a*"},"StringEquals":{"aws:PrincipalType":"User"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringLike":{"aws:userid":"AIDA*"}}}]}`,
	}
	principals := []Principal{alice, tagged, rootOf(acct), user(otherAcct, "alice"), exampleRole}
	resources := []string{keyARN, "arn:aws:kms:us-east-2:111122223333:key/alice"}
	for i, doc := range docs {
		p := mustParse(t, doc, KindIdentity)
		for _, pr := range principals {
			for _, res := range resources {
				eager := req(pr, "kms:Encrypt", res, "kms:EncryptionContext:owner", "alice")
				lazy := NewContext()
				lazy.Set("kms:EncryptionContext:owner", "alice")
				lazy.SetKeySource(&principalSource{p: pr})
				want := p.Evaluate(eager).Outcome
				got := p.Evaluate(&Request{Principal: pr, Action: "kms:Encrypt", Resource: res, Context: lazy}).Outcome
				if got != want {
					t.Errorf("policy %d, %s on %s: deferred keys decide %v, eager keys %v", i, pr.ARN, res, got, want)
				}
			}
		}
	}
}
