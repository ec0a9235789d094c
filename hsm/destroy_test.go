package hsm

import (
	"errors"
	"slices"
	"testing"

	"github.com/miekg/pkcs11"
)

func TestDestroyRemovesRetiredKeysAndTrust(t *testing.T) {
	a := newSOTestToken(t)
	b := newSOTestToken(t)
	if _, err := a.GenerateDomainKey("dk-v1"); err != nil {
		t.Fatal(err)
	}
	pubB, err := b.GenerateIdentityKey("identity")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.TrustWrappingKey("member-b", pubB); err != nil {
		t.Fatal(err)
	}
	labels, err := a.TrustedKeyLabels()
	if err != nil || !slices.Equal(labels, []string{"member-b"}) {
		t.Fatalf("TrustedKeyLabels: got %q, %v", labels, err)
	}

	// The user session destroys the SO's trusted object: no SO PIN is needed to revoke trust.
	a.soSource = ""
	t.Setenv(EnvSOPIN, "")
	if n, err := a.DestroyTrustedKey("member-b"); err != nil || n != 1 {
		t.Fatalf("DestroyTrustedKey: got %d, %v", n, err)
	}
	if _, err := a.WrapDomainKey("dk-v1", "member-b"); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("wrap to the destroyed trusted key: got %v, want ErrKeyNotFound", err)
	}
	if n, err := a.DestroyAESKey("dk-v1"); err != nil || n != 1 {
		t.Fatalf("DestroyAESKey: got %d, %v", n, err)
	}
	// Gone from the token, as a fresh search sees it.
	for _, q := range []struct {
		class, typ uint
		label      string
	}{{pkcs11.CKO_SECRET_KEY, pkcs11.CKK_AES, "dk-v1"}, {pkcs11.CKO_PUBLIC_KEY, pkcs11.CKK_RSA, "member-b"}} {
		if hs, err := a.findObjects("find", q.class, q.typ, q.label); err != nil || len(hs) != 0 {
			t.Fatalf("%s after destroy: %d objects, %v", q.label, len(hs), err)
		}
	}
	if n, err := a.DestroyAESKey("dk-v1"); err != nil || n != 0 {
		t.Fatalf("second DestroyAESKey: got %d, %v; want 0, nil", n, err)
	}
}
