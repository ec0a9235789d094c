package wrap

import (
	"encoding/binary"
	"fmt"
)

// keyTokenAADPrefix starts the AAD of every key token, so that no other use of a domain key
// can produce a ciphertext that opens as a key token.
const keyTokenAADPrefix = "keyhold key token v1"

// KeyBinding returns the canonical binding of CMK version (id, version) for a key token: the
// 16 id bytes followed by the version as uint32 big-endian.
func KeyBinding(id KeyID, version uint32) []byte {
	b := make([]byte, 0, KeyIDSize+4)
	b = append(b, id[:]...)
	return binary.BigEndian.AppendUint32(b, version)
}

// SealKeyToken seals secret under domain key version dk (whose number is dkVersion), for a
// secret of kind kind that belongs to binding, and returns the token bytes (see the package
// doc for the layout). The HSM call happens inside dk.Encrypt. A KindSymmetric secret must be
// BackingKeySize bytes. The caller keeps ownership of secret.
//
// Errors: ErrInvalidArgument for a bad kind or size; dk's own error, wrapped, when the HSM
// fails.
func SealKeyToken(dk AEAD, dkVersion uint32, kind Kind, binding []byte, secret []byte) ([]byte, error) {
	if dk == nil {
		return nil, fmt.Errorf("%w: nil domain key", ErrInvalidArgument)
	}
	if !kind.Valid() {
		return nil, fmt.Errorf("%w: key token kind %v", ErrInvalidArgument, kind)
	}
	if !secretSizeOK(kind, len(secret)) {
		return nil, fmt.Errorf("%w: %v secret of %d bytes", ErrInvalidArgument, kind, len(secret))
	}
	if len(binding) > MaxKeyTokenBinding {
		return nil, fmt.Errorf("%w: binding longer than %d bytes", ErrInvalidArgument, MaxKeyTokenBinding)
	}
	hdr := keyTokenHeader(kind, dkVersion)
	ct, err := dk.Encrypt(secret, keyTokenAAD(hdr, binding))
	if err != nil {
		return nil, fmt.Errorf("wrap: sealing a %v key token under domain key version %d: %w", kind, dkVersion, err)
	}
	if len(ct) > MaxKeyTokenSize-keyTokenHeaderSize {
		// OpenKeyToken would refuse it; fail now rather than store a token that never opens.
		return nil, fmt.Errorf("wrap: domain key output of %d bytes exceeds the key token limit", len(ct))
	}
	tok := make([]byte, 0, keyTokenHeaderSize+len(ct))
	tok = append(tok, hdr[:]...)
	return append(tok, ct...), nil
}

// OpenKeyToken opens a token sealed by SealKeyToken for the same kind and binding. lookup
// returns the AEAD of a domain key version and errors for an unknown version; it is called
// with the version the token's header names (typically an HSM keyring's method).
//
// Every failure is ErrInvalidKeyToken; when lookup or the HSM failed, that cause is wrapped
// too, so logs can tell an outage from a bad token. The caller owns the returned secret and
// must clear() it.
func OpenKeyToken(lookup func(dkVersion uint32) (AEAD, error), kind Kind, binding []byte, token []byte) ([]byte, error) {
	dkv, err := KeyTokenDomainVersion(token)
	if err != nil {
		return nil, err
	}
	if Kind(token[1]) != kind || len(binding) > MaxKeyTokenBinding || lookup == nil {
		return nil, ErrInvalidKeyToken
	}
	dk, err := lookup(dkv)
	if err != nil {
		return nil, fmt.Errorf("%w: domain key version %d: %w", ErrInvalidKeyToken, dkv, err)
	}
	if dk == nil {
		return nil, fmt.Errorf("%w: domain key version %d not found", ErrInvalidKeyToken, dkv)
	}
	hdr := [keyTokenHeaderSize]byte(token[:keyTokenHeaderSize])
	secret, err := dk.Decrypt(token[keyTokenHeaderSize:], keyTokenAAD(hdr, binding))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKeyToken, err)
	}
	if !secretSizeOK(kind, len(secret)) {
		// Authenticated yet malformed means a bug at sealing time; refuse it anyway.
		clear(secret)
		return nil, ErrInvalidKeyToken
	}
	return secret, nil
}

// KeyTokenDomainVersion returns the domain key version that sealed token, without opening it:
// domain key rotation uses it to find the tokens still to re-wrap. It checks the header only;
// failures are ErrInvalidKeyToken.
func KeyTokenDomainVersion(token []byte) (uint32, error) {
	if len(token) <= keyTokenHeaderSize || len(token) > MaxKeyTokenSize ||
		token[0] != keyTokenVersion || !Kind(token[1]).Valid() {
		return 0, ErrInvalidKeyToken
	}
	return binary.BigEndian.Uint32(token[2:keyTokenHeaderSize]), nil
}

// KeyTokenKind returns the kind a token's header names, without opening it.
func KeyTokenKind(token []byte) (Kind, error) {
	if _, err := KeyTokenDomainVersion(token); err != nil {
		return KindInvalid, err
	}
	return Kind(token[1]), nil
}

// SealBackingKey seals backing key k of CMK version (id, version) under domain key version
// dk: SealKeyToken with KindSymmetric and KeyBinding(id, version).
func SealBackingKey(dk AEAD, dkVersion uint32, id KeyID, version uint32, k *BackingKey) ([]byte, error) {
	if !k.usable() {
		return nil, ErrKeyUnusable
	}
	return SealKeyToken(dk, dkVersion, KindSymmetric, KeyBinding(id, version), k.b[:])
}

// OpenBackingKey opens a token made by SealBackingKey for CMK version (id, version). The
// caller owns the key and must Destroy it (or hand it to a Cache load).
func OpenBackingKey(lookup func(dkVersion uint32) (AEAD, error), id KeyID, version uint32, token []byte) (*BackingKey, error) {
	secret, err := OpenKeyToken(lookup, KindSymmetric, KeyBinding(id, version), token)
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	return BackingKeyFromBytes(secret)
}

// keyTokenHeader returns the 6 header bytes.
func keyTokenHeader(kind Kind, dkVersion uint32) [keyTokenHeaderSize]byte {
	var h [keyTokenHeaderSize]byte
	h[0] = keyTokenVersion
	h[1] = byte(kind)
	binary.BigEndian.PutUint32(h[2:], dkVersion)
	return h
}

// keyTokenAAD returns prefix || header || uint32 len(binding) || binding. The length prefix
// keeps the binding unambiguous should anything ever follow it.
func keyTokenAAD(hdr [keyTokenHeaderSize]byte, binding []byte) []byte {
	aad := make([]byte, 0, len(keyTokenAADPrefix)+keyTokenHeaderSize+4+len(binding))
	aad = append(aad, keyTokenAADPrefix...)
	aad = append(aad, hdr[:]...)
	aad = binary.BigEndian.AppendUint32(aad, uint32(len(binding)))
	return append(aad, binding...)
}

// secretSizeOK bounds a sealed secret: a backing key is exactly BackingKeySize bytes; other
// kinds are 1 to MaxKeyTokenSecret bytes.
func secretSizeOK(kind Kind, n int) bool {
	if kind == KindSymmetric {
		return n == BackingKeySize
	}
	return n > 0 && n <= MaxKeyTokenSecret
}
