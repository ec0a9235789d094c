package wrap

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"

	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
)

// ML-DSA (FIPS 204; AWS's ML_DSA_44/65/87) comes from github.com/cloudflare/circl: Go's
// standard library has it only internally. circl's implementation is checked against NIST's
// ACVP vectors in its own tests.
//
// Encodings follow RFC 9881 (ML-DSA in X.509): the public key is SubjectPublicKeyInfo with
// the parameter-set OID and no parameters; the private key is PKCS#8 whose privateKey holds
// the 32-byte seed form, `[0] IMPLICIT OCTET STRING (SIZE (32))` (bytes 0x80 0x20 || seed),
// from which the expanded key is re-derived (FIPS 204 ML-DSA.KeyGen_internal). The seed is
// the smallest encoding, and OpenSSL 3.5 writes and reads the same form.
//
// Signing is pure ML-DSA with an empty context string and hedged randomness (FIPS 204's
// default), which is what AWS KMS does for ML_DSA_SHAKE_256 with MessageType RAW. circl does
// not expose signing from an externally computed μ, so EXTERNAL_MU is not offered.

const mldsaSeedSize = 32

var (
	oidMLDSA44 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 17}
	oidMLDSA65 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 18}
	oidMLDSA87 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 19}
)

// mldsaParams adapts one circl parameter set.
type mldsaParams struct {
	oid     asn1.ObjectIdentifier
	pubSize int
	// expand derives the key pair from a seed: the packed public key and a signing function.
	expand func(seed *[mldsaSeedSize]byte) (pub []byte, sign func(msg []byte) ([]byte, error))
	verify func(pub, msg, sig []byte) bool
}

// mldsa returns a's parameter set, or nil when a is not ML-DSA.
func (a KeyAlg) mldsa() *mldsaParams {
	switch a {
	case KeyAlgMLDSA44:
		return &mldsa44Params
	case KeyAlgMLDSA65:
		return &mldsa65Params
	case KeyAlgMLDSA87:
		return &mldsa87Params
	}
	return nil
}

var mldsa44Params = mldsaParams{
	oid: oidMLDSA44, pubSize: mldsa44.PublicKeySize,
	expand: func(seed *[mldsaSeedSize]byte) ([]byte, func([]byte) ([]byte, error)) {
		pk, sk := mldsa44.NewKeyFromSeed(seed)
		return pk.Bytes(), func(msg []byte) ([]byte, error) {
			sig := make([]byte, mldsa44.SignatureSize)
			return sig, mldsa44.SignTo(sk, msg, nil, true, sig)
		}
	},
	verify: func(pub, msg, sig []byte) bool {
		var pk mldsa44.PublicKey
		return pk.UnmarshalBinary(pub) == nil && mldsa44.Verify(&pk, msg, nil, sig)
	},
}

var mldsa65Params = mldsaParams{
	oid: oidMLDSA65, pubSize: mldsa65.PublicKeySize,
	expand: func(seed *[mldsaSeedSize]byte) ([]byte, func([]byte) ([]byte, error)) {
		pk, sk := mldsa65.NewKeyFromSeed(seed)
		return pk.Bytes(), func(msg []byte) ([]byte, error) {
			sig := make([]byte, mldsa65.SignatureSize)
			return sig, mldsa65.SignTo(sk, msg, nil, true, sig)
		}
	},
	verify: func(pub, msg, sig []byte) bool {
		var pk mldsa65.PublicKey
		return pk.UnmarshalBinary(pub) == nil && mldsa65.Verify(&pk, msg, nil, sig)
	},
}

var mldsa87Params = mldsaParams{
	oid: oidMLDSA87, pubSize: mldsa87.PublicKeySize,
	expand: func(seed *[mldsaSeedSize]byte) ([]byte, func([]byte) ([]byte, error)) {
		pk, sk := mldsa87.NewKeyFromSeed(seed)
		return pk.Bytes(), func(msg []byte) ([]byte, error) {
			sig := make([]byte, mldsa87.SignatureSize)
			return sig, mldsa87.SignTo(sk, msg, nil, true, sig)
		}
	},
	verify: func(pub, msg, sig []byte) bool {
		var pk mldsa87.PublicKey
		return pk.UnmarshalBinary(pub) == nil && mldsa87.Verify(&pk, msg, nil, sig)
	},
}

// mldsaKey is an expanded ML-DSA private key.
type mldsaKey struct {
	sign func(msg []byte) ([]byte, error)
	spki []byte
}

// destroy drops the expanded key (circl offers no way to clear it; see PrivateKey).
func (m *mldsaKey) destroy() { m.sign = nil }

// marshalMLDSAPKCS8 encodes a seed as PKCS#8 (seed form). The caller owns and clears it.
func marshalMLDSAPKCS8(a KeyAlg, seed *[mldsaSeedSize]byte) []byte {
	inner := append([]byte{0x80, mldsaSeedSize}, seed[:]...)
	defer clear(inner)
	out, err := asn1.Marshal(pkcs8Info{Algorithm: pkix.AlgorithmIdentifier{Algorithm: a.mldsa().oid}, PrivateKey: inner})
	if err != nil {
		panic("wrap: marshalling an ML-DSA key: " + err.Error()) // fixed shapes: a bug
	}
	return out
}

// parseMLDSAPKCS8 parses a seed-form PKCS#8 ML-DSA key of algorithm a and expands it.
func parseMLDSAPKCS8(a KeyAlg, der []byte) (*mldsaKey, error) {
	p := a.mldsa()
	var info pkcs8Info
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 || info.Version != 0 {
		return nil, errBadEncoding
	}
	if !info.Algorithm.Algorithm.Equal(p.oid) || len(info.Algorithm.Parameters.FullBytes) != 0 {
		return nil, errBadEncoding
	}
	in := info.PrivateKey
	if len(in) != 2+mldsaSeedSize || in[0] != 0x80 || in[1] != mldsaSeedSize {
		return nil, errBadEncoding
	}
	seed := [mldsaSeedSize]byte(in[2:])
	defer clear(seed[:])
	clear(in)
	pub, sign := p.expand(&seed)
	spki, err := asn1.Marshal(spkiInfo{Algorithm: pkix.AlgorithmIdentifier{Algorithm: p.oid}, PublicKey: asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)}})
	if err != nil {
		return nil, errBadEncoding
	}
	return &mldsaKey{sign: sign, spki: spki}, nil
}

// parseMLDSASPKI returns the packed public key of an ML-DSA SubjectPublicKeyInfo of algorithm a.
func parseMLDSASPKI(a KeyAlg, der []byte) ([]byte, error) {
	p := a.mldsa()
	var info spkiInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, errBadEncoding
	}
	if !info.Algorithm.Algorithm.Equal(p.oid) || len(info.Algorithm.Parameters.FullBytes) != 0 ||
		info.PublicKey.BitLength != 8*p.pubSize || len(info.PublicKey.Bytes) != p.pubSize {
		return nil, errBadEncoding
	}
	return bytes.Clone(info.PublicKey.Bytes), nil
}
