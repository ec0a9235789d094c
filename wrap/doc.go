// Package wrap holds keyhold's key hierarchy in software: the byte formats that carry key
// material and ciphertext, and the cryptography that runs outside the HSM. It imports nothing
// of keyhold; a domain key is reached only through the two-method [AEAD] interface, whose
// implementation (an HSM key, or a tink.AEAD) does its work inside the HSM.
//
// # Ciphertext blob, format v1
//
// The KMS CiphertextBlob of a symmetric CMK. Every field is authenticated; multi-byte integers
// are big-endian.
//
//	offset  size  field
//	     0     1  format version, 0x02 (0x01, which had no binding, is refused)
//	     1    16  key id (the CMK's UUID, raw bytes)
//	    17     4  key version (uint32)
//	    21    16  salt (random per blob)
//	    37    12  nonce (random per blob)
//	    49     n  AES-256-GCM ciphertext of the plaintext (n = len(plaintext))
//	  49+n    16  GCM tag
//
// The per-blob key is HKDF-SHA256(ikm = backing key, salt = salt,
// info = "keyhold blob v1" || key id || key version), 32 bytes. The AAD is the 49 header
// bytes followed by [EncryptionContext.Canonical]. Limits are in limits.go.
//
// # Key token, format v1
//
// A secret (a backing key, a private key, an HMAC key, a credential's secret) sealed under a
// domain key version inside the HSM, bound to what it belongs to.
//
//	offset  size  field
//	     0     1  format version, 0x02 (0x01, which had no binding, is refused)
//	     1     1  kind ([Kind], never 0)
//	     2     4  domain key version (uint32)
//	     6     m  output of dk.Encrypt(secret, aad)
//
//	aad = "keyhold key token v1" || token[0:6] || uint32(len(binding)) || binding
//
// The binding names the owner: [KeyBinding] (key id || key version) for a CMK version, the
// access key id for a credential. A token therefore opens only for the kind and owner it was
// sealed for, under the domain key version its header names.
//
// # Encryption context
//
// [EncryptionContext.Canonical], the context's part of the AAD:
//
//	uint32 count || for each entry sorted by key (bytewise):
//	    uint32 len(key) || key || uint32 len(value) || value
//
// # Object, format v2
//
// An S3 object body (object.go), encrypted in segments so that a ranged read decrypts only the
// segments it covers. Header (38 bytes), then the segments:
//
//	offset  size  field
//	     0     1  format version, 0x02 (0x01, which had no binding, is refused)
//	     1     1  layers: 1, or 2 for DSSE (two independent data keys)
//	     2     4  segment size S (uint32, plaintext bytes per segment, 1 KiB..16 MiB)
//	     6    32  salt (random per object)
//	    38     …  segment 0 || segment 1 || … || segment n-1
//
// Segment i holds plaintext bytes [i*S, min((i+1)*S, size)) sealed with AES-256-GCM once per
// layer (layer 1 innermost), each seal adding a 16-byte tag. Every segment but the last is full;
// the last is the only one sealed with the final flag, and an empty object is one empty final
// segment. Layer l's key is HKDF-SHA256(ikm = data key l, salt = salt,
// info = "keyhold object v2" || header[0:6] || byte(l) || binding), where the binding is what
// the caller says the object is (keyhold's S3 layer: its bucket, key, upload and part; at most
// MaxObjectBinding bytes, not stored); the nonce of segment i is
// uint64(i) || final (0x00 or 0x01) || 0x000000; the AAD is the 38 header bytes. Vectors are in
// testdata/object_vectors.json.
//
// # Asymmetric and HMAC key material
//
// The secret a KindPrivateKey token seals is the private key's PKCS#8 DER (RFC 5208): as the
// standard library writes it for RSA, NIST ECDSA and Ed25519; as RFC 5915 ECPrivateKey with
// the SEC 2 curve OID 1.3.132.0.10 for secp256k1 (secp256k1.go); and for ML-DSA the RFC 9881
// seed form, privateKey = 0x80 0x20 || 32-byte seed (mldsa.go). A KindHMAC token seals the
// raw HMAC key (28, 32, 48 or 64 bytes). Public keys are DER SubjectPublicKeyInfo.
//
// # Key cache
//
// [Cache] keeps unwrapped backing keys, private keys and HMAC keys so the data plane makes no
// HSM call per request; its entry bound and TTL are the exposure budget (see DESIGN.md).
package wrap
