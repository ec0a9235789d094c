package wrap

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strconv"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// KeyAlg is the algorithm and size of an asymmetric key pair. It names no AWS key spec (that
// mapping is domain's); it is what this package needs to generate, parse and use a key. The
// zero KeyAlg is invalid.
type KeyAlg uint8

// Key algorithms. Never renumber: domain stores them nowhere, but tests and logs name them.
const (
	KeyAlgInvalid KeyAlg = iota
	KeyAlgRSA2048
	KeyAlgRSA3072
	KeyAlgRSA4096
	KeyAlgP256
	KeyAlgP384
	KeyAlgP521
	KeyAlgSecp256k1
	KeyAlgEd25519
	KeyAlgMLDSA44
	KeyAlgMLDSA65
	KeyAlgMLDSA87
	keyAlgEnd
)

// Valid reports whether a names a key algorithm.
func (a KeyAlg) Valid() bool { return a > KeyAlgInvalid && a < keyAlgEnd }

// RSABits is the modulus size of an RSA algorithm, 0 for any other.
func (a KeyAlg) RSABits() int {
	switch a {
	case KeyAlgRSA2048:
		return 2048
	case KeyAlgRSA3072:
		return 3072
	case KeyAlgRSA4096:
		return 4096
	}
	return 0
}

// String returns a name for logs and test names.
func (a KeyAlg) String() string {
	names := [...]string{"", "rsa2048", "rsa3072", "rsa4096", "p256", "p384", "p521", "secp256k1", "ed25519", "mldsa44", "mldsa65", "mldsa87"}
	if a.Valid() {
		return names[a]
	}
	return "KeyAlg(" + strconv.Itoa(int(a)) + ")"
}

// nistCurve returns the standard library curve of a NIST ECC algorithm, or nil.
func (a KeyAlg) nistCurve() elliptic.Curve {
	switch a {
	case KeyAlgP256:
		return elliptic.P256()
	case KeyAlgP384:
		return elliptic.P384()
	case KeyAlgP521:
		return elliptic.P521()
	}
	return nil
}

// PrivateKey is an asymmetric CMK version's (or a data key pair's) private key, parsed and
// ready to use. It lives in memory only while a request or the [Cache] holds it; Destroy
// zeroes the encoded form it owns and drops the parsed key. The zero PrivateKey is unusable.
//
// Limits of zeroing: the standard library's parsed RSA and ECDSA keys (big integers, field
// elements, precomputed tables) offer no way to clear them; Destroy drops the references so
// they become garbage, and the daemon's mlockall keeps them out of swap meanwhile. The cache's
// TTL bounds how long any of it is reachable.
type PrivateKey struct {
	_     incomparable
	live  bool
	alg   KeyAlg
	pkcs8 []byte // the key's PKCS#8 DER, owned (for ML-DSA: the seed form, see mldsa.go)
	spki  []byte // the public key's SubjectPublicKeyInfo DER

	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
	k1  *secp256k1.PrivateKey
	ed  ed25519.PrivateKey
	ml  *mldsaKey
}

// GeneratePrivateKey returns a fresh key pair of algorithm alg, from crypto/rand.
//
// Why software generation and not the HSM's: keyhold's HSM contract is a domain-key AEAD only
// (PKCS#11 modules differ widely in their asymmetric support, and SoftHSM2 has neither
// secp256k1 signing nor ML-DSA); the private key leaves this function only sealed under the
// domain key inside the HSM, which is what AWS KMS's own design does with its HSM-held domain
// keys. Go's crypto/rsa, crypto/ecdsa and crypto/ed25519 are its FIPS 140-3 module.
func GeneratePrivateKey(alg KeyAlg) (*PrivateKey, error) {
	var key any
	switch {
	case alg.RSABits() != 0:
		k, err := rsa.GenerateKey(rand.Reader, alg.RSABits())
		if err != nil {
			return nil, fmt.Errorf("wrap: generating an RSA key: %w", err)
		}
		key = k
	case alg.nistCurve() != nil:
		k, err := ecdsa.GenerateKey(alg.nistCurve(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("wrap: generating an ECDSA key: %w", err)
		}
		key = k
	case alg == KeyAlgSecp256k1:
		k, err := secp256k1.GeneratePrivateKey()
		if err != nil {
			return nil, fmt.Errorf("wrap: generating a secp256k1 key: %w", err)
		}
		der := marshalSecp256k1PKCS8(k)
		defer clear(der)
		return ParsePrivateKey(alg, der)
	case alg == KeyAlgEd25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("wrap: generating an Ed25519 key: %w", err)
		}
		key = k
	case alg.mldsa() != nil:
		var seed [mldsaSeedSize]byte
		if _, err := rand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("wrap: generating an ML-DSA seed: %w", err)
		}
		der := marshalMLDSAPKCS8(alg, &seed)
		clear(seed[:])
		defer clear(der)
		return ParsePrivateKey(alg, der)
	default:
		return nil, fmt.Errorf("%w: key algorithm %v", ErrInvalidArgument, alg)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("wrap: encoding a %v key: %w", alg, err)
	}
	defer clear(der)
	return ParsePrivateKey(alg, der)
}

