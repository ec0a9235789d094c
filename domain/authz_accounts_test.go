package domain

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// TestAuthzAccountsDoNotSeeEachOther: one account cannot see or use another's keys, aliases
// and buckets, even as its root: a bare key id or alias is looked up in the caller's account
// (not found), a key ARN of another account is AccessDenied, listings show the caller's own.
func TestAuthzAccountsDoNotSeeEachOther(t *testing.T) {
	svc, k := newAuthzService(t)
	a := as(authzRoot(testARNs.Account))
	b := as(authzRoot(tenantB))
	blob, _, err := svc.Encrypt(a, k.ID.String(), []byte("a's secret"), nil)
	wantOK(t, "Encrypt", err)

	if _, err := svc.DescribeKey(b, k.ID.String()); !errors.Is(err, ErrNotFound) {
		t.Errorf("bare key id of another account: %v", err)
	}
	if _, err := svc.DescribeKey(b, "alias/app"); !errors.Is(err, ErrNotFound) {
		t.Errorf("alias of another account: %v", err)
	}
	_, err = svc.DescribeKey(b, testARNs.Key(k.ID))
	wantDenied(t, "key ARN of another account", err)
	_, _, err = svc.Encrypt(b, testARNs.Key(k.ID), []byte("x"), nil)
	wantDenied(t, "Encrypt with another account's key ARN", err)
	_, _, err = svc.Encrypt(b, testARNs.Alias("alias/app"), []byte("x"), nil)
	wantDenied(t, "Encrypt with another account's alias ARN", err)
	if _, _, err := svc.Decrypt(b, "", blob, nil); !errors.Is(err, ErrInvalidCiphertext) {
		t.Errorf("Decrypt of another account's ciphertext: %v", err)
	}
	_, err = svc.ScheduleKeyDeletion(b, testARNs.Key(k.ID), 7)
	wantDenied(t, "ScheduleKeyDeletion of another account's key", err)
	if err := svc.CreateAlias(b, "alias/mine", k.ID.String()); !errors.Is(err, ErrNotFound) {
		t.Errorf("CreateAlias on another account's key: %v", err)
	}

	// B's own key, and an alias of the same name as A's: alias names are per account.
	kb, err := svc.CreateKey(b, CreateKeyInput{})
	wantOK(t, "B CreateKey", err)
	if kb.Account != tenantB || svc.KeyARN(kb.ID) != "arn:aws:kms:us-east-1:"+tenantB+":key/"+kb.ID.String() {
		t.Errorf("B's key: account %q arn %s", kb.Account, svc.KeyARN(kb.ID))
	}
	wantOK(t, "B CreateAlias alias/app", svc.CreateAlias(b, "alias/app", kb.ID.String()))
	got, err := svc.DescribeKey(b, "alias/app")
	wantOK(t, "B alias/app", err)
	if got.ID != kb.ID {
		t.Errorf("B's alias/app names %s, want B's key", got.ID)
	}
	got, err = svc.DescribeKey(a, "alias/app")
	wantOK(t, "A alias/app", err)
	if got.ID != k.ID {
		t.Errorf("A's alias/app names %s, want A's key", got.ID)
	}
	ids, _, err := svc.ListKeys(b, 0, "")
	wantOK(t, "B ListKeys", err)
	if len(ids) != 1 || ids[0] != kb.ID {
		t.Errorf("B ListKeys: %v", ids)
	}
	ids, _, err = svc.ListKeys(a, 0, "")
	wantOK(t, "A ListKeys", err)
	if len(ids) != 1 || ids[0] != k.ID {
		t.Errorf("A ListKeys: %v", ids)
	}
	if _, _, err := svc.ListKeys(b, 0, k.ID.String()); !errors.Is(err, ErrInvalidMarker) {
		t.Errorf("B ListKeys with A's key as marker: %v", err)
	}
	aliases, _, err := svc.ListAliases(b, "", 0, "")
	wantOK(t, "B ListAliases", err)
	if len(aliases) != 1 || aliases[0].KeyID != kb.ID {
		t.Errorf("B ListAliases: %+v", aliases)
	}
	if err := svc.DeleteAlias(b, "alias/app"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DescribeKey(a, "alias/app"); err != nil {
		t.Errorf("B deleting its alias/app touched A's: %v", err)
	}

	// Buckets: names are global; the other account's name is BucketAlreadyExists.
	wantOK(t, "A CreateBucket", svc.CreateBucket(a, "shared-name", "root"))
	if err := svc.CreateBucket(b, "shared-name", "root"); !errors.Is(err, ErrBucketTaken) {
		t.Errorf("B CreateBucket of A's name: %v", err)
	}
	if err := svc.CreateBucket(a, "shared-name", "root"); !errors.Is(err, ErrBucketExists) {
		t.Errorf("A CreateBucket of its own: %v", err)
	}
	wantOK(t, "B CreateBucket", svc.CreateBucket(b, "b-bucket", "root"))
	if l := svc.ListBuckets(b); len(l) != 1 || l[0].Name != "b-bucket" || l[0].Account != tenantB {
		t.Errorf("B ListBuckets: %+v", l)
	}
	if l := svc.ListBuckets(a); len(l) != 1 || l[0].Name != "shared-name" {
		t.Errorf("A ListBuckets: %+v", l)
	}
	wantDenied(t, "A reads B's bucket", svc.Authorize(a, "s3:ListBucket", "arn:aws:s3:::b-bucket"))
	wantOK(t, "B reads B's bucket", svc.Authorize(b, "s3:ListBucket", "arn:aws:s3:::b-bucket"))
}

// TestAuthzManagedKeysPerAccount: the AWS managed keys (alias/aws/s3, SSE-S3's) are per
// account: a second account gets its own the first time it needs one.
func TestAuthzManagedKeysPerAccount(t *testing.T) {
	svc, _ := newAuthzService(t)
	a := AsSystem(as(authzRoot(testARNs.Account)))
	b := AsSystem(as(authzRoot(tenantB)))
	ka, err := svc.ManagedKey(a, "alias/aws/s3", "Default key that protects my S3 objects")
	wantOK(t, "A ManagedKey", err)
	kb, err := svc.ManagedKey(b, "alias/aws/s3", "Default key that protects my S3 objects")
	wantOK(t, "B ManagedKey", err)
	if ka == kb {
		t.Fatal("both accounts got the same managed key")
	}
	again, err := svc.ManagedKey(b, "alias/aws/s3", "")
	wantOK(t, "B ManagedKey again", err)
	if again != kb {
		t.Errorf("B's managed key changed: %s then %s", kb, again)
	}
	if svc.KeyARN(kb) != "arn:aws:kms:us-east-1:"+tenantB+":key/"+kb.String() {
		t.Errorf("B's managed key ARN: %s", svc.KeyARN(kb))
	}
	// Neither account can manage its managed key.
	wantDenied(t, "B DisableKey of its managed key", svc.DisableKey(as(authzRoot(tenantB)), kb.String()))
}

// TestAuthzStateWithoutAccountsRestores: a state written before accounts existed (keys,
// aliases and buckets with no account, from old commands) restores from a snapshot with
// everything in the domain's first account, and old commands applied to it still mean what
// they meant.
func TestAuthzStateWithoutAccountsRestores(t *testing.T) {
	svc, p, _ := newTestService(t)
	sys := AsSystem(bg)
	// Old commands: bodies without the Account fields, as earlier versions wrote them.
	k, err := svc.createKeyIn(sys, "", CreateKeyInput{}, false)
	wantOK(t, "old CreateKey", err)
	old := func(cmd []byte) {
		t.Helper()
		if err := p.Propose(sys, cmd); err != nil {
			t.Fatal(err)
		}
	}
	type oldAliasCmd struct { // aliasCmd before accounts
		Name string
		ID   wrap.KeyID
		At   time.Time
	}
	old(encode(cmdCreateAlias, oldAliasCmd{Name: "alias/old", ID: k.ID, At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}))
	old(append([]byte{byte(cmdCreateBucket)}, []byte(`{"Bucket":{"Name":"old-bucket","CreatedAt":"2026-01-01T00:00:00Z","Owner":"root"}}`)...))
	var snap bytes.Buffer
	if _, err := svc.State().Snapshot().WriteTo(&snap); err != nil {
		t.Fatal(err)
	}
	st := NewState(testARNs)
	if err := st.Restore(&snap); err != nil {
		t.Fatal(err)
	}
	svc2 := NewService(st, &localProposer{st: st}, svc.ring, Config{ARNs: testARNs})
	a := as(authzRoot(testARNs.Account))
	b := as(authzRoot(tenantB))
	got, err := svc2.DescribeKey(a, "alias/old")
	wantOK(t, "first account's alias/old", err)
	if got.ID != k.ID || svc2.KeyARN(k.ID) != testARNs.Key(k.ID) {
		t.Errorf("alias/old: %s %s", got.ID, svc2.KeyARN(k.ID))
	}
	if _, _, err := svc2.Encrypt(a, k.ID.String(), []byte("x"), nil); err != nil {
		t.Errorf("first account Encrypt: %v", err)
	}
	if _, err := svc2.DescribeKey(b, "alias/old"); !errors.Is(err, ErrNotFound) {
		t.Errorf("other account sees alias/old: %v", err)
	}
	if ids, _, _ := svc2.ListKeys(b, 0, ""); len(ids) != 0 {
		t.Errorf("other account lists %v", ids)
	}
	if l := svc2.ListBuckets(a); len(l) != 1 || l[0].Name != "old-bucket" {
		t.Errorf("first account's buckets: %+v", l)
	}
	if err := svc2.CreateBucket(a, "old-bucket", "root"); !errors.Is(err, ErrBucketExists) {
		t.Errorf("first account re-creating old-bucket: %v", err)
	}
	if err := svc2.CreateBucket(b, "old-bucket", "root"); !errors.Is(err, ErrBucketTaken) {
		t.Errorf("other account creating old-bucket: %v", err)
	}
	wantDenied(t, "other account reads old-bucket", svc2.Authorize(b, "s3:GetObject", "arn:aws:s3:::old-bucket/x"))
	// An old DeleteAlias (no account) still deletes the first account's alias.
	if err := st.Apply(encode(cmdDeleteAlias, oldAliasCmd{Name: "alias/old"})); err != nil {
		t.Fatalf("old DeleteAlias: %v", err)
	}
	if _, err := svc2.DescribeKey(a, "alias/old"); !errors.Is(err, ErrNotFound) {
		t.Errorf("alias/old after the old DeleteAlias: %v", err)
	}
}
