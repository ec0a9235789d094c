package domain

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"
)

const otherAccount = "444455556666"

// rootOf is the context of a request by account's root.
func rootOf(account string) context.Context {
	return WithCaller(bg, &Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, Account: account,
		ARN: "arn:aws:iam::" + account + ":root", UserID: account}})
}

// iamDump renders the identity model and the key registry, for "changes nothing" checks.
func iamDump(t testing.TB, st *State) string {
	var b strings.Builder
	st.View(func(v *View) {
		img, err := json.Marshal(v.IAM().Image())
		if err != nil {
			t.Fatal(err)
		}
		b.Write(img)
		ps := v.Principals()
		sort.Slice(ps, func(i, j int) bool { return ps[i].AccessKeyID < ps[j].AccessKeyID })
		for _, p := range ps {
			pj, _ := json.Marshal(p)
			b.Write(pj)
		}
	})
	return b.String()
}

// populatedIAM is a service with a second account, users, a group, inline and managed
// policies, attachments and access keys in both accounts.
func populatedIAM(t testing.TB) (*Service, *localProposer) {
	t.Helper()
	svc, p, _ := newTestService(t)
	if err := svc.proposeIAM(bg, "CreateAccount", otherAccount, iam.CreateAccountInput{Name: "tenant-b"}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}`
	for _, acct := range []string{testARNs.Account, otherAccount} {
		ctx := rootOf(acct)
		steps := []func() error{
			func() error {
				_, err := svc.IAMCreateUser(ctx, iam.CreateUserInput{Name: "app1", Tags: []iam.Tag{{Key: "team", Value: "cats"}}})
				return err
			},
			func() error { _, err := svc.IAMCreateGroup(ctx, iam.CreateGroupInput{Name: "devs"}); return err },
			func() error {
				_, err := svc.IAMCreatePolicy(ctx, iam.CreatePolicyInput{Name: "mp", Document: doc})
				return err
			},
			func() error {
				return svc.IAMChange(ctx, iam.PutUserPolicyInput{User: "app1", Name: "inline", Document: doc})
			},
			func() error {
				return svc.IAMChange(ctx, iam.PutGroupPolicyInput{Group: "devs", Name: "ginline", Document: doc})
			},
			func() error {
				return svc.IAMChange(ctx, iam.AttachUserPolicyInput{User: "app1", ARN: "arn:aws:iam::" + acct + ":policy/mp"})
			},
			func() error {
				return svc.IAMChange(ctx, iam.AttachGroupPolicyInput{Group: "devs", ARN: "arn:aws:iam::" + acct + ":policy/mp"})
			},
			func() error { return svc.IAMChange(ctx, iam.AddUserToGroupInput{Group: "devs", User: "app1"}) },
			func() error { _, _, err := svc.CreateAccessKey(ctx, "app1"); return err },
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("%s step %d: %v", acct, i, err)
			}
		}
	}
	return svc, p
}

// TestIAMAccountsAreIsolated: what one account's root sees and changes is its own account's;
// the same names exist independently in two accounts; a key of one account cannot be listed,
// updated or deleted from the other; each key authenticates in its own account.
func TestIAMAccountsAreIsolated(t *testing.T) {
	svc, _ := populatedIAM(t)
	a, b := rootOf(testARNs.Account), rootOf(otherAccount)
	keysA, err := svc.AccessKeys(a, "app1")
	if err != nil || len(keysA) != 1 {
		t.Fatalf("A's keys: %v %v", keysA, err)
	}
	keysB, err := svc.AccessKeys(b, "app1")
	if err != nil || len(keysB) != 1 || keysB[0].AccessKeyID == keysA[0].AccessKeyID {
		t.Fatalf("B's keys: %v %v", keysB, err)
	}
	if err := svc.DeleteAccessKey(a, "app1", keysB[0].AccessKeyID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("A deleting B's key: %v, want NotFound", err)
	}
	if err := svc.UpdateAccessKey(a, "", keysB[0].AccessKeyID, false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("A deactivating B's key as a root key: %v, want NotFound", err)
	}
	if _, _, err := svc.AccessKeyOwner(a, keysB[0].AccessKeyID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("A asking about B's key: %v, want NotFound", err)
	}
	if err := svc.IAMChange(b, iam.DeleteUserInput{Name: "nobody"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("B deleting a user it does not have: %v", err)
	}
	// Attaching A's policy to B's user: the policy does not exist for B.
	err = svc.IAMChange(b, iam.AttachUserPolicyInput{User: "app1", ARN: "arn:aws:iam::" + testARNs.Account + ":policy/mp"})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("B attaching A's policy: %v, want NotFound", err)
	}
	for _, c := range []struct{ key, acct string }{{keysA[0].AccessKeyID, testARNs.Account}, {keysB[0].AccessKeyID, otherAccount}} {
		sec, who, err := svc.Authenticate(bg, c.key, "")
		if err != nil {
			t.Fatal(err)
		}
		clear(sec)
		if who.Principal.Account != c.acct || who.Principal.ARN != "arn:aws:iam::"+c.acct+":user/app1" || who.Principal.Type != policy.PrincipalUser {
			t.Fatalf("key of %s authenticates as %+v", c.acct, who.Principal)
		}
		// inline + attached + the group's inline + the group's attached.
		if len(who.Identity) != 4 {
			t.Fatalf("key of %s: %d identity policies, want 4", c.acct, len(who.Identity))
		}
	}
	// No caller: refused, never the first account by default.
	if err := svc.IAMChange(bg, iam.CreateUserInput{Name: "x", ID: "AIDAAAAAAAAAAAAAAAAA"}); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("no caller: %v, want AccessDenied", err)
	}
}

// TestIAMEffectivePoliciesFollowChanges: the caller an IAM user's key authenticates as is
// derived once per model change, and every change that affects it is seen at once: a new
// default version, leaving a group, deletion of the user (its key refused).
func TestIAMEffectivePoliciesFollowChanges(t *testing.T) {
	svc, _ := populatedIAM(t)
	a := rootOf(testARNs.Account)
	keys, _ := svc.AccessKeys(a, "app1")
	key := keys[0].AccessKeyID
	identity := func() []*policy.Policy {
		t.Helper()
		sec, who, err := svc.Authenticate(bg, key, "")
		if err != nil {
			t.Fatal(err)
		}
		clear(sec)
		return who.Identity
	}
	first := identity()
	if again := identity(); &again[0] != &first[0] {
		t.Fatal("the caller was derived again without a model change")
	}
	arn := "arn:aws:iam::" + testARNs.Account + ":policy/mp"
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:*","Resource":"*"}]}`
	if err := svc.IAMChange(a, iam.CreatePolicyVersionInput{ARN: arn, Document: deny, SetAsDefault: true}); err != nil {
		t.Fatal(err)
	}
	req := policy.Request{Principal: policy.Principal{Type: policy.PrincipalUser}, Action: "kms:Encrypt", Resource: "arn:aws:kms:us-east-1:" + testARNs.Account + ":key/x"}
	denied := 0
	for _, p := range identity() {
		if p.Evaluate(&req).Outcome == policy.ExplicitDeny {
			denied++
		}
	}
	if denied != 2 { // attached to the user and to its group
		t.Fatalf("%d policies deny after the new default version, want 2", denied)
	}
	if err := svc.IAMChange(a, iam.RemoveUserFromGroupInput{Group: "devs", User: "app1"}); err != nil {
		t.Fatal(err)
	}
	if n := len(identity()); n != 2 {
		t.Fatalf("%d policies after leaving the group, want 2", n)
	}
	// Deleting the user needs its keys gone first; a key of a deleted user cannot exist.
	if err := svc.IAMChange(a, iam.DeleteUserInput{Name: "app1"}); !errors.Is(err, ErrDeleteConflict) {
		t.Fatalf("DeleteUser with a key: %v", err)
	}
}

