package node

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/domain/ceremony"
	"github.com/keyhold/keyhold/domain/ststoken"
)

// The attacks below target temporary credentials: an attacker holds (or has seen) one
// session's access key, secret and token, and tries to make them into something else.

// TestAttackTamperedSessionToken: the attacker flips bits in a session token, truncates it,
// or pairs one session's token with another session's access key and secret, hoping the node
// takes the claims (role, expiry, policies) at face value. Every variant is refused as an
// invalid token; the untouched credentials still work.
func TestAttackTamperedSessionToken(t *testing.T) {
	tn := newTestNode(t)
	roleARN := tn.mkRole(t, "target", trustDoc("arn:aws:iam::"+tn.n.svc.ARNs().Account+":root"))
	a := tn.assume(t, tn.akid, tn.secret, "", roleARN, "alice")
	b := tn.assume(t, tn.akid, tn.secret, "", roleARN, "bob")
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(a.SessionToken))
	if err != nil {
		t.Fatal(err)
	}
	variants := map[string]*ststypes.Credentials{}
	for _, i := range []int{0, 5, 10, 30, len(raw) / 2, len(raw) - 1} {
		f := append([]byte(nil), raw...)
		f[i] ^= 0x01
		variants["bit flipped at "+strconv.Itoa(i)] = &ststypes.Credentials{AccessKeyId: a.AccessKeyId, SecretAccessKey: a.SecretAccessKey,
			SessionToken: aws.String(base64.StdEncoding.EncodeToString(f))}
	}
	variants["truncated"] = &ststypes.Credentials{AccessKeyId: a.AccessKeyId, SecretAccessKey: a.SecretAccessKey,
		SessionToken: aws.String(base64.StdEncoding.EncodeToString(raw[:len(raw)-16]))}
	variants["alice's token, bob's key"] = &ststypes.Credentials{AccessKeyId: b.AccessKeyId, SecretAccessKey: b.SecretAccessKey, SessionToken: a.SessionToken}
	variants["alice's key, bob's token"] = &ststypes.Credentials{AccessKeyId: a.AccessKeyId, SecretAccessKey: a.SecretAccessKey, SessionToken: b.SessionToken}
	variants["made-up key id"] = &ststypes.Credentials{AccessKeyId: aws.String("ASIAAAAAAAAAAAAAAAAA"), SecretAccessKey: a.SecretAccessKey, SessionToken: a.SessionToken}
	variants["a long-term key id with a token"] = &ststypes.Credentials{AccessKeyId: aws.String("AKIAAAAAAAAAAAAAAAAA"), SecretAccessKey: a.SecretAccessKey, SessionToken: a.SessionToken}
	for name, c := range variants {
		if arn, code := tn.whoAmI(c); code != "InvalidClientTokenId" {
			t.Errorf("%s: got %q %q, want InvalidClientTokenId", name, arn, code)
		}
	}
	if arn, code := tn.whoAmI(a); code != "" || arn == "" {
		t.Fatalf("the genuine session: %s", code)
	}
}

// TestAttackSessionKeyRecordAsAccessKey: the STS sealing key is stored as a credential record
// under a reserved id. The attacker signs requests with that id (and any secret) hoping the
// registry treats the record as a root key; it is refused as an unknown key before any lookup.
func TestAttackSessionKeyRecordAsAccessKey(t *testing.T) {
	tn := newTestNode(t)
	tn.mkRole(t, "r1", trustDoc("arn:aws:iam::"+tn.n.svc.ARNs().Account+":root"))
	tn.assume(t, tn.akid, tn.secret, "", "arn:aws:iam::"+tn.n.svc.ARNs().Account+":role/r1", "make-the-key")
	_, err := tn.stsClient("KHSTSSESSIONKEY00001", "0123456789012345678901234567890123456789", "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if apiCode(err) != "InvalidClientTokenId" {
		t.Fatalf("signing with the sealing key's id: %v", err)
	}
}

// TestAttackSessionFromAnotherDomain: a session token minted by another keyhold domain (its
// own sealing key) is worthless here, even for a role of the same name in the same account id.
func TestAttackSessionFromAnotherDomain(t *testing.T) {
	home := newTestNode(t)
	elsewhere := newTestNode(t)
	acct := home.n.svc.ARNs().Account
	home.mkRole(t, "same", trustDoc("arn:aws:iam::"+acct+":root"))
	roleARN := elsewhere.mkRole(t, "same", trustDoc("arn:aws:iam::"+elsewhere.n.svc.ARNs().Account+":root"))
	c := elsewhere.assume(t, elsewhere.akid, elsewhere.secret, "", roleARN, "visitor")
	// Before home ever made a session (it has no sealing key yet), and after.
	if arn, code := home.whoAmI(c); code != "InvalidClientTokenId" {
		t.Fatalf("foreign session, no sealing key at home: %s %q", arn, code)
	}
	home.assume(t, home.akid, home.secret, "", "arn:aws:iam::"+acct+":role/same", "warm-up")
	if arn, code := home.whoAmI(c); code != "InvalidClientTokenId" {
		t.Fatalf("foreign session: %s %q", arn, code)
	}
}

