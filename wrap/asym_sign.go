package wrap

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"fmt"
	"hash"
	"strconv"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// SignScheme is a signature scheme of an asymmetric key. The zero SignScheme is invalid.
type SignScheme uint8

// Signature schemes. For RSAPSS, RSAPKCS1v15, ECDSA and Ed25519ph the input to Sign and
// Verify is a digest made with the given hash; for Ed25519 and MLDSA it is the message itself.
const (
	SchemeInvalid SignScheme = iota
	// SchemeRSAPSS is RSASSA-PSS with MGF1 over the same hash and a salt as long as the hash
	// (what AWS KMS uses, and the length RFC 8017 recommends).
	SchemeRSAPSS
	// SchemeRSAPKCS1v15 is RSASSA-PKCS1-v1_5.
	SchemeRSAPKCS1v15
	// SchemeECDSA is ECDSA with a DER (ASN.1 Ecdsa-Sig-Value) signature, as AWS returns it.
	SchemeECDSA
	// SchemeEd25519 is pure Ed25519 (RFC 8032).
	SchemeEd25519
	// SchemeEd25519ph is HashEdDSA Ed25519ph over a SHA-512 digest (RFC 8032 §5.1).
	SchemeEd25519ph
	// SchemeMLDSA is pure ML-DSA (FIPS 204) with an empty context.
	SchemeMLDSA
	// SchemeMLDSAMu is ML-DSA over an externally computed 64-byte μ (FIPS 204 §6.2; AWS's
	// MessageType EXTERNAL_MU): the signature is the one SchemeMLDSA gives for the message μ
	// was computed from. Verify with it checks the signature against μ itself.
	SchemeMLDSAMu
)

// String returns a name for logs.
func (s SignScheme) String() string {
	names := [...]string{"", "rsa-pss", "rsa-pkcs1v15", "ecdsa", "ed25519", "ed25519ph", "ml-dsa", "ml-dsa-mu"}
	if s > SchemeInvalid && int(s) < len(names) {
		return names[s]
	}
	return "SignScheme(" + strconv.Itoa(int(s)) + ")"
}

// schemeFits reports whether scheme s with hash h can be used with a key of algorithm a.
func schemeFits(a KeyAlg, s SignScheme, h crypto.Hash) bool {
	switch s {
	case SchemeRSAPSS, SchemeRSAPKCS1v15:
		return a.RSABits() != 0 && cryptoHashOK(h)
	case SchemeECDSA:
		return (a.nistCurve() != nil || a == KeyAlgSecp256k1) && cryptoHashOK(h)
	case SchemeEd25519:
		return a == KeyAlgEd25519
	case SchemeEd25519ph:
		return a == KeyAlgEd25519 && h == crypto.SHA512
	case SchemeMLDSA, SchemeMLDSAMu:
		return a.mldsa() != nil
	}
	return false
}