// TestIAMRenameMovesKeys: UpdateUser's new name carries the user's keys along, in the same
// command, so they authenticate as the renamed user.
func TestIAMRenameMovesKeys(t *testing.T) {
	svc, _ := populatedIAM(t)
	a := rootOf(testARNs.Account)
	if err := svc.IAMChange(a, iam.UpdateUserInput{Name: "app1", NewName: "app2", NewPath: "/x/"}); err != nil {
		t.Fatal(err)
	}
	keys, err := svc.AccessKeys(a, "app2")
	if err != nil || len(keys) != 1 || keys[0].User != "app2" {
		t.Fatalf("keys of the renamed user: %v %v", keys, err)
	}
	sec, who, err := svc.Authenticate(bg, keys[0].AccessKeyID, "")
	if err != nil {
		t.Fatal(err)
	}
	clear(sec)
	if who.Principal.ARN != "arn:aws:iam::"+testARNs.Account+":user/x/app2" {
		t.Fatalf("renamed user's key authenticates as %s", who.Principal.ARN)
	}
	if _, err := svc.AccessKeys(a, "app1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old name: %v", err)
	}
}

// TestIAMQuotasAndConflicts: AWS's quotas and conflicts, as Apply enforces them.
func TestIAMQuotasAndConflicts(t *testing.T) {
	svc, _ := populatedIAM(t)
	a := rootOf(testARNs.Account)
	arn := "arn:aws:iam::" + testARNs.Account + ":policy/mp"
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	for i := 2; i <= 5; i++ {
		if err := svc.IAMChange(a, iam.CreatePolicyVersionInput{ARN: arn, Document: doc}); err != nil {
			t.Fatalf("version %d: %v", i, err)
		}
	}
	if err := svc.IAMChange(a, iam.CreatePolicyVersionInput{ARN: arn, Document: doc}); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("sixth version: %v", err)
	}
	if err := svc.IAMChange(a, iam.DeletePolicyVersionInput{ARN: arn, Version: "v1"}); !errors.Is(err, ErrDeleteConflict) {
		t.Fatalf("deleting the default version: %v", err)
	}
	if err := svc.IAMChange(a, iam.DeletePolicyVersionInput{ARN: arn, Version: "v5"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.IAMChange(a, iam.CreatePolicyVersionInput{ARN: arn, Document: doc}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	_ = svc.IAMRead(a, func(acct string, st *iam.Store) error {
		for _, v := range st.Policy(acct, "mp").Versions {
			ids = append(ids, v.ID)
		}
		return nil
	})
	if strings.Join(ids, ",") != "v1,v2,v3,v4,v6" {
		t.Fatalf("version ids %v: a deleted id must not be reused", ids)
	}
	if err := svc.IAMChange(a, iam.DeletePolicyInput{ARN: arn}); !errors.Is(err, ErrDeleteConflict) {
		t.Fatalf("deleting an attached policy: %v", err)
	}
	if err := svc.IAMChange(a, iam.DeleteGroupInput{Name: "devs"}); !errors.Is(err, ErrDeleteConflict) {
		t.Fatalf("deleting a group with members: %v", err)
	}
	// 10 managed policies per user.
	for i := 0; i < iam.MaxAttachedPerEntity; i++ {
		name := "p" + string(rune('a'+i))
		if _, err := svc.IAMCreatePolicy(a, iam.CreatePolicyInput{Name: name, Document: doc}); err != nil {
			t.Fatal(err)
		}
		err := svc.IAMChange(a, iam.AttachUserPolicyInput{User: "app1", ARN: "arn:aws:iam::" + testARNs.Account + ":policy/" + name})
		if i < iam.MaxAttachedPerEntity-1 && err != nil {
			t.Fatalf("attach %d: %v", i, err)
		}
		if i == iam.MaxAttachedPerEntity-1 && !errors.Is(err, ErrLimitExceeded) {
			t.Fatalf("11th attached policy: %v", err)
		}
	}
	// A user's inline policies share one 2,048-character budget (white space not counted).
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/` + strings.Repeat("a", 1900) + `"}]}`
	if err := svc.IAMChange(a, iam.PutUserPolicyInput{User: "app1", Name: "big", Document: big}); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("over the aggregate inline budget: %v", err)
	}
	if err := svc.IAMChange(a, iam.PutUserPolicyInput{User: "app1", Name: "bad", Document: `{"Version":"2012-10-17","Statement":[]}`}); !errors.Is(err, ErrMalformedPolicy) {
		t.Fatalf("malformed inline policy: %v", err)
	}
	// Tags: 50 per user.
	var tags []iam.Tag
	for i := 0; i < 50; i++ {
		tags = append(tags, iam.Tag{Key: "k" + strings.Repeat("x", i), Value: "v"})
	}
	if err := svc.IAMChange(a, iam.TagUserInput{Name: "app1", Tags: tags}); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("51 tags: %v", err)
	}
	if err := svc.IAMChange(a, iam.TagUserInput{Name: "app1", Tags: []iam.Tag{{Key: "aws:x", Value: "v"}}}); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("aws: tag prefix: %v", err)
	}
}

