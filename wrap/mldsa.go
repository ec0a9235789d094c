package wrap

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"

	"filippo.io/mldsa"
	"filippo.io/mldsa/mldsacrypto"
)

// ML-DSA (FIPS 204; AWS's ML_DSA_44/65/87) comes from filippo.io/mldsa: Go's standard library
// has it only internally (crypto/internal/fips140/mldsa), and filippo.io/mldsa is that same
// implementation, maintained by its author, exported. It also signs an externally computed μ
// (RFC 9881's "external mu"), which AWS KMS offers as MessageType EXTERNAL_MU.
//
// Encodings follow RFC 9881 (ML-DSA in X.509): the public key is SubjectPublicKeyInfo with
// the parameter-set OID and no parameters; the private key is PKCS#8 whose privateKey holds
// the 32-byte seed form, `[0] IMPLICIT OCTET STRING (SIZE (32))` (bytes 0x80 0x20 || seed),
// from which the expanded key is re-derived (FIPS 204 ML-DSA.KeyGen_internal). The seed is
// the smallest encoding, and OpenSSL 3.5 writes and reads the same form.
//
// Signing is pure ML-DSA with an empty context string and hedged randomness (FIPS 204's
// default), which is what AWS KMS does for ML_DSA_SHAKE_256 with MessageType RAW; with
// EXTERNAL_MU the 64-byte μ is signed as given, giving the signature RAW would give for the
// message μ was computed from. Verification of a message uses the library; verification from
// μ (Verify with EXTERNAL_MU), which the library does not offer, is keyhold's own
// implementation of FIPS 204's ML-DSA.Verify_internal (mldsa_mu_verify.go).

const (
	mldsaSeedSize = 32
	mldsaMuSize   = 64
)

var (
	oidMLDSA44 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 17}
	oidMLDSA65 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 18}
	oidMLDSA87 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 19}
)

// mldsaParams is one ML-DSA parameter set with its encodings.
type mldsaParams struct {
	oid     asn1.ObjectIdentifier
	pubSize int
	params  mldsa.Parameters
	vp      *mldsaVerifyParams // for verification from μ
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

var (
	mldsa44Params = mldsaParams{oid: oidMLDSA44, pubSize: mldsa.MLDSA44().PublicKeySize(), params: mldsa.MLDSA44(), vp: &mldsa44Verify}
	mldsa65Params = mldsaParams{oid: oidMLDSA65, pubSize: mldsa.MLDSA65().PublicKeySize(), params: mldsa.MLDSA65(), vp: &mldsa65Verify}
	mldsa87Params = mldsaParams{oid: oidMLDSA87, pubSize: mldsa.MLDSA87().PublicKeySize(), params: mldsa.MLDSA87(), vp: &mldsa87Verify}
)

// expand derives the key pair from a seed: the packed public key, and signing functions for a
// message and for an external μ.
func (p *mldsaParams) expand(seed *[mldsaSeedSize]byte) (pub []byte, sign, signMu func([]byte) ([]byte, error)) {
	sk, err := mldsa.NewPrivateKey(p.params, seed[:])
	if err != nil {
		// A 32-byte seed always expands; anything else is a bug in this file.
		panic("wrap: mldsa: " + err.Error())
	}
	sign = func(msg []byte) ([]byte, error) { return sk.Sign(nil, msg, nil) }
	signMu = func(mu []byte) ([]byte, error) {
		if len(mu) != mldsaMuSize {
			return nil, ErrInvalidArgument
		}
		return sk.Sign(nil, mu, mldsacrypto.MLDSAMu)
	}
	return sk.PublicKey().Bytes(), sign, signMu
}

// verify checks a pure ML-DSA signature over msg with an empty context.
func (p *mldsaParams) verify(pub, msg, sig []byte) bool {
	pk, err := mldsa.NewPublicKey(p.params, pub)
	return err == nil && mldsa.Verify(pk, msg, sig, nil) == nil
}

// mldsaKey is an expanded ML-DSA private key.
type mldsaKey struct {
	sign, signMu func([]byte) ([]byte, error)
	spki         []byte
}

// destroy drops the expanded key (the library offers no way to clear it; see PrivateKey).
func (m *mldsaKey) destroy() { m.sign, m.signMu = nil, nil }

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
	pub, sign, signMu := p.expand(&seed)
	spki, err := asn1.Marshal(spkiInfo{Algorithm: pkix.AlgorithmIdentifier{Algorithm: p.oid}, PublicKey: asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)}})
	if err != nil {
		return nil, errBadEncoding
	}
	return &mldsaKey{sign: sign, signMu: signMu, spki: spki}, nil
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
