package hsm

import (
	"crypto/rsa"
	"fmt"
	"math/big"

	"github.com/miekg/pkcs11"
)

// Identity keys and the domain-key wrap.
//
// Why RSA-3072 with CKM_RSA_PKCS_OAEP, not EC + CKM_ECDH1_DERIVE + CKM_AES_KEY_WRAP_PAD: domain
// keys carry CKA_WRAP_WITH_TRUSTED, so the token wraps them only with a key whose CKA_TRUSTED is
// true, and only the security officer may set CKA_TRUSTED, when creating the object. With RSA the
// SO marks the admitted member's public key trusted once, at admission, and every later wrap is
// one C_WrapKey with that object. With ECDH the wrapping key is an AES key derived afresh for each
// wrap in a user session, which can never be trusted, so the token's rule could not be used.
// RSA-3072 gives ~128-bit security, matching AES-256-GCM's margin in practice. OAEP runs with
// SHA-1 and MGF1-SHA-1 because SoftHSM2 2.6.1 refuses other OAEP hashes (HSM-NOTES.md); OAEP's
// security rests on the hash as a random oracle, not on its collision resistance, so SHA-1 OAEP
// remains sound where SHA-1 signatures are not.
const (
	identityBits     = 3072
	identityExponent = 65537
)

// oaepMech is the wrap mechanism for domain keys.
func oaepMech() []*pkcs11.Mechanism {
	return []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_OAEP,
		pkcs11.NewOAEPParams(pkcs11.CKM_SHA_1, pkcs11.CKG_MGF1_SHA1, pkcs11.CKZ_DATA_SPECIFIED, nil))}
}

// GenerateIdentityKey creates the token's identity key pair labelled label: an RSA-3072 private
// key that never leaves the token (CKA_SENSITIVE, not CKA_EXTRACTABLE) and may only unwrap, and
// its public half as a token object. It returns the public key, which other HSMs of the domain
// import as a trusted wrapping key when a ceremony admits this one. ErrKeyExists if a key pair
// with that label exists already. Generation takes about half a second on SoftHSM2.
func (t *Token) GenerateIdentityKey(label string) (*rsa.PublicKey, error) {
	if err := checkKeyLabel("generate_identity", label); err != nil {
		return nil, err
	}
	t.genMu.Lock()
	defer t.genMu.Unlock()
	hs, err := t.findObjects("find", pkcs11.CKO_PRIVATE_KEY, pkcs11.CKK_RSA, label)
	if err != nil {
		return nil, err
	}
	if len(hs) > 0 {
		return nil, &OpError{Op: fmt.Sprintf("generate_identity %q", label), Err: ErrKeyExists}
	}
	pubTmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_MODULUS_BITS, identityBits),
		pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, big.NewInt(identityExponent).Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_WRAP, false),
		pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, false),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, false),
	}
	privTmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		// Least privilege: the identity key exists to receive domain keys, nothing else.
		pkcs11.NewAttribute(pkcs11.CKA_UNWRAP, true),
		pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, false),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, false),
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, false),
		// Read-only, so that a user session cannot take the unwrap template away again.
		pkcs11.NewAttribute(pkcs11.CKA_MODIFIABLE, false),
	}
	err = t.withSession("generate_identity", func(sh pkcs11.SessionHandle) error {
		return t.generateKeyPairWithUnwrapTemplate(sh, pubTmpl, privTmpl, domainKeyUnwrapTemplate())
	})
	if err != nil {
		return nil, err
	}
	t.log.Info("hsm: identity key generated", "token", t.label, "key", label)
	return t.IdentityPublicKey(label)
}

// IdentityKeyGuarded reports whether the identity private key labelled label carries an unwrap
// template (GenerateIdentityKey gives it one since keyhold enforced them). An unguarded identity
// key lets whoever has the user PIN unwrap the domain key copies wrapped to it as readable keys.
func (t *Token) IdentityKeyGuarded(label string) (bool, error) {
	if err := checkKeyLabel("find", label); err != nil {
		return false, err
	}
	gen := t.mod.gen.Load()
	h, err := t.findOne(pkcs11.CKO_PRIVATE_KEY, pkcs11.CKK_RSA, label)
	if err != nil {
		return false, err
	}
	var guarded bool
	err = t.withSession("get_attributes", func(sh pkcs11.SessionHandle) error {
		if err := t.checkGen("get_attributes", gen); err != nil {
			return err
		}
		_, ok, err := t.attributeLen(sh, h, pkcs11.CKA_UNWRAP_TEMPLATE)
		guarded = ok
		return err
	})
	return guarded, err
}

// IdentityPublicKey returns the public half of the identity key pair labelled label;
// ErrKeyNotFound if there is none.
func (t *Token) IdentityPublicKey(label string) (*rsa.PublicKey, error) {
	if err := checkKeyLabel("find", label); err != nil {
		return nil, err
	}
	return t.readRSAPublic(label)
}

// readRSAPublic reads the modulus and exponent of the one RSA public key labelled label.
func (t *Token) readRSAPublic(label string) (*rsa.PublicKey, error) {
	gen := t.mod.gen.Load()
	h, err := t.findOne(pkcs11.CKO_PUBLIC_KEY, pkcs11.CKK_RSA, label)
	if err != nil {
		return nil, err
	}
	var pub *rsa.PublicKey
	err = t.withSession("get_attributes", func(sh pkcs11.SessionHandle) error {
		if err := t.checkGen("get_attributes", gen); err != nil {
			return err
		}
		attrs, err := t.mod.ctx.GetAttributeValue(sh, h, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS, nil),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, nil),
		})
		if err != nil {
			return err
		}
		n := new(big.Int).SetBytes(attrs[0].Value)
		e := new(big.Int).SetBytes(attrs[1].Value)
		if n.BitLen() < 2048 || !e.IsInt64() || e.Int64() > 1<<31-1 || e.Int64() < 3 {
			return &OpError{Op: "get_attributes", Err: ErrDevice}
		}
		pub = &rsa.PublicKey{N: n, E: int(e.Int64())}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pub, nil
}

// findOne returns the handle of the one token object of class and key type labelled label.
func (t *Token) findOne(class, keyType uint, label string) (pkcs11.ObjectHandle, error) {
	hs, err := t.findObjects("find", class, keyType, label)
	if err != nil {
		return 0, err
	}
	switch len(hs) {
	case 0:
		return 0, &OpError{Op: fmt.Sprintf("find %q", label), Err: ErrKeyNotFound}
	case 1:
		return hs[0], nil
	}
	return 0, &OpError{Op: fmt.Sprintf("find %q", label), Err: ErrAmbiguous}
}

// findObjects returns up to two handles of token objects of class and key type labelled label.
func (t *Token) findObjects(op string, class, keyType uint, label string) ([]pkcs11.ObjectHandle, error) {
	template := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, keyType),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
	var handles []pkcs11.ObjectHandle
	err := t.withSession(op, func(sh pkcs11.SessionHandle) error {
		hs, err := t.find(sh, template, 2)
		if err != nil {
			return err
		}
		handles = hs
		return nil
	})
	return handles, err
}
