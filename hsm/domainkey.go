package hsm

import (
	"crypto/rsa"
	"fmt"
	"math/big"
	"slices"

	"github.com/miekg/pkcs11"
)

// maxWrapped bounds a wrapped domain key: one RSA-3072 block is 384 bytes; RSA-8192 is 1024.
const maxWrapped = 1024

// domainKeyTemplate is the template of a domain key, generated or unwrapped (withSize is false
// for an unwrap, where the length comes from the wrapped bytes).
func domainKeyTemplate(label string, withSize bool) []*pkcs11.Attribute {
	return aesKeyTemplate(label, true, withSize)
}

// domainKeyUnwrapTemplate is the identity key's CKA_UNWRAP_TEMPLATE: every attribute of
// domainKeyTemplate but the label. Without it, anyone holding the user PIN could unwrap a wrapped
// copy of a domain key (the domain record holds them, for every member) as a non-sensitive or
// freely extractable key and read it out. With it, a token that enforces unwrap templates
// refuses any unwrap whose template differs (SoftHSM2 2.6.1 answers CKR_TEMPLATE_INCONSISTENT;
// HSM-NOTES.md), so a domain key lands only as sensitive, wrappable only to a trusted key, and
// usable only to encrypt and decrypt.
func domainKeyUnwrapTemplate() []*pkcs11.Attribute {
	return slices.DeleteFunc(domainKeyTemplate("", false), func(a *pkcs11.Attribute) bool { return a.Type == pkcs11.CKA_LABEL })
}

// aesKeyTemplate is the template of a persistent AES-256 key: sensitive (its value is never
// readable) and usable only to encrypt and decrypt. A wrappable key is extractable, but only
// through a wrap with a key the security officer marked trusted, so the token itself enforces
// that a domain key moves only to an admitted member; any other key never leaves the token.
func aesKeyTemplate(label string, wrappable, withSize bool) []*pkcs11.Attribute {
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, wrappable),
		pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, true),
		pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, true),
		// Least privilege: these keys only seal and open data.
		pkcs11.NewAttribute(pkcs11.CKA_WRAP, false),
		pkcs11.NewAttribute(pkcs11.CKA_UNWRAP, false),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, false),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, false),
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, false),
	}
	if wrappable {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_WRAP_WITH_TRUSTED, true))
	}
	if withSize {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, aesKeyBytes))
	}
	return tmpl
}

// GenerateDomainKey creates a persistent AES-256 domain key labelled label. Unlike GenerateAESKey's
// keys it can leave the token, but only wrapped (CKA_SENSITIVE) and only to a key the security
// officer trusted (CKA_WRAP_WITH_TRUSTED; see TrustWrappingKey). ErrKeyExists if an AES key with
// that label exists already.
func (t *Token) GenerateDomainKey(label string) (*AESKey, error) {
	return t.generateAESKey(label, domainKeyTemplate(label, true), "domain key")
}

