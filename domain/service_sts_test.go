package domain

import (
	"errors"
	"testing"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"
)

const stsOtherAccount = "999988887777"

func mustCreateRole(t *testing.T, s *Service, account, name, trust string) *iam.Role {
	t.Helper()
	r, err := s.CreateRole(bg, account, iam.CreateRoleInput{Name: name, Path: "/", TrustPolicy: trust})
	if err != nil {
		t.Fatalf("CreateRole %s/%s: %v", account, name, err)
	}
	return r
}

func trustOf(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
}

// TestAssumeRoleAcrossAccounts: a role of account A trusting account B admits B's root; a
// session of one of B's roles needs, across accounts, both the trust policy (naming B or the
// role) and its own identity policy to allow sts:AssumeRole; the session it gets is A's role's,
// authenticated from its token alone.
func TestAssumeRoleAcrossAccounts(t *testing.T) {
	s, _, _ := newTestService(t)
	a := testARNs.Account
	if err := s.proposeIAM(bg, "CreateAccount", stsOtherAccount, iam.CreateAccountInput{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	bRole := mustCreateRole(t, s, stsOtherAccount, "caller", trustOf("arn:aws:iam::"+stsOtherAccount+":root"))
	byAccount := mustCreateRole(t, s, a, "by-account", trustOf("arn:aws:iam::"+stsOtherAccount+":root"))
	byRole := mustCreateRole(t, s, a, "by-role", trustOf(s.RoleARN(bRole)))

	bRoot := WithCaller(bg, &Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, ARN: "arn:aws:iam::" + stsOtherAccount + ":root",
		Account: stsOtherAccount, UserID: stsOtherAccount}})
	if _, err := s.AssumeRole(bRoot, AssumeRoleInput{RoleARN: s.RoleARN(byAccount), SessionName: "root-of-b"}); err != nil {
		t.Fatalf("B's root into a role trusting B: %v", err)
	}
	if _, err := s.AssumeRole(bRoot, AssumeRoleInput{RoleARN: s.RoleARN(byRole), SessionName: "root-of-b"}); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("B's root into a role trusting only B's role: %v", err)
	}

	// A session of B's role, first without, then with an identity policy allowing the call.
	bSess, err := s.AssumeRole(bRoot, AssumeRoleInput{RoleARN: s.RoleARN(bRole), SessionName: "b-sess"})
	if err != nil {
		t.Fatal(err)
	}
	asB := func() *Caller {
		sec, c, err := s.Authenticate(bg, bSess.AccessKeyID, bSess.SessionToken)
		if err != nil {
			t.Fatal(err)
		}
		clear(sec)
		return c
	}
	for _, target := range []*iam.Role{byAccount, byRole} {
		if _, err := s.AssumeRole(WithCaller(bg, asB()), AssumeRoleInput{RoleARN: s.RoleARN(target), SessionName: "x1"}); !errors.Is(err, ErrAccessDenied) {
			t.Fatalf("B's session into %s without an identity policy: %v", target.Name, err)
		}
	}
	if err := s.RoleCommand(bg, "PutRolePolicy", stsOtherAccount, iam.RolePolicyInput{Role: "caller", PolicyName: "p",
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::` + a + `:role/*"}]}`}); err != nil {
		t.Fatal(err)
	}
	for _, target := range []*iam.Role{byAccount, byRole} {
		out, err := s.AssumeRole(WithCaller(bg, asB()), AssumeRoleInput{RoleARN: s.RoleARN(target), SessionName: "x1"})
		if err != nil {
			t.Fatalf("B's session into %s with an identity policy: %v", target.Name, err)
		}
		_, c, err := s.Authenticate(bg, out.AccessKeyID, out.SessionToken)
		if err != nil || c.Principal.Account != a || c.Principal.ARN != "arn:aws:sts::"+a+":assumed-role/"+target.Name+"/x1" {
			t.Fatalf("session of %s: %+v %v", target.Name, c, err)
		}
	}
}

// TestSessionCallerCarriesPoliciesAndTags: a session's caller has its role's inline policies as
// identity policies, its session policy, and the role's tags overridden by the session's; a
// change to the role's policies reaches live sessions at once.
func TestSessionCallerCarriesPoliciesAndTags(t *testing.T) {
	s, _, _ := newTestService(t)
	a := testARNs.Account
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + a + `"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	if _, err := s.CreateRole(bg, a, iam.CreateRoleInput{Name: "r", Path: "/", TrustPolicy: trust, Tags: []iam.Tag{{Key: "team", Value: "dogs"}, {Key: "env", Value: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	root := WithCaller(bg, &Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, ARN: "arn:aws:iam::" + a + ":root", Account: a, UserID: a}})
	out, err := s.AssumeRole(root, AssumeRoleInput{RoleARN: "arn:aws:iam::" + a + ":role/r", SessionName: "s1",
		Tags: []iam.Tag{{Key: "TEAM", Value: "cats"}}, Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	_, c, err := s.Authenticate(bg, out.AccessKeyID, out.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.Principal.Type != policy.PrincipalAssumedRole || c.Principal.RoleARN != "arn:aws:iam::"+a+":role/r" || len(c.Session) != 1 || len(c.Identity) != 0 {
		t.Fatalf("caller: %+v", c)
	}
	if c.Principal.Tags["TEAM"] != "cats" || c.Principal.Tags["env"] != "prod" || c.Principal.Tags["team"] != "" {
		t.Fatalf("tags: %v", c.Principal.Tags)
	}
	if err := s.RoleCommand(bg, "PutRolePolicy", a, iam.RolePolicyInput{Role: "r", PolicyName: "p",
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`}); err != nil {
		t.Fatal(err)
	}
	if _, c, err = s.Authenticate(bg, out.AccessKeyID, out.SessionToken); err != nil || len(c.Identity) != 1 {
		t.Fatalf("after PutRolePolicy: %d identity policies, %v", len(c.Identity), err)
	}
	mp, err := s.IAMCreatePolicy(root, iam.CreatePolicyInput{Name: "m", Path: "/",
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RoleCommand(bg, "AttachRolePolicy", a, iam.RoleAttachInput{Role: "r", PolicyARN: "arn:aws:iam::" + a + ":policy/" + mp.Name}); err != nil {
		t.Fatal(err)
	}
	if _, c, err = s.Authenticate(bg, out.AccessKeyID, out.SessionToken); err != nil || len(c.Identity) != 2 {
		t.Fatalf("after AttachRolePolicy: %d identity policies, %v", len(c.Identity), err)
	}
	// Tags without sts:TagSession in the trust policy are refused.
	if _, err := s.CreateRole(bg, a, iam.CreateRoleInput{Name: "notags", Path: "/", TrustPolicy: trustOf(a)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AssumeRole(root, AssumeRoleInput{RoleARN: "arn:aws:iam::" + a + ":role/notags", SessionName: "s1",
		Tags: []iam.Tag{{Key: "k", Value: "v"}}}); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("session tags without sts:TagSession: %v", err)
	}
	// ExternalId conditions.
	ext := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + a + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"secret-id"}}}]}`
	if _, err := s.CreateRole(bg, a, iam.CreateRoleInput{Name: "ext", Path: "/", TrustPolicy: ext}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AssumeRole(root, AssumeRoleInput{RoleARN: "arn:aws:iam::" + a + ":role/ext", SessionName: "s1", ExternalID: "wrong-id"}); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("wrong ExternalId: %v", err)
	}
	if _, err := s.AssumeRole(root, AssumeRoleInput{RoleARN: "arn:aws:iam::" + a + ":role/ext", SessionName: "s1", ExternalID: "secret-id"}); err != nil {
		t.Fatalf("right ExternalId: %v", err)
	}
}

// BenchmarkAuthenticateSession: verifying a request's session credentials, warm (a session seen
// before: a digest and a map lookup) and cold (the token opened and parsed, the role resolved,
// its policies gathered; the sealing key from the credential cache, no HSM call).
func BenchmarkAuthenticateSession(b *testing.B) {
	s, _, _ := newTestService(b)
	a := testARNs.Account
	if _, err := s.CreateRole(bg, a, iam.CreateRoleInput{Name: "r", Path: "/", TrustPolicy: trustOf(a)}); err != nil {
		b.Fatal(err)
	}
	root := WithCaller(bg, &Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, ARN: "arn:aws:iam::" + a + ":root", Account: a, UserID: a}})
	out, err := s.AssumeRole(root, AssumeRoleInput{RoleARN: "arn:aws:iam::" + a + ":role/r", SessionName: "bench",
		Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("warm", func(b *testing.B) {
		for b.Loop() {
			sec, _, err := s.Authenticate(bg, out.AccessKeyID, out.SessionToken)
			if err != nil {
				b.Fatal(err)
			}
			clear(sec)
		}
	})
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			s.sessions = newSessionCache()
			sec, _, err := s.Authenticate(bg, out.AccessKeyID, out.SessionToken)
			if err != nil {
				b.Fatal(err)
			}
			clear(sec)
		}
	})
}

// TestTransitiveTagsPassThroughChaining: a session's transitive tags pass on to the session it
// makes by assuming another role, stay transitive, and cannot be overridden; its other tags
// stay behind.
func TestTransitiveTagsPassThroughChaining(t *testing.T) {
	s, _, _ := newTestService(t)
	a := testARNs.Account
	tagTrust := func(p string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + p + `"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	}
	r1 := mustCreateRole(t, s, a, "one", tagTrust(a))
	r2 := mustCreateRole(t, s, a, "two", tagTrust(s.RoleARN(r1)))
	r3 := mustCreateRole(t, s, a, "three", tagTrust(s.RoleARN(r2)))
	root := WithCaller(bg, &Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, ARN: "arn:aws:iam::" + a + ":root", Account: a, UserID: a}})
	s1, err := s.AssumeRole(root, AssumeRoleInput{RoleARN: s.RoleARN(r1), SessionName: "s1",
		Tags: []iam.Tag{{Key: "team", Value: "cats"}, {Key: "env", Value: "dev"}}, TransitiveTagKeys: []string{"team"}})
	if err != nil {
		t.Fatal(err)
	}
	callerOf := func(rs *RoleSession) *Caller {
		_, c, err := s.Authenticate(bg, rs.AccessKeyID, rs.SessionToken)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	s2, err := s.AssumeRole(WithCaller(bg, callerOf(s1)), AssumeRoleInput{RoleARN: s.RoleARN(r2), SessionName: "s2"})
	if err != nil {
		t.Fatal(err)
	}
	c2 := callerOf(s2)
	if c2.Principal.Tags["team"] != "cats" || c2.Principal.Tags["env"] != "" || len(c2.Transitive) != 1 {
		t.Fatalf("chained session tags %v, transitive %v", c2.Principal.Tags, c2.Transitive)
	}
	if _, err := s.AssumeRole(WithCaller(bg, c2), AssumeRoleInput{RoleARN: s.RoleARN(r3), SessionName: "s3",
		Tags: []iam.Tag{{Key: "TEAM", Value: "dogs"}}}); !errors.Is(err, ErrValidation) {
		t.Fatalf("overriding a transitive tag: %v", err)
	}
	s3, err := s.AssumeRole(WithCaller(bg, c2), AssumeRoleInput{RoleARN: s.RoleARN(r3), SessionName: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	if c3 := callerOf(s3); c3.Principal.Tags["team"] != "cats" {
		t.Fatalf("second hop lost the transitive tag: %v", c3.Principal.Tags)
	}
}