// ParsePrivateKey parses a PKCS#8 DER private key that must be of algorithm alg (and, for RSA,
// of exactly alg's size). The key keeps its own copy of der; the caller still owns der. Every
// failure is ErrInvalidArgument without detail about the bytes.
func ParsePrivateKey(alg KeyAlg, der []byte) (*PrivateKey, error) {
	k := &PrivateKey{alg: alg, pkcs8: append([]byte(nil), der...)}
	if err := k.parse(); err != nil {
		clear(k.pkcs8)
		return nil, err
	}
	k.live = true
	return k, nil
}

// parse fills the parsed key and the SPKI from k.pkcs8.
func (k *PrivateKey) parse() error {
	bad := fmt.Errorf("%w: not a PKCS#8 %v private key", ErrInvalidArgument, k.alg)
	switch {
	case k.alg == KeyAlgSecp256k1:
		priv, err := parseSecp256k1PKCS8(k.pkcs8)
		if err != nil {
			return bad
		}
		k.k1, k.spki = priv, marshalSecp256k1SPKI(priv.PubKey())
		return nil
	case k.alg.mldsa() != nil:
		ml, err := parseMLDSAPKCS8(k.alg, k.pkcs8)
		if err != nil {
			return bad
		}
		k.ml, k.spki = ml, ml.spki
		return nil
	}
	parsed, err := x509.ParsePKCS8PrivateKey(k.pkcs8)
	if err != nil {
		return bad
	}
	var pub any
	switch p := parsed.(type) {
	case *rsa.PrivateKey:
		if k.alg.RSABits() == 0 || p.N.BitLen() != k.alg.RSABits() {
			return bad
		}
		k.rsa, pub = p, &p.PublicKey
	case *ecdsa.PrivateKey:
		if k.alg.nistCurve() == nil || p.Curve != k.alg.nistCurve() {
			return bad
		}
		k.ec, pub = p, &p.PublicKey
	case ed25519.PrivateKey:
		if k.alg != KeyAlgEd25519 {
			return bad
		}
		k.ed, pub = p, p.Public()
	default:
		return bad
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return bad
	}
	k.spki = spki
	return nil
}

// Alg returns the key's algorithm.
func (k *PrivateKey) Alg() KeyAlg { return k.alg }

// PKCS8 returns a copy of the private key as PKCS#8 DER (for sealing it into a key token or
// returning a data key pair). The caller owns the copy and must clear() it.
func (k *PrivateKey) PKCS8() []byte {
	if !k.usable() {
		return nil
	}
	return append([]byte(nil), k.pkcs8...)
}

// PublicKeyDER returns the public key as DER SubjectPublicKeyInfo, as AWS's GetPublicKey does.
// It is not secret; the caller may keep it.
func (k *PrivateKey) PublicKeyDER() []byte {
	if !k.usable() {
		return nil
	}
	return append([]byte(nil), k.spki...)
}

// Destroy zeroes the key's encoded form and drops the parsed key. It is idempotent and safe on
// nil; it must not run while another goroutine uses the key (the Cache's reference count
// ensures that).
func (k *PrivateKey) Destroy() {
	if k == nil {
		return
	}
	clear(k.pkcs8)
	if k.ed != nil {
		clear(k.ed)
	}
	if k.k1 != nil {
		k.k1.Zero()
	}
	if k.ml != nil {
		k.ml.destroy()
	}
	k.rsa, k.ec, k.k1, k.ed, k.ml = nil, nil, nil, nil, nil
	k.live = false
}

// usable reports whether k is non-nil, initialised and not destroyed.
func (k *PrivateKey) usable() bool { return k != nil && k.live }

// Public returns the key's public half.
func (k *PrivateKey) Public() (*PublicKey, error) {
	if !k.usable() {
		return nil, ErrKeyUnusable
	}
	return ParsePublicKey(k.alg, k.spki)
}

// cryptoHashOK reports whether h is one of the hashes AWS's signing algorithms use.
func cryptoHashOK(h crypto.Hash) bool {
	return h == crypto.SHA256 || h == crypto.SHA384 || h == crypto.SHA512
}
