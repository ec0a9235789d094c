package domain

import (
	"context"

	"github.com/keyhold/keyhold/wrap"
)

// Encrypt seals plaintext under the current version of the key ref names. It returns the
// ciphertext blob and the key's id.
func (s *Service) Encrypt(ctx context.Context, ref string, plaintext []byte, ec map[string]string) ([]byte, wrap.KeyID, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:Encrypt", ec: ec, encryptionAlg: AlgorithmSymmetric})
	if err := checkLen("plaintext", len(plaintext), 1, MaxPlaintext); err != nil {
		return nil, wrap.KeyID{}, err
	}
	ks, err := s.usableKey(ctx, ref)
	if err != nil {
		return nil, wrap.KeyID{}, err
	}
	blob, err := s.seal(ctx, ks, plaintext, ec)
	return blob, ks.id, err
}

// usableKey resolves ref to a key that a symmetric encryption operation may use now.
func (s *Service) usableKey(ctx context.Context, ref string) (keySnapshot, error) {
	ks, err := s.usableRef(ctx, ref)
	if err != nil {
		return ks, err
	}
	return ks, s.usable(ks)
}

// usableRef resolves ref (aliases allowed) to a key that exists and whose state allows use,
// whatever its usage: the start of every cryptographic operation.
func (s *Service) usableRef(ctx context.Context, ref string) (keySnapshot, error) {
	id, err := s.resolve(ctx, ref, true)
	if err != nil {
		return keySnapshot{}, err
	}
	ks, ok := s.snapshotKey(ctx, id, false)
	if !ok {
		return keySnapshot{}, errorf(ErrNotFound, "Key '%s' does not exist", s.KeyARN(id))
	}
	return ks, s.usableState(ks)
}

func (s *Service) seal(ctx context.Context, ks keySnapshot, plaintext []byte, ec map[string]string) ([]byte, error) {
	if err := checkContext(ec); err != nil {
		return nil, err
	}
	var blob []byte
	err := s.withBackingKey(ctx, ks.id, ks.current, func(bk *wrap.BackingKey) error {
		var err error
		blob, err = wrap.Seal(bk, ks.id, ks.current.Version, plaintext, ec)
		return err
	})
	if err != nil {
		return nil, asDomainError("encrypting", err)
	}
	return blob, nil
}

// Decrypt opens a ciphertext blob. ref is optional: the key comes from the blob; when given, it
// must name the same key or the call fails with IncorrectKey. Every failure to authenticate
// the blob, including an unknown key or version, is the same InvalidCiphertext error.
func (s *Service) Decrypt(ctx context.Context, ref string, blob []byte, ec map[string]string) ([]byte, wrap.KeyID, error) {
	return s.decrypt(withAccess(ctx, keyAccess{action: "kms:Decrypt", ec: ec, encryptionAlg: AlgorithmSymmetric}), ref, blob, ec)
}

// decrypt is Decrypt for the access ctx states (kms:Decrypt, or ReEncrypt's kms:ReEncryptFrom).
func (s *Service) decrypt(ctx context.Context, ref string, blob []byte, ec map[string]string) ([]byte, wrap.KeyID, error) {
	if err := checkLen("ciphertextBlob", len(blob), 1, MaxCiphertextBlob); err != nil {
		return nil, wrap.KeyID{}, err
	}
	if err := checkContext(ec); err != nil {
		return nil, wrap.KeyID{}, err
	}
	b, err := wrap.ParseBlob(blob)
	if err != nil {
		return nil, wrap.KeyID{}, invalidCiphertext()
	}
	if ref != "" {
		want, err := s.resolve(ctx, ref, true)
		if err != nil {
			return nil, wrap.KeyID{}, err
		}
		if want != b.KeyID {
			return nil, wrap.KeyID{}, errorf(ErrIncorrectKey, "The key ID in the request does not identify a KMS key that can perform this operation.")
		}
	}
	ks, ok := s.snapshotKey(ctx, b.KeyID, true)
	if !ok {
		return nil, wrap.KeyID{}, invalidCiphertext()
	}
	if ref == "" {
		// The key came from the ciphertext: authorize on it (with a KeyId, resolve did).
		if err := s.authorizeKey(ctx, b.KeyID, ""); err != nil {
			if !s.inCallerAccount(ctx, b.KeyID) {
				// Another account's key that is not shared with the caller is as unknown to
				// it as a key that does not exist.
				return nil, wrap.KeyID{}, invalidCiphertext()
			}
			return nil, wrap.KeyID{}, err
		}
	}
	if err := s.usable(ks); err != nil {
		return nil, wrap.KeyID{}, err
	}
	ver, ok := versionOf(ks.versions, b.KeyVersion)
	if !ok {
		return nil, wrap.KeyID{}, invalidCiphertext()
	}
	var pt []byte
	err = s.withBackingKey(ctx, ks.id, ver, func(bk *wrap.BackingKey) error {
		var err error
		pt, err = wrap.Open(bk, b, ec)
		return err
	})
	if err != nil {
		return nil, wrap.KeyID{}, asDomainError("decrypting", err)
	}
	return pt, ks.id, nil
}

