package hsm

import (
	"errors"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"
)

// TestMissingMechanismsMessage: a token shaped like opencryptoki's software token (HSM-NOTES.md:
// no AES-GCM) with, besides, an RSA-OAEP that cannot wrap and RSA keys capped at 2048 bits gets
// one message naming each shortfall.
func TestMissingMechanismsMessage(t *testing.T) {
	have := map[uint]pkcs11.MechanismInfo{
		pkcs11.CKM_AES_KEY_GEN:           {MinKeySize: 16, MaxKeySize: 32, Flags: pkcs11.CKF_GENERATE},
		pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN: {MinKeySize: 512, MaxKeySize: 2048, Flags: pkcs11.CKF_GENERATE_KEY_PAIR},
		pkcs11.CKM_RSA_PKCS_OAEP:         {MinKeySize: 512, MaxKeySize: 4096, Flags: pkcs11.CKF_ENCRYPT | pkcs11.CKF_DECRYPT},
	}
	missing := MissingMechanisms(have)
	want := []string{
		"mechanism CKM_AES_GCM (encrypt, decrypt) is not offered",
		"mechanism CKM_RSA_PKCS_KEY_PAIR_GEN allows keys up to 2048, keyhold needs 3072",
		"mechanism CKM_RSA_PKCS_OAEP does not allow wrap, unwrap",
	}
	if strings.Join(missing, "|") != strings.Join(want, "|") {
		t.Fatalf("MissingMechanisms:\n got %q\nwant %q", missing, want)
	}
	err := CapabilityError("ock-swtok", missing)
	if !errors.Is(err, ErrCapability) {
		t.Fatalf("CapabilityError: %v does not wrap ErrCapability", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, `hsm: the token lacks what keyhold needs: token "ock-swtok": mechanism CKM_AES_GCM`) || strings.Count(msg, "mechanism ") != 3 {
		t.Fatalf("message: %s", msg)
	}
	if CapabilityError("x", nil) != nil {
		t.Fatal("CapabilityError with nothing missing must be nil")
	}
	// A token that reports no key sizes (0) is not held to them.
	have[pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN] = pkcs11.MechanismInfo{Flags: pkcs11.CKF_GENERATE_KEY_PAIR}
	have[pkcs11.CKM_RSA_PKCS_OAEP] = pkcs11.MechanismInfo{Flags: pkcs11.CKF_WRAP | pkcs11.CKF_UNWRAP}
	have[pkcs11.CKM_AES_GCM] = pkcs11.MechanismInfo{Flags: pkcs11.CKF_ENCRYPT | pkcs11.CKF_DECRYPT}
	if m := MissingMechanisms(have); len(m) != 0 {
		t.Fatalf("complete list: got %q", m)
	}
}

// TestCheckCapabilitiesSoftHSM: SoftHSM2 2.6.1 has everything, by its real mechanism list and by
// the attribute probes on the real token (the SO probe included); the same real list without
// CKM_AES_GCM is refused by name.
func TestCheckCapabilitiesSoftHSM(t *testing.T) {
	tok := newSOTestToken(t)
	if err := tok.CheckCapabilities(); err != nil {
		t.Fatalf("CheckCapabilities on SoftHSM2: %v", err)
	}
	var have map[uint]pkcs11.MechanismInfo
	err := tok.withSession("test", func(pkcs11.SessionHandle) error {
		var err error
		have, err = tok.mechanismInfos()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := MissingMechanisms(have); len(m) != 0 {
		t.Fatalf("SoftHSM2's real mechanism list: %q", m)
	}
	delete(have, pkcs11.CKM_AES_GCM)
	if m := MissingMechanisms(have); len(m) != 1 || !strings.Contains(m[0], "CKM_AES_GCM") {
		t.Fatalf("without AES-GCM: %q", m)
	}
	// The probes leave nothing behind on the token.
	for _, class := range []uint{pkcs11.CKO_SECRET_KEY, pkcs11.CKO_PUBLIC_KEY} {
		err := tok.withSession("test", func(sh pkcs11.SessionHandle) error {
			hs, err := tok.find(sh, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, class)}, 10)
			if err == nil && len(hs) != 0 {
				t.Errorf("class %d: %d objects left", class, len(hs))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