// TestAttackStolenSealingKeyAfterRotation: the attacker has stolen the STS sealing key (say,
// from a memory dump) and mints session tokens of their own for a role, with a secret they
// chose. That works until the operators rotate the domain key: the next AssumeRole makes a new
// sealing key, and once the longest session has had time to run out (12 hours and a few
// minutes), every token of the old key is refused, however the attacker sets its dates.
func TestAttackStolenSealingKeyAfterRotation(t *testing.T) {
	tn := newCeremonyNode(t)
	acct := tn.n.svc.ARNs().Account
	roleARN := tn.mkRole(t, "target", trustDoc("arn:aws:iam::"+acct+":root"))
	var roleID string
	tn.n.state.View(func(v *domain.View) { roleID = v.IAM().Role(acct, "target").ID })
	tn.assume(t, tn.akid, tn.secret, "", roleARN, "legit") // the domain's first sealing key
	stolen, _, err := tn.n.svc.SecretKey(context.Background(), "KHSTSSESSIONKEY00001")
	if err != nil {
		t.Fatal(err)
	}
	forge := func(issued, expires time.Time) *ststypes.Credentials {
		c := &ststoken.Claims{AccessKeyID: "ASIAATTACKERATTACKER", Secret: "attacker-chosen-secret-0123456789abcdefg",
			Account: acct, RoleName: "target", RolePath: "/", RoleID: roleID, SessionName: "mallory",
			Issued: issued.Truncate(time.Second), Expires: expires.Truncate(time.Second)}
		tok, err := ststoken.Seal(stolen, 1, c)
		if err != nil {
			t.Fatal(err)
		}
		return &ststypes.Credentials{AccessKeyId: aws.String(c.AccessKeyID), SecretAccessKey: aws.String(c.Secret), SessionToken: aws.String(tok)}
	}
	now := tn.clock.now
	if arn, code := tn.whoAmI(forge(now(), now().Add(time.Hour))); code != "" {
		t.Fatalf("the stolen key before rotation (the attack works, as it must): %s %s", arn, code)
	}
	// Dates no AssumeRole writes are refused even with the genuine key.
	if _, code := tn.whoAmI(forge(now(), now().Add(13*time.Hour))); code != "InvalidClientTokenId" {
		t.Fatalf("a 13-hour session: %q", code)
	}
	if _, code := tn.whoAmI(forge(now().Add(time.Hour), now().Add(2*time.Hour))); code != "InvalidClientTokenId" {
		t.Fatalf("a session issued in the future: %q", code)
	}

	d := tn.n.svc.Domain()
	submitAndRun(t, tn, ceremony.NewProposal(ceremony.KindRotateDK, d.ID, d.Epoch, time.Now(), time.Hour), func() bool {
		return tn.n.svc.RewrapStatus().Finished
	})
	fresh := tn.assume(t, tn.akid, tn.secret, "", roleARN, "after-rotation")
	if kv, ok := ststoken.KeyVersion(aws.ToString(fresh.SessionToken)); !ok || kv != 2 {
		t.Fatalf("a session after rotation is sealed with key version %d, want 2", kv)
	}
	// Within the overlap, old-key sessions (genuine ones included) still run...
	tn.clock.advance(time.Hour)
	if _, code := tn.whoAmI(forge(now(), now().Add(time.Hour))); code != "" {
		t.Fatalf("old key within the overlap: %q", code)
	}
	// ...but none may outlive it (a 12-hour session is otherwise fine), and after it nothing
	// of the old key is accepted.
	if _, code := tn.whoAmI(forge(now(), now().Add(12*time.Hour))); code != "InvalidClientTokenId" {
		t.Fatalf("old-key session expiring past the overlap: %q", code)
	}
	tn.clock.advance(11*time.Hour + 6*time.Minute)
	if _, code := tn.whoAmI(forge(now(), now().Add(time.Hour))); code != "InvalidClientTokenId" {
		t.Fatalf("the stolen key after the overlap: %q", code)
	}
	if arn, code := tn.whoAmI(tn.assume(t, tn.akid, tn.secret, "", roleARN, "later")); code != "" {
		t.Fatalf("a genuine session after the overlap: %s %s", arn, code)
	}
}

// TestAttackSealingKeyRecordThroughAccessKeyAPIs: the sealing key lives in the access-key
// registry without a user. The first account's root lists its access keys hoping to learn the
// record's id, deactivates or deletes it to break every session of the domain, and the record
// must not eat into the root's two-key quota either: the access-key API does not see it.
func TestAttackSealingKeyRecordThroughAccessKeyAPIs(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	roleARN := tn.mkRole(t, "r1", trustDoc("arn:aws:iam::"+acct+":root"))
	session := tn.assume(t, tn.akid, tn.secret, "", roleARN, "s1")
	ic := tn.iamClient(tn.akid, tn.secret, "")
	keys, err := ic.ListAccessKeys(ctx(), &iam.ListAccessKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys.AccessKeyMetadata {
		if strings.HasPrefix(aws.ToString(k.AccessKeyId), "KHSTS") {
			t.Errorf("ListAccessKeys shows the sealing key's record %s", aws.ToString(k.AccessKeyId))
		}
	}
	const id = "KHSTSSESSIONKEY00001"
	if _, err := ic.UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(id), Status: iamtypes.StatusTypeInactive}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("UpdateAccessKey of the sealing key's record: %v", err)
	}
	if _, err := ic.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(id)}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("DeleteAccessKey of the sealing key's record: %v", err)
	}
	if _, err := ic.GetAccessKeyLastUsed(ctx(), &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)}); apiCode(err) != "NoSuchEntity" && apiCode(err) != "AccessDenied" {
		t.Errorf("GetAccessKeyLastUsed of the sealing key's record: %v", err)
	}
	// The root has one key (from dev init): one more fits in AWS's quota of two.
	if _, err := ic.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{}); err != nil {
		t.Errorf("the root's second access key: %v", err)
	}
	if arn, code := tn.whoAmI(session); code != "" {
		t.Fatalf("the session after the attempts: %s %s", arn, code)
	}
}
