package domain

import (
	"errors"
	"testing"

	"github.com/keyhold/keyhold/domain/policy"
)

// TestGrantLifecycle: CreateGrant validates as KMS does and is idempotent by Name; the grant
// lets its grantee use the key for its operations only with a matching encryption context;
// RetireGrant by token works for the grantee with RetireGrant and for nobody else; RevokeGrant
// removes it; grants survive a snapshot and go with their key.
func TestGrantLifecycle(t *testing.T) {
	svc, p, _ := newTestService(t)
	ctx := rootCtx()
	k, err := svc.CreateKey(ctx, CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	ref := k.ID.String()
	grantee := "arn:aws:iam::111122223333:user/app"
	in := CreateGrantInput{KeyRef: ref, GranteePrincipal: grantee, Operations: []string{"Decrypt", "RetireGrant"}, Name: "app-decrypt",
		Constraints: &GrantConstraints{EncryptionContextSubset: map[string]string{"team": "cats"}}}
	id, token, err := svc.CreateGrant(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if id2, _, err := svc.CreateGrant(ctx, in); err != nil || id2 != id {
		t.Fatalf("same Name and parameters: %s %v, want %s", id2, err, id)
	}
	for name, bad := range map[string]CreateGrantInput{
		"no grantee":         {KeyRef: ref, Operations: []string{"Decrypt"}},
		"bad grantee":        {KeyRef: ref, GranteePrincipal: "bob", Operations: []string{"Decrypt"}},
		"no operations":      {KeyRef: ref, GranteePrincipal: grantee},
		"unknown operation":  {KeyRef: ref, GranteePrincipal: grantee, Operations: []string{"ScheduleKeyDeletion"}},
		"constraint on Sign": {KeyRef: ref, GranteePrincipal: grantee, Operations: []string{"Sign"}, Constraints: &GrantConstraints{EncryptionContextEquals: map[string]string{"a": "b"}}},
		"alias is not a key": {KeyRef: "alias/x", GranteePrincipal: grantee, Operations: []string{"Decrypt"}},
	} {
		if _, _, err := svc.CreateGrant(ctx, bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}

	app := policy.Principal{Type: policy.PrincipalUser, ARN: grantee, Account: "111122223333"}
	p.st.View(func(v *View) {
		if v.GrantFor(k.ID, app, "Decrypt", map[string]string{"team": "cats", "x": "y"}) == nil {
			t.Error("the grant does not allow Decrypt with a superset context")
		}
		if v.GrantFor(k.ID, app, "Decrypt", map[string]string{"team": "dogs"}) != nil {
			t.Error("the grant allows another context")
		}
		if v.GrantFor(k.ID, app, "Encrypt", map[string]string{"team": "cats"}) != nil {
			t.Error("the grant allows an operation it does not list")
		}
		other := app
		other.ARN = "arn:aws:iam::111122223333:user/other"
		if v.GrantFor(k.ID, other, "Decrypt", map[string]string{"team": "cats"}) != nil {
			t.Error("the grant allows another principal")
		}
	})

	grants, next, err := svc.ListGrants(ctx, ref, 0, "", "", "")
	if err != nil || len(grants) != 1 || next != "" || grants[0].ID != id || grants[0].IssuingAccount != "arn:aws:iam::111122223333:root" {
		t.Fatalf("ListGrants: %v %q %v", grants, next, err)
	}
	if st := restoreCopy(t, p.st); func() bool {
		found := false
		st.View(func(v *View) { found = v.Grant(id) != nil })
		return !found
	}() {
		t.Fatal("the grant is lost in a snapshot")
	}

	// Somebody else cannot retire it; the grantee can, by token.
	if err := svc.RetireGrant(userCtx(t, "other", ""), token, "", ""); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("retire by a stranger: %v", err)
	}
	if err := svc.RetireGrant(userCtx(t, "app", ""), token, "", ""); err != nil {
		t.Fatalf("retire by the grantee: %v", err)
	}
	if err := svc.RetireGrant(ctx, "khgt1.bm90LWEtZ3JhbnQ", "", ""); !errors.Is(err, ErrInvalidGrantToken) {
		t.Fatalf("bad token: %v", err)
	}
	// Revoke by key and id.
	id3, _, err := svc.CreateGrant(ctx, CreateGrantInput{KeyRef: ref, GranteePrincipal: grantee, Operations: []string{"Encrypt"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RevokeGrant(ctx, ref, id3); err != nil {
		t.Fatal(err)
	}
	if grants, _, _ := svc.ListGrants(ctx, ref, 0, "", "", ""); len(grants) != 0 {
		t.Fatalf("grants left: %v", grants)
	}
	if err := svc.RevokeGrant(ctx, ref, id3); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking twice: %v", err)
	}
	if err := CheckGrantTokens([]string{token}); err != nil {
		t.Fatal(err)
	}
	if err := CheckGrantTokens(make([]string, 11)); err == nil {
		t.Fatal("11 grant tokens accepted")
	}
}
