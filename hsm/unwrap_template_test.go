package hsm

import (
	"bytes"
	"errors"
	"testing"

	"github.com/miekg/pkcs11"
)

// unwrapAs is what an attacker with the user PIN does with a wrapped domain key: C_UnwrapKey it
// with the identity key under a template of their choosing, then try to read CKA_VALUE. It
// returns the value read, or the first error.
func unwrapAs(t *Token, wrapped []byte, tmpl []*pkcs11.Attribute) ([]byte, error) {
	ik, err := t.findOne(pkcs11.CKO_PRIVATE_KEY, pkcs11.CKK_RSA, "identity")
	if err != nil {
		return nil, err
	}
	var value []byte
	err = t.withSession("test_unwrap", func(sh pkcs11.SessionHandle) error {
		h, err := t.mod.ctx.UnwrapKey(sh, oaepMech(), ik, wrapped, tmpl)
		if err != nil {
			return err
		}
		defer func() { _ = t.mod.ctx.DestroyObject(sh, h) }()
		attrs, err := t.mod.ctx.GetAttributeValue(sh, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
		if err != nil {
			return err
		}
		value = attrs[0].Value
		return nil
	})
	return value, err
}

func attrsAES(extra ...*pkcs11.Attribute) []*pkcs11.Attribute {
	return append([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
	}, extra...)
}

// TestUnwrapTemplateKeepsDomainKeySensitive: the identity key's CKA_UNWRAP_TEMPLATE makes the
// token refuse every unwrap of a domain key copy but the one keyhold does.
func TestUnwrapTemplateKeepsDomainKeySensitive(t *testing.T) {
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
	wrapped, err := a.WrapDomainKey("dk-v1", "member-b")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		tmpl []*pkcs11.Attribute
	}{
		{"not sensitive, extractable", attrsAES(
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true))},
		{"no attributes beyond class and type", attrsAES()},
		{"session object, not sensitive", attrsAES(pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false))},
		{"keyhold's template but not sensitive", func() []*pkcs11.Attribute {
			tm := domainKeyTemplate("x", false)
			for i, a := range tm {
				if a.Type == pkcs11.CKA_SENSITIVE {
					tm[i] = pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false)
				}
			}
			return tm
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := unwrapAs(b, wrapped, tc.tmpl)
			if err == nil || len(v) > 0 {
				t.Fatalf("unwrap as %s: read %d bytes of the domain key (err %v)", tc.name, len(v), err)
			}
			code, _ := ckrCode(err)
			t.Logf("unwrap as %s: %s", tc.name, ckrName(code))
		})
	}
	// The template cannot be taken off the identity key.
	ik, err := b.findOne(pkcs11.CKO_PRIVATE_KEY, pkcs11.CKK_RSA, "identity")
	if err != nil {
		t.Fatal(err)
	}
	err = b.withSession("test_set", func(sh pkcs11.SessionHandle) error {
		return b.mod.ctx.SetAttributeValue(sh, ik, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_UNWRAP_TEMPLATE, nil)})
	})
	code, _ := ckrCode(err)
	t.Logf("C_SetAttributeValue(CKA_UNWRAP_TEMPLATE) on the identity key: %v (%s)", err, ckrName(code))
	if err == nil {
		t.Fatal("the identity key's unwrap template could be changed")
	}
	// keyhold's own unwrap still works, and the key is the same.
	dk, err := b.UnwrapDomainKey("identity", "dk-v1", wrapped)
	if err != nil {
		t.Fatalf("UnwrapDomainKey: %v", err)
	}
	got := keyAttrs(t, dk, pkcs11.CKA_SENSITIVE, pkcs11.CKA_EXTRACTABLE, pkcs11.CKA_WRAP_WITH_TRUSTED)
	if !got[pkcs11.CKA_SENSITIVE] || !got[pkcs11.CKA_WRAP_WITH_TRUSTED] {
		t.Fatalf("unwrapped domain key attributes %v", got)
	}
	dkA, _ := a.FindAESKey("dk-v1")
	ct, err := dkA.Encrypt([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := dk.Decrypt(ct, nil); err != nil || !bytes.Equal(pt, []byte("x")) {
		t.Fatalf("decrypt on B: %v", err)
	}
	if _, err := readKeyValue(dk); err == nil {
		t.Fatal("CKA_VALUE readable")
	} else if !errors.Is(mapErr("x", err), ErrOperation) {
		t.Logf("read value: %v", err)
	}
}

// TestIdentityKeyGuarded tells identity keys with an unwrap template from those made before.
func TestIdentityKeyGuarded(t *testing.T) {
	tok, _ := newTestToken(t, Options{Sessions: 1})
	if _, err := tok.GenerateIdentityKey("identity"); err != nil {
		t.Fatal(err)
	}
	if ok, err := tok.IdentityKeyGuarded("identity"); err != nil || !ok {
		t.Fatalf("IdentityKeyGuarded(new key): got %v, %v; want true", ok, err)
	}
	// An identity key as keyhold made them before: no unwrap template.
	err := tok.withSession("test", func(sh pkcs11.SessionHandle) error {
		_, _, err := tok.mod.ctx.GenerateKeyPair(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN, nil)},
			[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, "legacy"), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
				pkcs11.NewAttribute(pkcs11.CKA_MODULUS_BITS, 2048)},
			[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, "legacy"), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
				pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true), pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
				pkcs11.NewAttribute(pkcs11.CKA_UNWRAP, true)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := tok.IdentityKeyGuarded("legacy"); err != nil || ok {
		t.Fatalf("IdentityKeyGuarded(legacy key): got %v, %v; want false", ok, err)
	}
}
