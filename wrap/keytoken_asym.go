package wrap

// SealPrivateKey seals private key k of CMK version (id, version) under domain key version
// dk: SealKeyToken with KindPrivateKey, KeyBinding(id, version) and the key's PKCS#8 DER.
func SealPrivateKey(dk AEAD, dkVersion uint32, id KeyID, version uint32, k *PrivateKey) ([]byte, error) {
	der := k.PKCS8()
	if der == nil {
		return nil, ErrKeyUnusable
	}
	defer clear(der)
	return SealKeyToken(dk, dkVersion, KindPrivateKey, KeyBinding(id, version), der)
}

// OpenPrivateKey opens a token made by SealPrivateKey for CMK version (id, version) and parses
// it as a key of algorithm alg. Failures are ErrInvalidKeyToken. The caller owns the key and
// must Destroy it (or hand it to a Cache load).
func OpenPrivateKey(lookup func(dkVersion uint32) (AEAD, error), alg KeyAlg, id KeyID, version uint32, token []byte) (*PrivateKey, error) {
	der, err := OpenKeyToken(lookup, KindPrivateKey, KeyBinding(id, version), token)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	k, err := ParsePrivateKey(alg, der)
	if err != nil {
		// Authenticated yet not a key of the expected algorithm: a bug at sealing time.
		return nil, ErrInvalidKeyToken
	}
	return k, nil
}

// SealHMACKey seals HMAC key k of CMK version (id, version): SealKeyToken with KindHMAC.
func SealHMACKey(dk AEAD, dkVersion uint32, id KeyID, version uint32, k *HMACKey) ([]byte, error) {
	raw := k.SecretBytes()
	if raw == nil {
		return nil, ErrKeyUnusable
	}
	defer clear(raw)
	return SealKeyToken(dk, dkVersion, KindHMAC, KeyBinding(id, version), raw)
}

// OpenHMACKey opens a token made by SealHMACKey for CMK version (id, version); the key must be
// size bytes. Failures are ErrInvalidKeyToken. The caller owns the key and must Destroy it.
func OpenHMACKey(lookup func(dkVersion uint32) (AEAD, error), id KeyID, version uint32, size int, token []byte) (*HMACKey, error) {
	raw, err := OpenKeyToken(lookup, KindHMAC, KeyBinding(id, version), token)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	if len(raw) != size {
		return nil, ErrInvalidKeyToken
	}
	return HMACKeyFromBytes(raw)
}
