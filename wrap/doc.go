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
//	     0     1  format version, 0x01
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
//	     0     1  format version, 0x01
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
// # Backing key cache
//
// [Cache] keeps unwrapped backing keys so the data plane makes no HSM call per request; its
// entry bound and TTL are the exposure budget (see DESIGN.md).
package wrap
