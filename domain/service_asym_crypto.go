package domain

import (
	"context"
	"crypto"

	"github.com/keyhold/keyhold/wrap"
)

// EncryptAsymmetric encrypts plaintext with RSAES-OAEP (alg RSAES_OAEP_SHA_1 or _SHA_256)
// under the public key of the RSA ENCRYPT_DECRYPT key ref names. AWS's plaintext limits are
// OAEP's: 214/190 bytes for RSA_2048, 342/318 for RSA_3072, 470/446 for RSA_4096. An
// encryption context is refused: RSA encryption cannot bind one, and ignoring it would let a
// caller believe it did.
func (s *Service) EncryptAsymmetric(ctx context.Context, ref, alg string, plaintext []byte, ec map[string]string) ([]byte, wrap.KeyID, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:Encrypt", ec: ec, encryptionAlg: alg})
	ks, h, err := s.rsaEncryptionKey(ctx, ref, alg, "Encrypt")
	if err != nil {
		return nil, wrap.KeyID{}, err
	}
	if len(ec) > 0 {
		return nil, wrap.KeyID{}, errorf(ErrValidation, "EncryptionContext is not supported with asymmetric KMS keys")
	}
	info := keySpecs[ks.spec]
	if err := checkLen("plaintext", len(plaintext), 1, wrap.MaxOAEPPlaintext(info.alg.RSABits(), h)); err != nil {
		return nil, wrap.KeyID{}, err
	}
	pub, err := wrap.ParsePublicKey(info.alg, ks.current.PublicKey)
	if err != nil {
		return nil, wrap.KeyID{}, dependencyError("reading the public key", err)
	}
	ct, err := pub.EncryptOAEP(h, plaintext)
	if err != nil {
		return nil, wrap.KeyID{}, dependencyError("encrypting", err)
	}
	return ct, ks.id, nil
}

// DecryptAsymmetric decrypts an RSAES-OAEP ciphertext with the private key of the RSA
// ENCRYPT_DECRYPT key ref names; ref is required (an RSA ciphertext does not name its key).
// Every failure to decrypt is the one InvalidCiphertext error.
func (s *Service) DecryptAsymmetric(ctx context.Context, ref, alg string, ciphertext []byte, ec map[string]string) ([]byte, wrap.KeyID, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:Decrypt", ec: ec, encryptionAlg: alg})
	if ref == "" {
		return nil, wrap.KeyID{}, errorf(ErrValidation, "KeyId is required to decrypt with encryption algorithm %s", alg)
	}
	ks, h, err := s.rsaEncryptionKey(ctx, ref, alg, "Decrypt")
	if err != nil {
		return nil, wrap.KeyID{}, err
	}
	if len(ec) > 0 {
		return nil, wrap.KeyID{}, errorf(ErrValidation, "EncryptionContext is not supported with asymmetric KMS keys")
	}
	if err := checkLen("ciphertextBlob", len(ciphertext), 1, MaxCiphertextBlob); err != nil {
		return nil, wrap.KeyID{}, err
	}
	if len(ciphertext) != keySpecs[ks.spec].alg.RSABits()/8 {
		return nil, wrap.KeyID{}, invalidCiphertext()
	}
	var pt []byte
	err = s.withPrivateKey(ctx, ks, func(pk *wrap.PrivateKey) error {
		var err error
		pt, err = pk.DecryptOAEP(h, ciphertext)
		return err
	})
	if err != nil {
		return nil, wrap.KeyID{}, asDomainError("decrypting", err)
	}
	return pt, ks.id, nil
}

// rsaEncryptionKey resolves an RSA ENCRYPT_DECRYPT key and the OAEP hash of alg.
func (s *Service) rsaEncryptionKey(ctx context.Context, ref, alg, op string) (keySnapshot, crypto.Hash, error) {
	ks, err := s.keyFor(ctx, ref, KeyUsageEncryptDecrypt, op)
	if err != nil {
		return keySnapshot{}, 0, err
	}
	h, ok := oaepHashes[alg]
	if !ok {
		return keySnapshot{}, 0, validationf("encryptionAlgorithm", alg, "Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]")
	}
	if keySpecs[ks.spec].alg.RSABits() == 0 {
		return keySnapshot{}, 0, errorf(ErrInvalidKeyUsage, "Encryption algorithm %s is not compatible with %s, whose key spec is %s.", alg, s.KeyARN(ks.id), ks.spec)
	}
	return ks, h, nil
}

// DeriveSharedSecret runs ECDH between the private key of the KEY_AGREEMENT key ref names and
// peer, a DER SubjectPublicKeyInfo on the same curve, and returns the raw shared secret (the
// x-coordinate, as AWS does). The caller owns and clears it.
func (s *Service) DeriveSharedSecret(ctx context.Context, ref, alg string, peer []byte) ([]byte, wrap.KeyID, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:DeriveSharedSecret", keyAgreementAlg: alg})
	ks, err := s.keyFor(ctx, ref, KeyUsageKeyAgreement, "DeriveSharedSecret")
	if err != nil {
		return nil, wrap.KeyID{}, err
	}
	if alg != KeyAgreementECDH {
		return nil, wrap.KeyID{}, validationf("keyAgreementAlgorithm", alg, "Member must satisfy enum value set: [ECDH]")
	}
	if err := checkLen("publicKey", len(peer), 1, 8192); err != nil {
		return nil, wrap.KeyID{}, err
	}
	if _, err := wrap.ParsePublicKey(keySpecs[ks.spec].alg, peer); err != nil {
		return nil, wrap.KeyID{}, errorf(ErrValidation, "The PublicKey is not a valid DER-encoded %s public key (SubjectPublicKeyInfo).", ks.spec)
	}
	var z []byte
	err = s.withPrivateKey(ctx, ks, func(pk *wrap.PrivateKey) error {
		var err error
		z, err = pk.ECDH(peer)
		return err
	})
	if err != nil {
		if isInvalidArgument(err) {
			return nil, wrap.KeyID{}, errorf(ErrValidation, "The PublicKey is not a valid %s public key.", ks.spec)
		}
		return nil, wrap.KeyID{}, asDomainError("deriving the shared secret", err)
	}
	return z, ks.id, nil
}
