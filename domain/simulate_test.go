package domain

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"
)

const simKey = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// simulatedIAM is an account with user app1: two inline policies (one allowing Encrypt and,
// with team=cats in the encryption context, Decrypt; one denying ScheduleKeyDeletion), a
// managed policy attached to it allowing ListKeys, and a group devs allowing DescribeKey.
func simulatedIAM(t testing.TB) *Service {
	t.Helper()
	svc, _, _ := newTestService(t)
	ctx := rootOf(testARNs.Account)
	acct := testARNs.Account
	steps := []func() error{
		func() error { _, err := svc.IAMCreateUser(ctx, iam.CreateUserInput{Name: "app1"}); return err },
		func() error { _, err := svc.IAMCreateUser(ctx, iam.CreateUserInput{Name: "bob"}); return err },
		func() error { _, err := svc.IAMCreateGroup(ctx, iam.CreateGroupInput{Name: "devs"}); return err },
		func() error {
			return svc.IAMChange(ctx, iam.PutUserPolicyInput{User: "app1", Name: "use-keys", Document: `{"Version":"2012-10-17","Statement":[
  {"Sid":"Encrypt","Effect":"Allow","Action":"kms:Encrypt","Resource":"*"},
  {"Sid":"CatsDecrypt","Effect":"Allow","Action":["kms:Decrypt","kms:Encrypt"],"Resource":"` + simKey + `",
   "Condition":{"StringEquals":{"kms:EncryptionContext:team":"cats"}}}]}`})
		},
		func() error {
			return svc.IAMChange(ctx, iam.PutUserPolicyInput{User: "app1", Name: "no-delete", Document: `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "NoDelete",
      "Effect": "Deny",
      "Action": "kms:ScheduleKeyDeletion",
      "Resource": "*"
    }
  ]
}`})
		},
		func() error {
			_, err := svc.IAMCreatePolicy(ctx, iam.CreatePolicyInput{Name: "lister", Document: `{"Version":"2012-10-17","Statement":[{"Sid":"List","Effect":"Allow","Action":"kms:ListKeys","Resource":"*"}]}`})
			return err
		},
		func() error {
			return svc.IAMChange(ctx, iam.AttachUserPolicyInput{User: "app1", ARN: "arn:aws:iam::" + acct + ":policy/lister"})
		},
		func() error {
			return svc.IAMChange(ctx, iam.PutGroupPolicyInput{Group: "devs", Name: "describe", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:DescribeKey","Resource":"*"}]}`})
		},
		func() error { return svc.IAMChange(ctx, iam.AddUserToGroupInput{Group: "devs", User: "app1"}) },
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	return svc
}

// TestSimulatePrincipalPolicy simulates app1's policies and checks each decision and the
// statement IAM would name.
func TestSimulatePrincipalPolicy(t *testing.T) {
	svc := simulatedIAM(t)
	app1 := "arn:aws:iam::" + testARNs.Account + ":user/app1"
	cats := []ContextEntry{{Key: "kms:EncryptionContext:team", Type: "string", Values: []string{"cats"}}}
	type stmt struct{ id, typ, sid string }
	for _, c := range []struct {
		name      string
		action    string
		resources []string
		context   []ContextEntry
		decision  string
		matched   []stmt
		missing   []string
	}{
		{name: "allowed by identity", action: "kms:Encrypt", decision: SimAllowed, matched: []stmt{{"use-keys", SourceUser, "Encrypt"}}},
		{name: "allowed by every applicable statement", action: "kms:Encrypt", resources: []string{simKey}, context: cats,
			decision: SimAllowed, matched: []stmt{{"use-keys", SourceUser, "Encrypt"}, {"use-keys", SourceUser, "CatsDecrypt"}}},
		{name: "explicit deny names the statement", action: "kms:ScheduleKeyDeletion", resources: []string{simKey},
			decision: SimExplicitDeny, matched: []stmt{{"no-delete", SourceUser, "NoDelete"}}},
		{name: "implicit deny", action: "kms:CreateAlias", resources: []string{simKey}, decision: SimImplicitDeny},
		{name: "condition met by a context entry", action: "kms:Decrypt", resources: []string{simKey}, context: cats,
			decision: SimAllowed, matched: []stmt{{"use-keys", SourceUser, "CatsDecrypt"}}},
		{name: "condition key missing", action: "kms:Decrypt", resources: []string{simKey},
			decision: SimImplicitDeny, missing: []string{"kms:EncryptionContext:team"}},
		{name: "wrong context value", action: "kms:Decrypt", resources: []string{simKey},
			context:  []ContextEntry{{Key: "kms:encryptioncontext:team", Values: []string{"dogs"}}},
			decision: SimImplicitDeny},
		{name: "group policy", action: "kms:DescribeKey", decision: SimAllowed, matched: []stmt{{"describe", SourceGroup, ""}}},
		{name: "managed policy", action: "kms:ListKeys", decision: SimAllowed,
			matched: []stmt{{"arn:aws:iam::" + testARNs.Account + ":policy/lister", SourceUserManaged, "List"}}},
		{name: "another account's resource", action: "kms:Encrypt", resources: []string{strings.Replace(simKey, testARNs.Account, tenantB, 1)},
			decision: SimImplicitDeny},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := svc.SimulatePolicy(rootOf(testARNs.Account), SimulationInput{PolicySourceARN: app1, Actions: []string{c.action},
				Resources: c.resources, Context: c.context})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 {
				t.Fatalf("got %d results, want 1", len(res))
			}
			r := res[0]
			if r.Action != c.action || r.Decision != c.decision {
				t.Fatalf("got %s %s, want %s %s", r.Action, r.Decision, c.action, c.decision)
			}
			var got []stmt
			for _, m := range r.Matched {
				got = append(got, stmt{m.PolicyID, m.PolicyType, m.Sid})
			}
			if !reflect.DeepEqual(got, c.matched) {
				t.Fatalf("matched: got %+v, want %+v", got, c.matched)
			}
			if !reflect.DeepEqual(r.Missing, c.missing) {
				t.Fatalf("missing: got %q, want %q", r.Missing, c.missing)
			}
			wantRes := "*"
			if len(c.resources) == 1 {
				wantRes = c.resources[0]
			}
			if r.Resource != wantRes || len(r.PerResource) != len(c.resources) {
				t.Fatalf("resource %q with %d per-resource results, want %q and %d", r.Resource, len(r.PerResource), wantRes, len(c.resources))
			}
		})
	}
}

// TestSimulateStatementPosition: the denying statement's place in the document as written.
func TestSimulateStatementPosition(t *testing.T) {
	svc := simulatedIAM(t)
	res, err := svc.SimulatePolicy(rootOf(testARNs.Account), SimulationInput{PolicySourceARN: "arn:aws:iam::" + testARNs.Account + ":user/app1",
		Actions: []string{"kms:ScheduleKeyDeletion"}})
	if err != nil {
		t.Fatal(err)
	}
	m := res[0].Matched[0]
	if m.Span == nil || *m.Span != (policy.Span{Start: policy.Position{Line: 4, Column: 5}, End: policy.Position{Line: 9, Column: 6}}) {
		t.Fatalf("span: got %+v", m.Span)
	}
}

// TestSimulationAgreesWithEnforcement: what the simulation says of a request is what
// authorization decides for the same request, statement included.
func TestSimulationAgreesWithEnforcement(t *testing.T) {
	svc := simulatedIAM(t)
	caller := svc.userCaller(testARNs.Account, "app1")
	for _, action := range []string{"kms:ScheduleKeyDeletion", "kms:Encrypt", "kms:CreateAlias"} {
		ctx, log := WithDecisionLog(as(caller))
		err := svc.Authorize(ctx, action, simKey)
		d, _ := log.Settled()
		res, serr := svc.SimulatePolicy(rootOf(testARNs.Account), SimulationInput{PolicySourceARN: caller.Principal.ARN,
			Actions: []string{action}, Resources: []string{simKey}})
		if serr != nil {
			t.Fatal(serr)
		}
		r := res[0]
		if (err == nil) != (r.Decision == SimAllowed) {
			t.Fatalf("%s: enforcement %v, simulation %s", action, err, r.Decision)
		}
		if d.Policy == "" {
			if len(r.Matched) != 0 {
				t.Fatalf("%s: no deciding statement enforced, simulation names %+v", action, r.Matched)
			}
			continue
		}
		if len(r.Matched) == 0 || r.Matched[0].PolicyID != d.Policy || r.Matched[0].Sid != d.Sid || r.Matched[0].Index != d.Statement {
			t.Fatalf("%s: enforcement decided by %s %s #%d, simulation names %+v", action, d.Policy, d.Sid, d.Statement, r.Matched)
		}
	}
}

// TestSimulateCustomPolicy simulates documents with a resource policy: a key policy naming the
// caller allows on its own (KMS's rule), one trusting the account needs an identity allow.
func TestSimulateCustomPolicy(t *testing.T) {
	svc := simulatedIAM(t)
	bob := "arn:aws:iam::" + testARNs.Account + ":user/bob"
	identity := `{"Version":"2012-10-17","Statement":{"Sid":"S3","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`
	direct := `{"Version":"2012-10-17","Statement":[{"Sid":"Bob","Effect":"Allow","Principal":{"AWS":"` + bob + `"},"Action":"kms:Decrypt","Resource":"*"}]}`
	account := `{"Version":"2012-10-17","Statement":[{"Sid":"Account","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testARNs.Account + `:root"},"Action":"kms:*","Resource":"*"}]}`
	run := func(rp, action string) SimulationResult {
		t.Helper()
		res, err := svc.SimulatePolicy(rootOf(testARNs.Account), SimulationInput{PolicyInputList: []string{identity},
			Actions: []string{action}, Resources: []string{simKey}, ResourcePolicy: rp, CallerARN: bob})
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	if r := run(direct, "kms:Decrypt"); r.Decision != SimAllowed || len(r.Matched) != 1 || r.Matched[0].PolicyID != "ResourcePolicy" ||
		r.Matched[0].PolicyType != SourceResource || r.Matched[0].Sid != "Bob" {
		t.Fatalf("key policy naming the caller: %+v", r)
	}
	if r := run(account, "kms:Decrypt"); r.Decision != SimImplicitDeny {
		t.Fatalf("key policy trusting the account, no identity allow: %+v", r)
	}
	if r := run(account, "s3:GetObject"); r.Decision != SimAllowed || r.Matched[0].PolicyID != "PolicyInputList.1" || r.Matched[0].PolicyType != SourceInput {
		t.Fatalf("identity allow with no resource statement: %+v", r)
	}
}

// TestSimulateMultipleResources: one result per action, the most restrictive decision on top.
func TestSimulateMultipleResources(t *testing.T) {
	svc := simulatedIAM(t)
	other := strings.Replace(simKey, "1234abcd", "9999abcd", 1)
	res, err := svc.SimulatePolicy(rootOf(testARNs.Account), SimulationInput{PolicySourceARN: "arn:aws:iam::" + testARNs.Account + ":user/app1",
		Actions: []string{"kms:Decrypt", "kms:Encrypt"}, Resources: []string{simKey, other}, Context: []ContextEntry{{Key: "kms:EncryptionContext:team", Values: []string{"cats"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Resource != "*" || len(res[0].PerResource) != 2 {
		t.Fatalf("got %+v", res)
	}
	if res[0].PerResource[0].Decision != SimAllowed || res[0].PerResource[1].Decision != SimImplicitDeny || res[0].Decision != SimImplicitDeny {
		t.Fatalf("Decrypt: %+v", res[0])
	}
	if res[1].Decision != SimAllowed {
		t.Fatalf("Encrypt: %+v", res[1])
	}
}

func TestSimulateRefusals(t *testing.T) {
	svc := simulatedIAM(t)
	acct := testARNs.Account
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`
	var manyActions, manyResources []string
	for i := 0; i < 101; i++ {
		manyActions = append(manyActions, "kms:Op"+strconv.Itoa(i))
		manyResources = append(manyResources, simKey+strconv.Itoa(i))
	}
	for _, c := range []struct {
		name string
		in   SimulationInput
		want error
	}{
		{"unknown user", SimulationInput{PolicySourceARN: "arn:aws:iam::" + acct + ":user/nobody", Actions: []string{"kms:Encrypt"}}, ErrNotFound},
		{"wrong path", SimulationInput{PolicySourceARN: "arn:aws:iam::" + acct + ":user/ops/app1", Actions: []string{"kms:Encrypt"}}, ErrNotFound},
		{"another account's user", SimulationInput{PolicySourceARN: "arn:aws:iam::" + tenantB + ":user/app1", Actions: []string{"kms:Encrypt"}}, ErrNotFound},
		{"not an entity", SimulationInput{PolicySourceARN: "arn:aws:iam::" + acct + ":policy/lister", Actions: []string{"kms:Encrypt"}}, ErrInvalidInput},
		{"no actions", SimulationInput{PolicyInputList: []string{doc}}, ErrInvalidInput},
		{"bad action", SimulationInput{PolicyInputList: []string{doc}, Actions: []string{"Encrypt"}}, ErrInvalidInput},
		{"bad resource", SimulationInput{PolicyInputList: []string{doc}, Actions: []string{"kms:Encrypt"}, Resources: []string{"key/1"}}, ErrInvalidInput},
		{"no documents", SimulationInput{Actions: []string{"kms:Encrypt"}}, ErrInvalidInput},
		{"malformed document", SimulationInput{PolicyInputList: []string{`{"Statement":[]}`}, Actions: []string{"kms:Encrypt"}}, ErrInvalidInput},
		{"bad context type", SimulationInput{PolicyInputList: []string{doc}, Actions: []string{"kms:Encrypt"},
			Context: []ContextEntry{{Key: "aws:SourceIp", Type: "address", Values: []string{"192.0.2.1"}}}}, ErrInvalidInput},
		{"bad context value", SimulationInput{PolicyInputList: []string{doc}, Actions: []string{"kms:Encrypt"},
			Context: []ContextEntry{{Key: "aws:SourceIp", Type: "ip", Values: []string{"somewhere"}}}}, ErrInvalidInput},
		{"two values for a single type", SimulationInput{PolicyInputList: []string{doc}, Actions: []string{"kms:Encrypt"},
			Context: []ContextEntry{{Key: "aws:SourceIp", Type: "ip", Values: []string{"192.0.2.1", "192.0.2.2"}}}}, ErrInvalidInput},
		{"resource policy without a caller", SimulationInput{PolicyInputList: []string{doc}, Actions: []string{"kms:Encrypt"},
			ResourcePolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`}, ErrInvalidInput},
		{"caller of another account", SimulationInput{PolicyInputList: []string{doc}, Actions: []string{"kms:Encrypt"},
			CallerARN: "arn:aws:iam::" + tenantB + ":user/app1"}, ErrNotFound},
		{"too many decisions", SimulationInput{PolicyInputList: []string{doc}, Actions: manyActions, Resources: manyResources}, ErrInvalidInput},
		{"bad owner", SimulationInput{PolicyInputList: []string{doc}, Actions: []string{"kms:Encrypt"}, ResourceOwner: "me"}, ErrInvalidInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := svc.SimulatePolicy(rootOf(acct), c.in); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	// A context without a caller acts in no account (fail closed).
	if _, err := svc.SimulatePolicy(bg, SimulationInput{PolicyInputList: []string{doc}, Actions: []string{"kms:Encrypt"}}); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("no caller: %v", err)
	}
}

// TestSimulateGroupAndRole: a group's policies alone, and a role's, with the role's tags as
// principal tags and CallerArn replacing the simulated caller.
func TestSimulateGroupAndRole(t *testing.T) {
	svc := simulatedIAM(t)
	acct := testARNs.Account
	ctx := rootOf(acct)
	if _, err := svc.CreateRole(bg, acct, iam.CreateRoleInput{Name: "worker", Path: "/svc/", TrustPolicy: trustOf("arn:aws:iam::" + acct + ":root"),
		Tags: []iam.Tag{{Key: "team", Value: "cats"}}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.RoleCommand(bg, "PutRolePolicy", acct, iam.RolePolicyInput{Role: "worker", PolicyName: "tagged",
		Document: `{"Version":"2012-10-17","Statement":[{"Sid":"Team","Effect":"Allow","Action":"kms:Sign","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"cats"}}}]}`}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.SimulatePolicy(ctx, SimulationInput{PolicySourceARN: "arn:aws:iam::" + acct + ":group/devs", Actions: []string{"kms:DescribeKey", "kms:Encrypt"}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Decision != SimAllowed || res[0].Matched[0].PolicyType != SourceGroup || res[1].Decision != SimImplicitDeny {
		t.Fatalf("group: %+v", res)
	}
	res, err = svc.SimulatePolicy(ctx, SimulationInput{PolicySourceARN: "arn:aws:iam::" + acct + ":role/svc/worker", Actions: []string{"kms:Sign"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Decision != SimAllowed || r.Matched[0].PolicyID != "tagged" || r.Matched[0].PolicyType != SourceRole || len(r.Missing) != 0 {
		t.Fatalf("role: %+v", r)
	}
	// As bob (no tags), the role's condition no longer holds.
	res, err = svc.SimulatePolicy(ctx, SimulationInput{PolicySourceARN: "arn:aws:iam::" + acct + ":role/svc/worker", Actions: []string{"kms:Sign"},
		CallerARN: "arn:aws:iam::" + acct + ":user/bob"})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Decision != SimImplicitDeny || len(r.Missing) != 1 || r.Missing[0] != "aws:PrincipalTag/team" {
		t.Fatalf("role as bob: %+v", r)
	}
}