// Sign signs in (a digest made with h, or the message for Ed25519 and ML-DSA; see
// SignScheme) and returns the signature in the encoding AWS KMS returns. Randomised schemes
// (PSS, ECDSA on NIST curves, ML-DSA) draw from crypto/rand. Errors are ErrInvalidArgument
// for a scheme the key cannot use or a digest of the wrong length, ErrKeyUnusable for a
// destroyed key.
func (k *PrivateKey) Sign(s SignScheme, h crypto.Hash, in []byte) ([]byte, error) {
	if !k.usable() {
		return nil, ErrKeyUnusable
	}
	if !schemeFits(k.alg, s, h) {
		return nil, fmt.Errorf("%w: %v with a %v key", ErrInvalidArgument, s, k.alg)
	}
	if digestInput(s) && len(in) != h.Size() {
		return nil, fmt.Errorf("%w: digest of %d bytes for %v", ErrInvalidArgument, len(in), h)
	}
	switch s {
	case SchemeRSAPSS:
		return rsa.SignPSS(rand.Reader, k.rsa, h, in, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case SchemeRSAPKCS1v15:
		return rsa.SignPKCS1v15(nil, k.rsa, h, in)
	case SchemeECDSA:
		if k.k1 != nil {
			return signSecp256k1(k.k1, in), nil
		}
		return ecdsa.SignASN1(rand.Reader, k.ec, in)
	case SchemeEd25519:
		return ed25519.Sign(k.ed, in), nil
	case SchemeEd25519ph:
		return k.ed.Sign(nil, in, &ed25519.Options{Hash: crypto.SHA512})
	case SchemeMLDSA:
		return k.ml.sign(in)
	case SchemeMLDSAMu:
		return k.ml.signMu(in)
	}
	return nil, fmt.Errorf("%w: signature scheme %v", ErrInvalidArgument, s)
}

// digestInput reports whether scheme s signs a digest rather than the message.
func digestInput(s SignScheme) bool {
	return s != SchemeEd25519 && s != SchemeMLDSA && s != SchemeMLDSAMu
}

// PublicKey is the public half of an asymmetric key: for Verify and for RSA encryption. It
// holds nothing secret.
type PublicKey struct {
	alg KeyAlg
	rsa *rsa.PublicKey
	ec  *ecdsa.PublicKey
	k1  *secp256k1.PublicKey
	ed  ed25519.PublicKey
	ml  []byte // packed ML-DSA public key
}

// ParsePublicKey parses a DER SubjectPublicKeyInfo that must be of algorithm alg. Failures are
// ErrInvalidArgument.
func ParsePublicKey(alg KeyAlg, spki []byte) (*PublicKey, error) {
	bad := fmt.Errorf("%w: not a %v public key", ErrInvalidArgument, alg)
	p := &PublicKey{alg: alg}
	switch {
	case alg == KeyAlgSecp256k1:
		k, err := parseSecp256k1SPKI(spki)
		if err != nil {
			return nil, bad
		}
		p.k1 = k
		return p, nil
	case alg.mldsa() != nil:
		k, err := parseMLDSASPKI(alg, spki)
		if err != nil {
			return nil, bad
		}
		p.ml = k
		return p, nil
	}
	parsed, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		return nil, bad
	}
	switch k := parsed.(type) {
	case *rsa.PublicKey:
		if alg.RSABits() == 0 || k.N.BitLen() != alg.RSABits() {
			return nil, bad
		}
		p.rsa = k
	case *ecdsa.PublicKey:
		if alg.nistCurve() == nil || k.Curve != alg.nistCurve() {
			return nil, bad
		}
		p.ec = k
	case ed25519.PublicKey:
		if alg != KeyAlgEd25519 {
			return nil, bad
		}
		p.ed = k
	default:
		return nil, bad
	}
	return p, nil
}

