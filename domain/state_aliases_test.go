package domain

import (
	"slices"
	"testing"
)

// TestAliasIndexFollowsAliases: the by-key alias index (kms:ResourceAliases, DeleteKey) follows
// CreateAlias, UpdateAlias and DeleteAlias, and a restored replica rebuilds the same index.
func TestAliasIndexFollowsAliases(t *testing.T) {
	svc, p, _ := newTestService(t)
	k1, err := svc.CreateKey(bg, CreateKeyInput{})
	wantOK(t, "CreateKey", err)
	k2, err := svc.CreateKey(bg, CreateKeyInput{})
	wantOK(t, "CreateKey", err)
	wantOK(t, "CreateAlias a", svc.CreateAlias(bg, "alias/a", k1.ID.String()))
	wantOK(t, "CreateAlias b", svc.CreateAlias(bg, "alias/b", k1.ID.String()))
	wantOK(t, "UpdateAlias a", svc.UpdateAlias(bg, "alias/a", k2.ID.String()))
	check := func(st *State, what string, want1, want2 []string) {
		t.Helper()
		st.View(func(v *View) {
			if got := v.AliasesOf(k1.ID); !slices.Equal(got, want1) {
				t.Errorf("%s: aliases of k1 %v, want %v", what, got, want1)
			}
			if got := v.AliasesOf(k2.ID); !slices.Equal(got, want2) {
				t.Errorf("%s: aliases of k2 %v, want %v", what, got, want2)
			}
		})
	}
	check(p.st, "after update", []string{"alias/b"}, []string{"alias/a"})
	check(restoreCopy(t, p.st), "restored", []string{"alias/b"}, []string{"alias/a"})
	wantOK(t, "DeleteAlias b", svc.DeleteAlias(bg, "alias/b"))
	check(p.st, "after delete", nil, []string{"alias/a"})
}