// TestIAMSnapshotRoundTrip: users, groups, policies (compiled again) and user keys survive a
// snapshot and restore, and the restored keys authenticate with the same effective policies.
func TestIAMSnapshotRoundTrip(t *testing.T) {
	svc, _ := populatedIAM(t)
	var buf strings.Builder
	if _, err := svc.State().Snapshot().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	st := NewState(testARNs)
	if err := st.Restore(strings.NewReader(buf.String())); err != nil {
		t.Fatal(err)
	}
	if iamDump(t, st) != iamDump(t, svc.State()) {
		t.Fatal("the restored identity model differs")
	}
	n := 0
	st.View(func(v *View) {
		for _, acct := range []string{testARNs.Account, otherAccount} {
			n += len(v.IAM().UserPolicies(v.IAM().User(acct, "app1")))
		}
	})
	if n != 8 {
		t.Fatalf("restored users have %d compiled policies, want 8", n)
	}
}

// TestIAMReplayIsDeterministic: the identity commands of a workload, applied to a fresh
// state, give the same model and registry: Apply reads no clock and no randomness.
func TestIAMReplayIsDeterministic(t *testing.T) {
	svc, p := populatedIAM(t)
	st := NewState(testARNs)
	for _, cmd := range p.log {
		_ = st.Apply(cmd)
	}
	if iamDump(t, st) != iamDump(t, svc.State()) {
		t.Fatal("replaying the log gave another identity model")
	}
}