func versionOf(vs []KeyVersion, v uint32) (KeyVersion, bool) {
	if v >= 1 && int(v) <= len(vs) && vs[v-1].Version == v {
		return vs[v-1], true
	}
	return KeyVersion{}, false
}

// ReEncryptOutput is ReEncrypt's result.
type ReEncryptOutput struct {
	Blob        []byte
	SourceKeyID wrap.KeyID
	DestKeyID   wrap.KeyID
}

// ReEncrypt decrypts blob and encrypts the plaintext under dstRef without returning it.
func (s *Service) ReEncrypt(ctx context.Context, srcRef string, blob []byte, srcEC map[string]string, dstRef string, dstEC map[string]string) (ReEncryptOutput, error) {
	if dstRef == "" {
		return ReEncryptOutput{}, errorf(ErrValidation, "1 validation error detected: Value null at 'destinationKeyId' failed to satisfy constraint: Member must not be null")
	}
	dst, err := s.usableKey(withAccess(ctx, keyAccess{action: "kms:ReEncryptTo", ec: dstEC, encryptionAlg: AlgorithmSymmetric}), dstRef)
	if err != nil {
		return ReEncryptOutput{}, err
	}
	pt, src, err := s.decrypt(withAccess(ctx, keyAccess{action: "kms:ReEncryptFrom", ec: srcEC, encryptionAlg: AlgorithmSymmetric}), srcRef, blob, srcEC)
	if err != nil {
		return ReEncryptOutput{}, err
	}
	defer clear(pt)
	out, err := s.seal(ctx, dst, pt, dstEC)
	if err != nil {
		return ReEncryptOutput{}, err
	}
	return ReEncryptOutput{Blob: out, SourceKeyID: src, DestKeyID: dst.id}, nil
}

// GenerateDataKey returns a fresh random data key, in plaintext and sealed under the key ref
// names. n is the key length in bytes. The caller owns the plaintext and should clear it once it
// has been sent.
func (s *Service) GenerateDataKey(ctx context.Context, ref string, n int, ec map[string]string) (plaintext, blob []byte, id wrap.KeyID, err error) {
	ctx = withAccess(ctx, keyAccess{action: actionFrom(ctx, "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"), ec: ec, encryptionAlg: AlgorithmSymmetric})
	if err := checkRange("numberOfBytes", n, 1, MaxDataKeyBytes); err != nil {
		return nil, nil, wrap.KeyID{}, err
	}
	ks, err := s.dataKeyCMK(ctx, ref)
	if err != nil {
		return nil, nil, wrap.KeyID{}, err
	}
	// Data keys come from the process CSPRNG rather than the HSM: this is the hot path, and a
	// PKCS#11 round trip per data key would serialise every caller on the token.
	dek, err := randomBytes(n)
	if err != nil {
		return nil, nil, wrap.KeyID{}, dependencyError("generating the data key", err)
	}
	blob, err = s.seal(ctx, ks, dek, ec)
	if err != nil {
		clear(dek)
		return nil, nil, wrap.KeyID{}, err
	}
	return dek, blob, ks.id, nil
}

// GenerateRandom returns n random bytes from the HSM (or the configured source).
func (s *Service) GenerateRandom(ctx context.Context, n int) ([]byte, error) {
	if err := s.authorizeAccount(ctx, "kms:GenerateRandom", nil); err != nil {
		return nil, err
	}
	if err := checkRange("numberOfBytes", n, 1, MaxDataKeyBytes); err != nil {
		return nil, err
	}
	return s.random(ctx, n)
}

// EnsureContext is exposed so that callers outside the service can apply the same encryption
// context rules before they do their own work.
func EnsureContext(ec map[string]string) error { return checkContext(ec) }

// asDomainError turns an error from the cache, the HSM or wrap into a domain error.
func asDomainError(op string, err error) error {
	if de, ok := err.(*Error); ok {
		return de
	}
	if isInvalidCiphertext(err) {
		return invalidCiphertext()
	}
	return dependencyError(op, err)
}
