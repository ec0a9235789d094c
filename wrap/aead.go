package wrap

// AEAD is one version of a domain key, held in an HSM: Encrypt and Decrypt run inside the
// HSM, so the domain key never reaches this process. hsm.AESKey satisfies it, and so does a
// tink.AEAD.
//
// Contract: Encrypt must be randomised or otherwise never reuse a nonce, and must
// authenticate associatedData; Decrypt must fail (return an error, never garbage) unless the
// ciphertext and associatedData are exactly what Encrypt produced and received. Both must be
// safe for concurrent use. Errors must not carry plaintext.
type AEAD interface {
	Encrypt(plaintext, associatedData []byte) ([]byte, error)
	Decrypt(ciphertext, associatedData []byte) ([]byte, error)
}
