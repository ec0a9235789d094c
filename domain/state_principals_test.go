package domain

import (
	"bytes"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/iam"
)

// keysOfByWalk is keysOf as it was before the index: every record of the registry checked.
func keysOfByWalk(s *State, account, user string) int {
	n := 0
	for _, p := range s.principals {
		if s.ownedBy(p, account, user) {
			n++
		}
	}
	return n
}

// TestPrincipalIndexMatchesWalk applies random identity commands (users, their access keys,
// renames, deletions, key status changes), a restore and a registry write that bypasses the
// index (as the create-account ceremony's is), and after each checks that counting an owner's
// keys through the index gives what walking the whole registry gives, for every owner in
// every case spelling.
func TestPrincipalIndexMatchesWalk(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := NewState(testARNs)
	scaleInitDomain(t, st, at)
	acct := testARNs.Account
	rng := mrand.New(mrand.NewPCG(1, 2))
	names := []string{"alice", "Bob", "carol-1", "dave.x"}
	var keys []string // access key ids made, some deleted later
	check := func(step string) {
		t.Helper()
		for _, a := range []string{acct, "999988887777"} {
			for _, u := range append([]string{""}, names...) {
				for _, spelled := range []string{u, strings.ToUpper(u), strings.ToLower(u)} {
					if got, want := st.keysOf(a, spelled), keysOfByWalk(st, a, spelled); got != want {
						t.Fatalf("after %s: keysOf(%s, %q) = %d through the index, %d by walking", step, a, spelled, got, want)
					}
				}
			}
		}
	}
	apply := func(op string, body any) error {
		return st.Apply(scaleIAMCmd(t, op, acct, at, body))
	}
	for step := 0; step < 400; step++ {
		name := names[rng.IntN(len(names))]
		var what string
		switch rng.IntN(7) {
		case 0:
			what = "CreateUser " + name
			_ = apply("CreateUser", iam.CreateUserInput{Name: name, ID: scaleIAMID("AIDA", step)})
		case 1, 2:
			what = "CreateAccessKey " + name
			tok := make([]byte, scaleTokenSize)
			_, _ = rand.Read(tok)
			id := scaleIAMID("AKIA", step)
			p := Principal{AccessKeyID: id, DKVersion: 1, Token: tok, CreatedAt: at, Account: acct, User: name}
			if rng.IntN(4) == 0 {
				p.User, p.Root = "", true
			}
			if apply("CreateAccessKey", CreateAccessKeyInput{Principal: p}) == nil {
				keys = append(keys, id)
			}
		case 3:
			if len(keys) > 0 {
				id := keys[rng.IntN(len(keys))]
				what = "DeleteAccessKey " + id
				user := ""
				if p := st.principals[id]; p != nil {
					user = p.User
				}
				_ = apply("DeleteAccessKey", AccessKeyInput{AccessKeyID: id, User: user})
			}
		case 4:
			if len(keys) > 0 {
				id := keys[rng.IntN(len(keys))]
				what = "UpdateAccessKey " + id
				if p := st.principals[id]; p != nil {
					_ = apply("UpdateAccessKey", AccessKeyInput{AccessKeyID: id, User: p.User, Inactive: rng.IntN(2) == 0})
				}
			}
		case 5:
			// Rename to another spelling of the same name, or to a new name (then back later).
			to := names[rng.IntN(len(names))]
			if rng.IntN(2) == 0 {
				to = strings.ToUpper(name)
			}
			what = "UpdateUser " + name + " -> " + to
			if apply("UpdateUser", iam.UpdateUserInput{Name: name, NewName: to}) == nil {
				for i, n := range names {
					if strings.EqualFold(n, name) {
						names[i] = to
					}
				}
			}
		case 6:
			what = "DeleteUser " + name
			_ = apply("DeleteUser", iam.DeleteUserInput{Name: name})
		}
		check(fmt.Sprintf("step %d (%s)", step, what))
	}
	// A write that does not go through the index: the registry's size tells the index.
	st.mu.Lock()
	st.principals["AKIAOUTSIDETHEINDEX0"] = &Principal{AccessKeyID: "AKIAOUTSIDETHEINDEX0", Root: true, Account: acct}
	st.mu.Unlock()
	check("a write outside the index")
	// A restore replaces the registry: the index follows.
	var buf bytes.Buffer
	if _, err := st.Snapshot().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	st2 := NewState(testARNs)
	if err := st2.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	st = st2
	check("a restore")
	if len(keys) == 0 {
		t.Fatal("no access key was made: the test exercised nothing")
	}
}
