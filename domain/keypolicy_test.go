package domain

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/domain/policy"
)

// rootCtx is a request context of the test account's root.
func rootCtx() context.Context {
	return WithCaller(context.Background(), &Caller{Principal: policy.Principal{Type: policy.PrincipalRoot,
		ARN: "arn:aws:iam::111122223333:root", Account: "111122223333", UserID: "111122223333"}})
}

// userCtx is a request context of an IAM user with the given identity policy.
func userCtx(t *testing.T, name, doc string) context.Context {
	t.Helper()
	var ids []*policy.Policy
	if doc != "" {
		p, err := policy.Parse(doc, policy.ParseOptions{Kind: policy.KindIdentity, Name: name + "-policy"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p)
	}
	return WithCaller(context.Background(), &Caller{Principal: policy.Principal{Type: policy.PrincipalUser,
		ARN: "arn:aws:iam::111122223333:user/" + name, Account: "111122223333", UserID: "AIDA" + strings.ToUpper(name)}, Identity: ids})
}

// TestBuiltInKeyPoliciesParse: the default and managed key policies parse, so no key is ever
// left with a policy that allows nothing by accident.
func TestBuiltInKeyPoliciesParse(t *testing.T) {
	for _, doc := range []string{testARNs.DefaultKeyPolicy("111122223333"), testARNs.ManagedKeyPolicy("111122223333")} {
		if _, err := parseKeyPolicy(doc); err != nil {
			t.Fatalf("%v\n%s", err, doc)
		}
	}
}

// TestKeyPolicyLifecycle: a key without a policy reads the default one; PutKeyPolicy replaces
// it; the lockout check refuses a policy that would stop the caller from changing it again,
// unless bypassed; malformed and oversized policies are refused; everything survives a
// snapshot and restore.
func TestKeyPolicyLifecycle(t *testing.T) {
	svc, p, _ := newTestService(t)
	ctx := rootCtx()
	k, err := svc.CreateKey(ctx, CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	ref := k.ID.String()
	text, err := svc.GetKeyPolicy(ctx, ref, "")
	if err != nil || text != testARNs.DefaultKeyPolicy("111122223333") {
		t.Fatalf("default policy: %v\n%s", err, text)
	}
	if names, err := svc.ListKeyPolicies(ctx, ref); err != nil || len(names) != 1 || names[0] != "default" {
		t.Fatalf("ListKeyPolicies: %v %v", names, err)
	}
	if _, err := svc.GetKeyPolicy(ctx, ref, "other"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("policy name other: %v", err)
	}

	admins := `{"Version":"2012-10-17","Statement":[{"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/admin"},"Action":"kms:*","Resource":"*"}]}`
	// The root is not named and the account is not trusted: the root would lock itself out.
	if err := svc.PutKeyPolicy(ctx, ref, "default", admins, false); !errors.Is(err, ErrMalformedPolicy) ||
		!strings.Contains(err.Error(), "will not allow you to update the key policy in the future") {
		t.Fatalf("lockout: got %v", err)
	}
	// The admin it names may put it.
	adminCtx := userCtx(t, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:PutKeyPolicy","Resource":"*"}]}`)
	if err := svc.PutKeyPolicy(adminCtx, ref, "default", admins, false); err != nil {
		t.Fatalf("admin puts a policy naming itself: %v", err)
	}
	// The policy now governs the key: the root, which it neither names nor trusts, is refused;
	// the admin it names reads it without an IAM permission for it.
	if _, err := svc.GetKeyPolicy(ctx, ref, "default"); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("root reads a policy that does not trust the account: %v", err)
	}
	if text, err := svc.GetKeyPolicy(adminCtx, ref, "default"); err != nil || text != admins {
		t.Fatalf("policy after put: %v %s", err, text)
	}
	// Bypassed, the admin may hand the key to another user, and is then locked out itself.
	other := strings.ReplaceAll(admins, "user/admin", "user/other")
	if err := svc.PutKeyPolicy(adminCtx, ref, "default", other, false); !errors.Is(err, ErrMalformedPolicy) {
		t.Fatalf("lockout of the admin: %v", err)
	}
	if err := svc.PutKeyPolicy(adminCtx, ref, "default", other, true); err != nil {
		t.Fatalf("bypass: %v", err)
	}
	if err := svc.PutKeyPolicy(adminCtx, ref, "default", admins, true); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("the admin after handing the key over: %v", err)
	}
	k3, err := svc.CreateKey(ctx, CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"Version":"2012-10-17","Statement":[]}`, `not json`, `{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`} {
		if err := svc.PutKeyPolicy(ctx, k3.ID.String(), "default", bad, true); !errors.Is(err, ErrMalformedPolicy) {
			t.Errorf("%s: got %v, want ErrMalformedPolicy", bad, err)
		}
	}
	if err := svc.PutKeyPolicy(ctx, k3.ID.String(), "default", strings.Repeat(" ", MaxPolicy+1), true); !errors.Is(err, ErrValidation) {
		t.Errorf("oversized: got %v", err)
	}
	// CreateKey with a policy runs the same check.
	if _, err := svc.CreateKey(ctx, CreateKeyInput{Policy: admins}); !errors.Is(err, ErrMalformedPolicy) {
		t.Fatalf("CreateKey lockout: %v", err)
	}
	k2, err := svc.CreateKey(ctx, CreateKeyInput{Policy: admins, BypassPolicyLockoutSafetyCheck: true})
	if err != nil {
		t.Fatal(err)
	}

	// A replica restored from a snapshot has the same policies, compiled.
	st := restoreCopy(t, p.st)
	st.View(func(v *View) {
		if v.Key(k.ID).Policy != other || v.Key(k2.ID).Policy != admins {
			t.Fatal("policies lost in the snapshot")
		}
	})
	if st.keyPols.custom[k.ID] == nil || st.keyPols.custom[k2.ID] == nil {
		t.Fatal("restored policies are not compiled")
	}
}

// TestManagedKeyPolicyIsReadOnly: an AWS managed key shows AWS's managed-key policy and
// refuses PutKeyPolicy.
func TestManagedKeyPolicyIsReadOnly(t *testing.T) {
	svc, _, _ := newTestService(t)
	ctx := rootCtx()
	k, err := svc.ManagedKey(AsSystem(bg), "alias/aws/s3", "s3")
	if err != nil {
		t.Fatal(err)
	}
	text, err := svc.GetKeyPolicy(ctx, k.String(), "default")
	if err != nil || !strings.Contains(text, "kms:ViaService") {
		t.Fatalf("managed policy: %v\n%s", err, text)
	}
	if err := svc.PutKeyPolicy(ctx, k.String(), "default", testARNs.DefaultKeyPolicy("111122223333"), true); err == nil {
		t.Fatal("PutKeyPolicy on a managed key succeeded")
	}
}

// restoreCopy returns a new state restored from a snapshot of st, as a replica that installs
// a snapshot gets it.
func restoreCopy(t *testing.T, st *State) *State {
	t.Helper()
	var buf bytes.Buffer
	if _, err := st.Snapshot().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	n := NewState(testARNs)
	if err := n.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	return n
}
