package domain

import (
	"bytes"
	"testing"

	"github.com/keyhold/keyhold/domain/ceremony"
	"github.com/keyhold/keyhold/domain/iam"
)

// TestIAMUserKeySurvivesDomainKeyRotation: an IAM user's access key is re-wrapped under the
// new domain key like every sealed secret, and authenticates with the same secret afterwards
// (from the HSM, not from the credential cache).
func TestIAMUserKeySurvivesDomainKeyRotation(t *testing.T) {
	e := newCeremonyEnv(t, 1, 1, ceremony.QuorumRules{})
	ctx := rootOf(testARNs.Account)
	if _, err := e.svc.IAMCreateUser(ctx, iam.CreateUserInput{Name: "app1"}); err != nil {
		t.Fatal(err)
	}
	k, secret, err := e.svc.CreateAccessKey(ctx, "app1")
	if err != nil {
		t.Fatal(err)
	}
	e.submit(t, e.propose(ceremony.KindRotateDK), 0)
	if err := e.svc.RunCeremonies(bg); err != nil {
		t.Fatal(err)
	}
	for done := false; !done; {
		if done, err = e.svc.RewrapStep(bg, 10); err != nil {
			t.Fatal(err)
		}
	}
	e.st.View(func(v *View) {
		if p := v.Principal(k.AccessKeyID); p == nil || p.DKVersion != 2 || p.User != "app1" {
			t.Fatalf("the user's key after re-wrap: %+v", p)
		}
	})
	e.svc.creds.drop(k.AccessKeyID)
	got, who, err := e.svc.Authenticate(bg, k.AccessKeyID, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, secret) || who.Principal.ARN != "arn:aws:iam::"+testARNs.Account+":user/app1" {
		t.Fatalf("after rotation: secret equal %v, caller %s", bytes.Equal(got, secret), who.Principal.ARN)
	}
}
