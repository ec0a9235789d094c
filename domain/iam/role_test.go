package iam

import (
	"errors"
	"testing"
	"time"
)

const testAcct = "111122223333"

func mustApply(t *testing.T, s *Store, op string, body any) error {
	t.Helper()
	c, err := NewCommand(op, testAcct, time.Unix(1_800_000_000, 0), body)
	if err != nil {
		t.Fatal(err)
	}
	return s.Apply(&c)
}

// insertManaged puts a managed policy straight into the store, standing in for CreatePolicy
// (another part of the model) so attachments can be tested on their own.
func insertManaged(t *testing.T, s *Store, name, doc string) string {
	t.Helper()
	arn := s.ARN(testAcct, "policy", "/", name)
	compiled, err := Compile(doc, KindManaged, arn)
	if err != nil {
		t.Fatal(err)
	}
	s.policies[keyOf(testAcct, name)] = &ManagedPolicy{Account: testAcct, Name: name, Path: "/", ID: "ANPAAAAAAAAAAAAAAAAA",
		DefaultVersion: "v1", Versions: []*PolicyVersion{{ID: "v1", Document: doc, compiled: compiled}}}
	return arn
}

// TestRoleAttachmentsAndEffectivePolicies: a role's effective policies are its inline policies
// and the default versions of its attached managed policies; attaching resolves the ARN
// through the store (another account's policy or a wrong path is not found), the quota of ten
// holds, and a role with attachments cannot be deleted.
func TestRoleAttachmentsAndEffectivePolicies(t *testing.T) {
	s := NewStore("aws", testAcct)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`
	if err := mustApply(t, s, "CreateRole", CreateRoleInput{Name: "r", Path: "/", ID: "AROAAAAAAAAAAAAAAAAA", TrustPolicy: trust}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`
	arn := insertManaged(t, s, "m", doc)
	if err := mustApply(t, s, "AttachRolePolicy", RoleAttachInput{Role: "r", PolicyARN: arn}); err != nil {
		t.Fatal(err)
	}
	if err := mustApply(t, s, "PutRolePolicy", RolePolicyInput{Role: "r", PolicyName: "i", Document: doc}); err != nil {
		t.Fatal(err)
	}
	if got := s.RolePolicies(s.Role(testAcct, "r")); len(got) != 2 {
		t.Fatalf("effective policies: %d, want 2", len(got))
	}
	for _, bad := range []string{"arn:aws:iam::999988887777:policy/m", "arn:aws:iam::111122223333:policy/other/m", "arn:aws:iam::aws:policy/AdministratorAccess"} {
		if err := mustApply(t, s, "AttachRolePolicy", RoleAttachInput{Role: "r", PolicyARN: bad}); !errors.Is(err, ErrNoSuchEntity) {
			t.Errorf("attach %s: %v", bad, err)
		}
	}
	if err := mustApply(t, s, "DeleteRole", RoleNameInput{Name: "r"}); !errors.Is(err, ErrDeleteConflict) {
		t.Fatalf("DeleteRole with policies: %v", err)
	}
	for i := 0; i < MaxRoleAttached-1; i++ {
		a := insertManaged(t, s, "m"+string(rune('a'+i)), doc)
		if err := mustApply(t, s, "AttachRolePolicy", RoleAttachInput{Role: "r", PolicyARN: a}); err != nil {
			t.Fatal(err)
		}
	}
	a := insertManaged(t, s, "mz", doc)
	if err := mustApply(t, s, "AttachRolePolicy", RoleAttachInput{Role: "r", PolicyARN: a}); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("11th attachment: %v", err)
	}
	// A snapshot image restores roles with their compiled trust and inline policies.
	img := s.Image()
	r2 := NewStore("aws", testAcct)
	r2.Restore(img)
	if r := r2.Role(testAcct, "r"); r == nil || r.Trust() == nil || len(r2.RolePolicies(r)) != 1+MaxRoleAttached {
		t.Fatalf("restored role: %+v", r)
	}
	if err := mustApply(t, s, "DetachRolePolicy", RoleAttachInput{Role: "r", PolicyARN: arn}); err != nil {
		t.Fatal(err)
	}
	if err := mustApply(t, s, "DetachRolePolicy", RoleAttachInput{Role: "r", PolicyARN: arn}); !errors.Is(err, ErrNoSuchEntity) {
		t.Fatalf("detach twice: %v", err)
	}
}

// TestCreateRoleChecksInApply: Apply checks what a forwarded command carries, whatever the
// proposer checked: a bad id, name, path or duration changes nothing.
func TestCreateRoleChecksInApply(t *testing.T) {
	s := NewStore("aws", testAcct)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`
	for _, in := range []CreateRoleInput{
		{Name: "r", Path: "/", ID: "AKIAAAAAAAAAAAAAAAAA", TrustPolicy: trust},
		{Name: "r/x", Path: "/", ID: "AROAAAAAAAAAAAAAAAAA", TrustPolicy: trust},
		{Name: "r", Path: "/a", ID: "AROAAAAAAAAAAAAAAAAA", TrustPolicy: trust},
		{Name: "r", Path: "/", ID: "AROAAAAAAAAAAAAAAAAA", TrustPolicy: trust, MaxSessionDuration: 43201},
		{Name: "r", Path: "/", ID: "AROAAAAAAAAAAAAAAAAA", TrustPolicy: `{}`},
	} {
		if err := mustApply(t, s, "CreateRole", in); err == nil {
			t.Errorf("%+v applied", in)
		}
	}
	if len(s.Roles(testAcct)) != 0 || s.Generation() != 0 {
		t.Fatal("a refused command changed the store")
	}
}
