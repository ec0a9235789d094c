package ceremony

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
)

// Operator key files. An operator's Ed25519 signing key is kept at rest as a PEM file:
//
//	-----BEGIN KEYHOLD ENCRYPTED OPERATOR KEY-----
//	KDF: pbkdf2-sha256
//	Iterations: 600000
//	Salt: <base64, 16 bytes>
//
//	<base64 of nonce(12) || AES-256-GCM(key, nonce, PKCS#8 DER, aad = "keyhold operator key v1")>
//	-----END KEYHOLD ENCRYPTED OPERATOR KEY-----
//
// Why PBKDF2-HMAC-SHA256 at 600,000 iterations: it is in the standard library (crypto/pbkdf2),
// FIPS-approved, and the iteration count is OWASP's 2023 recommendation; a passphrase-derived key
// needs a slow KDF, and these files are opened a few times per ceremony, never on a hot path.
// AES-256-GCM authenticates the whole file, so a wrong passphrase and a tampered file both fail.
//
// Dev mode writes the key unencrypted as a plain PKCS#8 "PRIVATE KEY" PEM block carrying a
// "Keyhold-Dev-Only" header; ReadOperatorKey accepts that form too, and says so.
const (
	encryptedKeyType = "KEYHOLD ENCRYPTED OPERATOR KEY"
	plainKeyType     = "PRIVATE KEY"
	kdfName          = "pbkdf2-sha256"
	kdfIterations    = 600_000
	maxKDFIterations = 10_000_000
	operatorKeyAAD   = "keyhold operator key v1"
)

// ErrOperatorKey is the cause of every failure to open an operator key file: wrong passphrase,
// tampered or malformed file.
var ErrOperatorKey = errors.New("domain: cannot open operator key")

// EncryptOperatorKey returns priv as an encrypted PEM file under passphrase.
func EncryptOperatorKey(priv ed25519.PrivateKey, passphrase []byte) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, fmt.Errorf("%w: empty passphrase", ErrOperatorKey)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	salt := make([]byte, 16)
	nonce := make([]byte, 12)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(nonce)
	aead, err := operatorKeyAEAD(passphrase, salt, kdfIterations)
	if err != nil {
		return nil, err
	}
	body := aead.Seal(append([]byte(nil), nonce...), nonce, der, []byte(operatorKeyAAD))
	return pem.EncodeToMemory(&pem.Block{Type: encryptedKeyType, Headers: map[string]string{
		"KDF": kdfName, "Iterations": strconv.Itoa(kdfIterations), "Salt": base64.StdEncoding.EncodeToString(salt),
	}, Bytes: body}), nil
}

// DevOperatorKey returns priv as the unencrypted, dev-only PEM file `keyhold dev` writes.
func DevOperatorKey(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	return pem.EncodeToMemory(&pem.Block{Type: plainKeyType, Headers: map[string]string{
		"Keyhold-Dev-Only": "unencrypted dev operator key; never use outside keyhold dev",
	}, Bytes: der}), nil
}

// ReadOperatorKey opens an operator key file. passphrase is called only for an encrypted file.
// encrypted reports which form the file had.
func ReadOperatorKey(file []byte, passphrase func() ([]byte, error)) (priv ed25519.PrivateKey, encrypted bool, err error) {
	blk, _ := pem.Decode(file)
	if blk == nil {
		return nil, false, fmt.Errorf("%w: not a PEM file", ErrOperatorKey)
	}
	var der []byte
	switch blk.Type {
	case plainKeyType:
		der = blk.Bytes
	case encryptedKeyType:
		encrypted = true
		if blk.Headers["KDF"] != kdfName {
			return nil, true, fmt.Errorf("%w: unknown KDF %q", ErrOperatorKey, blk.Headers["KDF"])
		}
		iter, err := strconv.Atoi(blk.Headers["Iterations"])
		if err != nil || iter < 1 || iter > maxKDFIterations {
			return nil, true, fmt.Errorf("%w: bad iteration count", ErrOperatorKey)
		}
		salt, err := base64.StdEncoding.DecodeString(blk.Headers["Salt"])
		if err != nil || len(salt) < 16 || len(blk.Bytes) < 12+16 {
			return nil, true, fmt.Errorf("%w: malformed file", ErrOperatorKey)
		}
		pass, err := passphrase()
		if err != nil {
			return nil, true, err
		}
		defer clear(pass)
		aead, err := operatorKeyAEAD(pass, salt, iter)
		if err != nil {
			return nil, true, err
		}
		der, err = aead.Open(nil, blk.Bytes[:12], blk.Bytes[12:], []byte(operatorKeyAAD))
		if err != nil {
			return nil, true, fmt.Errorf("%w: wrong passphrase or tampered file", ErrOperatorKey)
		}
		defer clear(der)
	default:
		return nil, false, fmt.Errorf("%w: PEM type %q", ErrOperatorKey, blk.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, encrypted, fmt.Errorf("%w: %v", ErrOperatorKey, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, encrypted, fmt.Errorf("%w: not an Ed25519 key", ErrOperatorKey)
	}
	return priv, encrypted, nil
}

func operatorKeyAEAD(pass, salt []byte, iter int) (cipher.AEAD, error) {
	key, err := pbkdf2.Key(sha256.New, string(pass), salt, iter, 32)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOperatorKey, err)
	}
	defer clear(key)
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// MarshalOperatorPublicKey and ParseOperatorPublicKey read and write an operator's public key
// as a PKIX "PUBLIC KEY" PEM file, the form operators exchange and keyholdctl takes.
func MarshalOperatorPublicKey(pub ed25519.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// ParseOperatorPublicKey reads an Ed25519 public key PEM file.
func ParseOperatorPublicKey(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%w: not a PUBLIC KEY PEM file", ErrOperatorKey)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOperatorKey, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: not an Ed25519 key", ErrOperatorKey)
	}
	return pub, nil
}