// WrapDomainKey wraps the domain key labelled dkLabel with the trusted public key labelled
// trustedLabel (RSA-OAEP inside the token) and returns the wrapped bytes, which only the holder of
// the matching identity private key can unwrap. A wrapping key that is not trusted gives
// ErrKeyNotWrappable; so does a key made by GenerateAESKey, which is not extractable at all.
func (t *Token) WrapDomainKey(dkLabel, trustedLabel string) ([]byte, error) {
	if err := checkKeyLabel("wrap", dkLabel); err != nil {
		return nil, err
	}
	if err := checkKeyLabel("wrap", trustedLabel); err != nil {
		return nil, err
	}
	gen := t.mod.gen.Load()
	dk, err := t.findKey(dkLabel)
	if err != nil {
		return nil, err
	}
	wk, err := t.findOne(pkcs11.CKO_PUBLIC_KEY, pkcs11.CKK_RSA, trustedLabel)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = t.withSession("wrap", func(sh pkcs11.SessionHandle) error {
		if err := t.checkGen("wrap", gen); err != nil {
			return err
		}
		var err error
		out, err = t.mod.ctx.WrapKey(sh, oaepMech(), wk, dk)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UnwrapDomainKey unwraps wrapped, made by WrapDomainKey on another token for this token's
// identity key labelled identityLabel, into a persistent domain key labelled dkLabel with the
// same protections GenerateDomainKey gives. ErrKeyExists if dkLabel exists already; ErrDecrypt if
// wrapped was not made for this identity key or was altered.
func (t *Token) UnwrapDomainKey(identityLabel, dkLabel string, wrapped []byte) (*AESKey, error) {
	if err := checkKeyLabel("unwrap", dkLabel); err != nil {
		return nil, err
	}
	if len(wrapped) == 0 || len(wrapped) > maxWrapped {
		return nil, &OpError{Op: "unwrap", Err: ErrDecrypt}
	}
	t.genMu.Lock()
	defer t.genMu.Unlock()
	if hs, err := t.findKeys(dkLabel); err != nil {
		return nil, err
	} else if len(hs) > 0 {
		return nil, &OpError{Op: fmt.Sprintf("unwrap %q", dkLabel), Err: ErrKeyExists}
	}
	gen := t.mod.gen.Load()
	ik, err := t.findOne(pkcs11.CKO_PRIVATE_KEY, pkcs11.CKK_RSA, identityLabel)
	if err != nil {
		return nil, err
	}
	var h pkcs11.ObjectHandle
	err = t.withSession("unwrap", func(sh pkcs11.SessionHandle) error {
		if err := t.checkGen("unwrap", gen); err != nil {
			return err
		}
		var err error
		h, err = t.mod.ctx.UnwrapKey(sh, oaepMech(), ik, wrapped, domainKeyTemplate(dkLabel, false))
		if code, ok := ckrCode(err); ok && !sessionBroken[code] && !decryptKeeps[code] {
			// Any refusal of the wrapped bytes themselves looks the same.
			return &OpError{Op: "unwrap", Code: code, Err: ErrDecrypt}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	k := &AESKey{t: t, label: dkLabel}
	k.store(h, gen)
	t.log.Info("hsm: domain key unwrapped", "token", t.label, "key", dkLabel)
	return k, nil
}

// HasTrustedKey reports whether an RSA public key labelled label exists on the token (as
// TrustWrappingKey makes them).
func (t *Token) HasTrustedKey(label string) (bool, error) {
	if err := checkKeyLabel("find", label); err != nil {
		return false, err
	}
	hs, err := t.findObjects("find", pkcs11.CKO_PUBLIC_KEY, pkcs11.CKK_RSA, label)
	return len(hs) > 0, err
}

// TrustWrappingKey imports pub as a trusted wrapping key labelled label: a token public-key
// object with CKA_TRUSTED and CKA_WRAP, created in a security-officer session because only the SO
// may set CKA_TRUSTED (and only at creation: the attribute is read-only afterwards). This is the
// HSM half of admitting a member: from then on WrapDomainKey accepts the label.
//
// The SO PIN is read from Options.SOPINSource or $KEYHOLD_HSM_SO_PIN for this call only
// (ErrNoSOPIN when neither is set). PKCS#11 allows one login type per token and application, so
// the call waits for every operation of the Token to finish, logs the user out, logs the SO in,
// creates the object, and logs the user back in; operations of other Tokens of this process on
// the same token (rare: tests) may fail during that window. ErrKeyExists if label exists.
func (t *Token) TrustWrappingKey(label string, pub *rsa.PublicKey) error {
	if err := checkKeyLabel("trust", label); err != nil {
		return err
	}
	if pub == nil || pub.N == nil || pub.N.BitLen() < 2048 || pub.E < 3 {
		return &OpError{Op: "trust", Err: fmt.Errorf("%w: an RSA public key of at least 2048 bits is required", ErrInvalidArgument)}
	}
	if ok, err := t.HasTrustedKey(label); err != nil {
		return err
	} else if ok {
		return &OpError{Op: fmt.Sprintf("trust %q", label), Err: ErrKeyExists}
	}
	so, err := t.soPIN()
	if err != nil {
		return err
	}
	defer clear(so)
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_MODULUS, pub.N.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, big.NewInt(int64(pub.E)).Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_TRUSTED, true),
		pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
		pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, false),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, false),
	}
	err = t.withSOSession(so, func(sh pkcs11.SessionHandle) error {
		_, err := t.mod.ctx.CreateObject(sh, tmpl)
		return err
	})
	if err == nil {
		t.log.Info("hsm: trusted wrapping key imported", "token", t.label, "key", label)
	}
	return err
}
