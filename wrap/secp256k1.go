package wrap

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// secp256k1 (AWS's ECC_SECG_P256K1) is not in Go's standard library, which parses and
// marshals only NIST curves. Its keys use the same standard encodings as a NIST EC key, so
// OpenSSL and other tools read them: SEC 1 / RFC 5915 ECPrivateKey inside PKCS#8 (RFC 5208),
// and RFC 5480 SubjectPublicKeyInfo with an uncompressed point, both naming the curve by its
// SEC 2 OID 1.3.132.0.10. The arithmetic is github.com/decred/dcrd/dcrec/secp256k1/v4
// (constant-time scalar and field code, audited as part of dcrd; signing uses RFC 6979
// deterministic nonces, so a weak RNG cannot leak the key through a nonce).

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidSecp256k1   = asn1.ObjectIdentifier{1, 3, 132, 0, 10}
)

// pkcs8Info is PKCS#8 PrivateKeyInfo (RFC 5208) without attributes.
type pkcs8Info struct {
	Version    int
	Algorithm  pkix.AlgorithmIdentifier
	PrivateKey []byte
}

// ecPrivateKey is RFC 5915's ECPrivateKey; the curve is in the PKCS#8 algorithm instead.
type ecPrivateKey struct {
	Version    int
	PrivateKey []byte
	PublicKey  asn1.BitString `asn1:"optional,explicit,tag:1"`
}

// spkiInfo is SubjectPublicKeyInfo (RFC 5280).
type spkiInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

var errBadEncoding = errors.New("wrap: bad key encoding")

// secp256k1Algorithm is the AlgorithmIdentifier {id-ecPublicKey, namedCurve secp256k1}.
func secp256k1Algorithm() pkix.AlgorithmIdentifier {
	params, _ := asn1.Marshal(oidSecp256k1) // a constant OID always marshals
	return pkix.AlgorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: params}}
}

// marshalSecp256k1PKCS8 encodes k as PKCS#8. The caller owns and clears the result.
func marshalSecp256k1PKCS8(k *secp256k1.PrivateKey) []byte {
	scalar := k.Key.Bytes()
	defer clear(scalar[:])
	pub := k.PubKey().SerializeUncompressed()
	inner, err := asn1.Marshal(ecPrivateKey{Version: 1, PrivateKey: scalar[:], PublicKey: asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)}})
	if err != nil {
		panic("wrap: marshalling a secp256k1 key: " + err.Error()) // fixed shapes: a bug
	}
	defer clear(inner)
	out, err := asn1.Marshal(pkcs8Info{Algorithm: secp256k1Algorithm(), PrivateKey: inner})
	if err != nil {
		panic("wrap: marshalling a secp256k1 key: " + err.Error())
	}
	return out
}

// parseSecp256k1PKCS8 parses what marshalSecp256k1PKCS8 writes (and what OpenSSL writes for a
// secp256k1 key): a 32-byte scalar in [1, n-1], and a public key, when present, that matches.
func parseSecp256k1PKCS8(der []byte) (*secp256k1.PrivateKey, error) {
	var info pkcs8Info
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 || info.Version != 0 {
		return nil, errBadEncoding
	}
	defer clear(info.PrivateKey) // asn1.Unmarshal copies byte slices: these copies are ours
	if !isSecp256k1Algorithm(info.Algorithm) {
		return nil, errBadEncoding
	}
	var ec ecPrivateKey
	defer func() { clear(ec.PrivateKey) }()
	if rest, err := asn1.Unmarshal(info.PrivateKey, &ec); err != nil || len(rest) != 0 || ec.Version != 1 || len(ec.PrivateKey) != 32 {
		return nil, errBadEncoding
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(ec.PrivateKey); overflow || s.IsZero() {
		return nil, errBadEncoding
	}
	k := secp256k1.NewPrivateKey(&s)
	if len(ec.PublicKey.Bytes) > 0 {
		pub, err := secp256k1.ParsePubKey(ec.PublicKey.Bytes)
		if err != nil || !pub.IsEqual(k.PubKey()) {
			k.Zero()
			return nil, errBadEncoding
		}
	}
	return k, nil
}

func isSecp256k1Algorithm(a pkix.AlgorithmIdentifier) bool {
	var curve asn1.ObjectIdentifier
	rest, err := asn1.Unmarshal(a.Parameters.FullBytes, &curve)
	return err == nil && len(rest) == 0 && a.Algorithm.Equal(oidECPublicKey) && curve.Equal(oidSecp256k1)
}

// marshalSecp256k1SPKI encodes pub as SubjectPublicKeyInfo with an uncompressed point.
func marshalSecp256k1SPKI(pub *secp256k1.PublicKey) []byte {
	pt := pub.SerializeUncompressed()
	out, err := asn1.Marshal(spkiInfo{Algorithm: secp256k1Algorithm(), PublicKey: asn1.BitString{Bytes: pt, BitLength: 8 * len(pt)}})
	if err != nil {
		panic("wrap: marshalling a secp256k1 public key: " + err.Error())
	}
	return out
}

// parseSecp256k1SPKI parses a secp256k1 SubjectPublicKeyInfo.
func parseSecp256k1SPKI(der []byte) (*secp256k1.PublicKey, error) {
	var info spkiInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 || !isSecp256k1Algorithm(info.Algorithm) || info.PublicKey.BitLength%8 != 0 {
		return nil, errBadEncoding
	}
	return secp256k1.ParsePubKey(info.PublicKey.Bytes)
}

// signSecp256k1 signs a digest and returns the DER ECDSA-Sig-Value AWS returns.
func signSecp256k1(k *secp256k1.PrivateKey, digest []byte) []byte {
	return k1ecdsa.Sign(k, digest).Serialize()
}

// verifySecp256k1 checks a DER ECDSA signature over digest. It parses the signature itself
// (strict DER, r and s in [1, n-1]) rather than with the library's parser, which also
// requires low-S as Bitcoin does: AWS KMS and OpenSSL accept either S, and so does this.
func verifySecp256k1(pub *secp256k1.PublicKey, digest, sig []byte) bool {
	var v struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(sig, &v)
	if err != nil || len(rest) != 0 || v.R.Sign() <= 0 || v.S.Sign() <= 0 || v.R.BitLen() > 256 || v.S.BitLen() > 256 {
		return false
	}
	var r, s secp256k1.ModNScalar
	var rb, sb [32]byte
	if r.SetByteSlice(v.R.FillBytes(rb[:])) || s.SetByteSlice(v.S.FillBytes(sb[:])) {
		return false
	}
	return k1ecdsa.NewSignature(&r, &s).Verify(digest, pub)
}
