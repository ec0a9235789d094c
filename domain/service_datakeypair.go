package domain

import (
	"context"

	"github.com/keyhold/keyhold/wrap"
)

// DataKeyPair is GenerateDataKeyPair's result. PrivateKey is the PKCS#8 DER private key in
// plaintext (nil for GenerateDataKeyPairWithoutPlaintext); the caller owns it and should clear
// it once sent. PrivateKeyBlob is that same PKCS#8, sealed under the CMK like any Encrypt
// result, so Decrypt gives it back.
type DataKeyPair struct {
	KeyID          wrap.KeyID
	PrivateKey     []byte
	PrivateKeyBlob []byte
	PublicKey      []byte // DER SubjectPublicKeyInfo
}

// GenerateDataKeyPair makes a fresh key pair of KeyPairSpec pairSpec and seals its private key
// under the symmetric encryption key ref names, binding ec. keyhold keeps neither half.
func (s *Service) GenerateDataKeyPair(ctx context.Context, ref, pairSpec string, ec map[string]string, withPlaintext bool) (DataKeyPair, error) {
	ctx = withAccess(ctx, keyAccess{action: dataKeyPairAction(withPlaintext), ec: ec, encryptionAlg: AlgorithmSymmetric, keyPairSpec: pairSpec})
	if pairSpec == "" {
		return DataKeyPair{}, errorf(ErrValidation, "1 validation error detected: Value null at 'keyPairSpec' failed to satisfy constraint: Member must not be null")
	}
	alg, ok := dataKeyPairSpecs[pairSpec]
	if !ok {
		return DataKeyPair{}, validationf("keyPairSpec", pairSpec, "Member must satisfy enum value set: [RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, SM2]")
	}
	ks, err := s.dataKeyCMK(ctx, ref)
	if err != nil {
		return DataKeyPair{}, err
	}
	if err := checkContext(ec); err != nil {
		return DataKeyPair{}, err
	}
	// Software generation from crypto/rand, as for data keys: the pair is the caller's, and
	// an HSM round trip would add nothing to its strength (see wrap.GeneratePrivateKey).
	pk, err := wrap.GeneratePrivateKey(alg)
	if err != nil {
		return DataKeyPair{}, dependencyError("generating the data key pair", err)
	}
	defer pk.Destroy()
	der := pk.PKCS8()
	blob, err := s.seal(ctx, ks, der, ec)
	if err != nil {
		clear(der)
		return DataKeyPair{}, err
	}
	out := DataKeyPair{KeyID: ks.id, PrivateKeyBlob: blob, PublicKey: pk.PublicKeyDER()}
	if withPlaintext {
		out.PrivateKey = der
	} else {
		clear(der)
	}
	return out, nil
}

// dataKeyCMK resolves the CMK of a data key operation: a usable symmetric encryption key. An
// asymmetric or HMAC key is UnsupportedOperation (data keys need a symmetric key), a key of
// another usage InvalidKeyUsage.
func (s *Service) dataKeyCMK(ctx context.Context, ref string) (keySnapshot, error) {
	ks, err := s.usableRef(ctx, ref)
	if err != nil {
		return keySnapshot{}, err
	}
	if ks.usage != KeyUsageEncryptDecrypt {
		return keySnapshot{}, errorf(ErrInvalidKeyUsage, "%s key usage is %s which is not valid for generating data keys.", s.KeyARN(ks.id), ks.usage)
	}
	if ks.spec != KeySpecSymmetricDefault {
		return keySnapshot{}, errorf(ErrUnsupported, "%s is an asymmetric key (%s): data keys are generated under symmetric encryption keys only.", s.KeyARN(ks.id), ks.spec)
	}
	return ks, nil
}

func dataKeyPairAction(withPlaintext bool) string {
	if withPlaintext {
		return "kms:GenerateDataKeyPair"
	}
	return "kms:GenerateDataKeyPairWithoutPlaintext"
}
