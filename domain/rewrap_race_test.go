package domain

import (
	"context"
	"errors"
	"testing"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/wrap"
)

// TestWriteSealedBeforeRotationIsRefused: a CreateKey sealed under DK v1 that reaches Apply after
// the rotation to v2 is refused, so nothing lands behind the re-wrap's cursor or keeps a retired
// version in use. (The race was found by TestOperatorCeremonies: a follower sealed under v1, the
// leader had already finished the re-wrap and retired v1.)
func TestWriteSealedBeforeRotationIsRefused(t *testing.T) {
	e := newCeremonyEnv(t, 1, 1, ceremony.QuorumRules{})
	ctx := AsSystem(context.Background())
	id := mustKeyID(t)
	ver, err := e.svc.sealNewMaterial(bg, id, KeySpecSymmetricDefault, e.clk.t)
	if err != nil {
		t.Fatal(err)
	}
	late := encode(cmdCreateKey, createKeyCmd{Key: Key{ID: id, KeySpec: KeySpecSymmetricDefault, KeyUsage: KeyUsageEncryptDecrypt,
		Origin: OriginAWSKMS, State: KeyStateEnabled, CreatedAt: e.clk.t, Versions: []KeyVersion{ver}}})
	e.submit(t, e.propose(ceremony.KindRotateDK), 0)
	if err := e.svc.RunCeremonies(ctx); err != nil {
		t.Fatal(err)
	}
	for done := false; !done; {
		if done, err = e.svc.RewrapStep(ctx, 8); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.st.Apply(late); !errors.Is(err, ErrStaleDomainKey) {
		t.Fatalf("CreateKey sealed under v1 after the rotation: got %v, want ErrStaleDomainKey", err)
	}
	if st := e.svc.RewrapStatus(); !st.Finished || st.Remaining != 0 {
		t.Fatalf("re-wrap after the refused write: %+v, want finished with 0 remaining", st)
	}
	// Through the service, the same race is absorbed: the write is sealed again under v2.
	k, err := e.svc.CreateKey(ctx, CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := k.Current().DKVersion; got != 2 {
		t.Fatalf("new key sealed under DK v%d, want v2", got)
	}
}

// TestProposeSealedRetriesAfterRotation: when a rotation commits between sealing and applying,
// the service seals again under the new version instead of failing the client.
func TestProposeSealedRetriesAfterRotation(t *testing.T) {
	e := newCeremonyEnv(t, 1, 1, ceremony.QuorumRules{})
	ctx := AsSystem(context.Background())
	rotated := false
	attempts := 0
	id := mustKeyID(t)
	err := e.svc.proposeSealed(ctx, func() ([]byte, error) {
		attempts++
		ver, err := e.svc.sealNewMaterial(bg, id, KeySpecSymmetricDefault, e.clk.t)
		if err != nil {
			return nil, err
		}
		if !rotated { // the rotation commits after this attempt sealed under v1
			rotated = true
			e.submit(t, e.propose(ceremony.KindRotateDK), 0)
			if err := e.svc.RunCeremonies(ctx); err != nil {
				return nil, err
			}
		}
		return encode(cmdCreateKey, createKeyCmd{Key: Key{ID: id, KeySpec: KeySpecSymmetricDefault, KeyUsage: KeyUsageEncryptDecrypt,
			Origin: OriginAWSKMS, State: KeyStateEnabled, CreatedAt: e.clk.t, Versions: []KeyVersion{ver}}}), nil
	})
	if err != nil || attempts != 2 {
		t.Fatalf("got err %v after %d attempts, want success on the second", err, attempts)
	}
}

func mustKeyID(t *testing.T) wrap.KeyID {
	t.Helper()
	id, err := wrap.NewKeyID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}
