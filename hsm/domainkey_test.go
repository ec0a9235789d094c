package hsm

import (
	"bytes"
	"errors"
	"testing"
)

// newSOTestToken is newTestToken with the SO PIN available to TrustWrappingKey.
func newSOTestToken(t *testing.T) *Token {
	t.Helper()
	tok, st := newTestToken(t, Options{Sessions: 2})
	tok.soSource = writeTestPIN(t, st.SOPIN)
	return tok
}

func writeTestPIN(t *testing.T, pin string) string {
	t.Helper()
	path := t.TempDir() + "/so-pin"
	if err := writeFile(path, pin+"\n"); err != nil {
		t.Fatal(err)
	}
	return "file:" + path
}

func TestDomainKeyMovesOnlyToTrustedIdentity(t *testing.T) {
	a := newSOTestToken(t)
	b := newSOTestToken(t)

	dk, err := a.GenerateDomainKey("dk-v1")
	if err != nil {
		t.Fatalf("GenerateDomainKey: %v", err)
	}
	ct, err := dk.Encrypt([]byte("hello domain"), []byte("aad"))
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	pubB, err := b.GenerateIdentityKey("identity")
	if err != nil {
		t.Fatalf("GenerateIdentityKey: %v", err)
	}
	if _, err := b.GenerateIdentityKey("identity"); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("second GenerateIdentityKey: got %v, want ErrKeyExists", err)
	}
	again, err := b.IdentityPublicKey("identity")
	if err != nil || !again.Equal(pubB) {
		t.Fatalf("IdentityPublicKey: got %v, %v; want the generated key", again, err)
	}

	// An untrusted copy of B's public key: the token refuses to wrap the domain key with it.
	if err := a.importUntrusted(t, "untrusted-b", pubB); err != nil {
		t.Fatalf("import untrusted: %v", err)
	}
	if _, err := a.WrapDomainKey("dk-v1", "untrusted-b"); !errors.Is(err, ErrKeyNotWrappable) {
		t.Fatalf("wrap to untrusted key: got %v, want ErrKeyNotWrappable", err)
	}

	// Admission: A's SO trusts B's identity key; the wrap now works and B unwraps.
	if err := a.TrustWrappingKey("member-b", pubB); err != nil {
		t.Fatalf("TrustWrappingKey: %v", err)
	}
	if err := a.TrustWrappingKey("member-b", pubB); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("second TrustWrappingKey: got %v, want ErrKeyExists", err)
	}
	// The user login is back: A still encrypts.
	if _, err := dk.Encrypt([]byte("x"), nil); err != nil {
		t.Fatalf("Encrypt after SO session: %v", err)
	}
	wrapped, err := a.WrapDomainKey("dk-v1", "member-b")
	if err != nil {
		t.Fatalf("WrapDomainKey: %v", err)
	}
	dkB, err := b.UnwrapDomainKey("identity", "dk-v1", wrapped)
	if err != nil {
		t.Fatalf("UnwrapDomainKey: %v", err)
	}
	pt, err := dkB.Decrypt(ct, []byte("aad"))
	if err != nil || !bytes.Equal(pt, []byte("hello domain")) {
		t.Fatalf("B decrypts A's ciphertext: got %q, %v; want %q", pt, err, "hello domain")
	}
	if _, err := b.UnwrapDomainKey("identity", "dk-v1", wrapped); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("second unwrap: got %v, want ErrKeyExists", err)
	}
	// B's copy keeps the protections: never readable, not wrappable to an untrusted key.
	for _, k := range []*AESKey{dk, dkB} {
		attrs := keyAttrs(t, k, 0x103 /* CKA_SENSITIVE */, 0x210 /* CKA_WRAP_WITH_TRUSTED */)
		if !attrs[0x103] || !attrs[0x210] {
			t.Errorf("%s attributes: got %v, want sensitive and wrap-with-trusted", k.t.label, attrs)
		}
		if v, err := readKeyValue(k); err == nil {
			t.Errorf("%s: CKA_VALUE readable (%d bytes), want a refusal", k.t.label, len(v))
		}
	}
	// Altered wrapped bytes are refused.
	bad := bytes.Clone(wrapped)
	bad[10] ^= 1
	if _, err := b.UnwrapDomainKey("identity", "dk-v1-bad", bad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("unwrap altered bytes: got %v, want ErrDecrypt", err)
	}
}

func TestAESKeyNeverWrappable(t *testing.T) {
	a := newSOTestToken(t)
	pub, err := a.GenerateIdentityKey("identity")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.TrustWrappingKey("self", pub); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GenerateAESKey("plain"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WrapDomainKey("plain", "self"); !errors.Is(err, ErrKeyNotWrappable) {
		t.Fatalf("wrap a non-extractable key: got %v, want ErrKeyNotWrappable", err)
	}
}

func TestTrustWrappingKeyNeedsSOPIN(t *testing.T) {
	t.Setenv(EnvSOPIN, "")
	a, _ := newTestToken(t, Options{})
	pub, err := a.GenerateIdentityKey("identity")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.TrustWrappingKey("self", pub); !errors.Is(err, ErrNoSOPIN) {
		t.Fatalf("got %v, want ErrNoSOPIN", err)
	}
	a.soSource = writeTestPIN(t, "wrong-pin")
	if err := a.TrustWrappingKey("self", pub); !errors.Is(err, ErrPINIncorrect) {
		t.Fatalf("wrong SO PIN: got %v, want ErrPINIncorrect", err)
	}
	if _, err := a.Random(8); err != nil {
		t.Fatalf("Random after a failed SO login: %v", err)
	}
}