// Verify reports whether sig is a valid signature of in (as for Sign) under scheme s and hash
// h. Malformed signatures, digests of the wrong length and schemes the key cannot use are all
// simply false.
func (p *PublicKey) Verify(s SignScheme, h crypto.Hash, in, sig []byte) bool {
	if p == nil || !schemeFits(p.alg, s, h) || digestInput(s) && len(in) != h.Size() {
		return false
	}
	switch s {
	case SchemeRSAPSS:
		return rsa.VerifyPSS(p.rsa, h, in, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	case SchemeRSAPKCS1v15:
		return rsa.VerifyPKCS1v15(p.rsa, h, in, sig) == nil
	case SchemeECDSA:
		if p.k1 != nil {
			return verifySecp256k1(p.k1, in, sig)
		}
		return ecdsa.VerifyASN1(p.ec, in, sig)
	case SchemeEd25519:
		return ed25519.Verify(p.ed, in, sig)
	case SchemeEd25519ph:
		return ed25519.VerifyWithOptions(p.ed, in, sig, &ed25519.Options{Hash: crypto.SHA512}) == nil
	case SchemeMLDSA:
		return p.alg.mldsa().verify(p.ml, in, sig)
	case SchemeMLDSAMu:
		return len(in) == mldsaMuSize && verifyMLDSAMu(p.alg.mldsa(), p.ml, in, sig)
	}
	return false
}

// oaepHash returns the hash function of RSAES-OAEP with h (SHA-1 or SHA-256, as AWS offers;
// MGF1 uses the same hash, as AWS and OpenSSL's rsa_oaep_md default do).
func oaepHash(h crypto.Hash) (hash.Hash, error) {
	switch h {
	case crypto.SHA1:
		// SHA-1 in OAEP relies on neither collision resistance nor second preimages; AWS
		// keeps RSAES_OAEP_SHA_1 for interoperability, and so does keyhold.
		return sha1.New(), nil
	case crypto.SHA256:
		return crypto.SHA256.New(), nil
	}
	return nil, fmt.Errorf("%w: OAEP hash %v", ErrInvalidArgument, h)
}

// MaxOAEPPlaintext is the largest plaintext RSAES-OAEP with hash h takes under a bits-bit
// modulus: k - 2·hLen - 2 bytes (RFC 8017 §7.1.1), e.g. 190 for RSA-2048 with SHA-256.
func MaxOAEPPlaintext(bits int, h crypto.Hash) int { return bits/8 - 2*h.Size() - 2 }

// EncryptOAEP encrypts plaintext with RSAES-OAEP under hash h (SHA-1 or SHA-256) and an empty
// label. It fails with ErrInvalidArgument for a non-RSA key or an oversized plaintext.
func (p *PublicKey) EncryptOAEP(h crypto.Hash, plaintext []byte) ([]byte, error) {
	if p == nil || p.rsa == nil {
		return nil, fmt.Errorf("%w: OAEP needs an RSA key", ErrInvalidArgument)
	}
	hh, err := oaepHash(h)
	if err != nil {
		return nil, err
	}
	if len(plaintext) > MaxOAEPPlaintext(p.alg.RSABits(), h) {
		return nil, fmt.Errorf("%w: plaintext too long for OAEP", ErrInvalidArgument)
	}
	return rsa.EncryptOAEP(hh, rand.Reader, p.rsa, plaintext, nil)
}

// DecryptOAEP decrypts an RSAES-OAEP ciphertext made with hash h and an empty label. Every
// failure other than a wrong key type is ErrInvalidCiphertext, with no detail (so no padding
// oracle). The caller owns and clears the plaintext.
func (k *PrivateKey) DecryptOAEP(h crypto.Hash, ciphertext []byte) ([]byte, error) {
	if !k.usable() {
		return nil, ErrKeyUnusable
	}
	if k.rsa == nil {
		return nil, fmt.Errorf("%w: OAEP needs an RSA key", ErrInvalidArgument)
	}
	hh, err := oaepHash(h)
	if err != nil {
		return nil, err
	}
	pt, err := rsa.DecryptOAEP(hh, nil, k.rsa, ciphertext, nil)
	if err != nil {
		return nil, ErrInvalidCiphertext
	}
	return pt, nil
}

// ECDH derives the shared secret of this NIST-curve key and a peer's public key, given as DER
// SubjectPublicKeyInfo on the same curve: the x-coordinate of the shared point (SP 800-56A's
// Z, what AWS's DeriveSharedSecret returns). The caller owns and clears it. Failures are
// ErrInvalidArgument (a non-NIST key, a peer key that does not parse, is on another curve or
// is invalid).
func (k *PrivateKey) ECDH(peerSPKI []byte) ([]byte, error) {
	if !k.usable() {
		return nil, ErrKeyUnusable
	}
	if k.ec == nil {
		return nil, fmt.Errorf("%w: ECDH needs a NIST-curve key", ErrInvalidArgument)
	}
	peer, err := ParsePublicKey(k.alg, peerSPKI)
	if err != nil {
		return nil, fmt.Errorf("%w: the peer public key is not on the key's curve", ErrInvalidArgument)
	}
	priv, err := k.ec.ECDH()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	pub, err := peer.ec.ECDH()
	if err != nil {
		return nil, fmt.Errorf("%w: the peer public key is invalid", ErrInvalidArgument)
	}
	z, err := priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: the peer public key is invalid", ErrInvalidArgument)
	}
	return z, nil
}