// FuzzApplyIAM: identity commands mutated arbitrarily, applied to a populated state, never
// panic, and a command that fails changes neither the model nor the key registry.
func FuzzApplyIAM(f *testing.F) {
	_, p := populatedIAM(f)
	for _, cmd := range p.log {
		if len(cmd) > 0 && CommandType(cmd[0]) == cmdIAM {
			f.Add(cmd)
		}
	}
	f.Add(append([]byte{byte(cmdIAM)}, `{"Op":"DeleteUser","Account":"111122223333","Body":{"Name":"app1"}}`...))
	f.Add(append([]byte{byte(cmdIAM)}, `{"Op":"UpdateUser","Account":"111122223333","Body":{"Name":"app1","NewName":"APP1"}}`...))
	f.Add(append([]byte{byte(cmdIAM)}, `{"Op":"DeleteAccessKey","Account":"444455556666","Body":{"AccessKeyID":"x"}}`...))
	f.Add(append([]byte{byte(cmdIAM)}, `{"Op":"CreateAccessKey","Account":"111122223333","Body":{"Principal":{"User":"app1"}}}`...))
	f.Fuzz(func(t *testing.T, cmd []byte) {
		svc, _ := populatedIAM(t)
		st := svc.State()
		before := iamDump(t, st)
		if err := st.Apply(cmd); err != nil && iamDump(t, st) != before {
			t.Fatalf("a failed command changed the state: %v", err)
		}
	})
}
