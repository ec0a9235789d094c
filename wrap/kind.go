package wrap

import "strconv"

// Kind is the kind of secret a key token carries. It is part of the token's header and of
// its AAD, so a token sealed for one kind never opens as another. The zero Kind is invalid.
type Kind uint8

const (
	// KindInvalid is the zero value; no token carries it.
	KindInvalid Kind = iota
	// KindSymmetric is a CMK version's 32-byte AES backing key.
	KindSymmetric
	// KindPrivateKey is an asymmetric CMK version's private key, PKCS#8 DER.
	KindPrivateKey
	// KindHMAC is an HMAC CMK version's key.
	KindHMAC
	// KindCredential is a SigV4 secret access key.
	KindCredential
	// kindEnd is one past the last valid kind.
	kindEnd
)

// Valid reports whether k names a kind of secret.
func (k Kind) Valid() bool { return k > KindInvalid && k < kindEnd }

// String returns a name for logs.
func (k Kind) String() string {
	switch k {
	case KindSymmetric:
		return "symmetric"
	case KindPrivateKey:
		return "private-key"
	case KindHMAC:
		return "hmac"
	case KindCredential:
		return "credential"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}
