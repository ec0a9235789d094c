package wrap

import (
	"bytes"
	"testing"
)

// FuzzParsePrivateKey: the hand-written PKCS#8 parsers (secp256k1, ML-DSA) and the standard
// library's never panic on any input, and a key they accept re-encodes to itself and parses
// back to the same public key.
func FuzzParsePrivateKey(f *testing.F) {
	for _, a := range []KeyAlg{KeyAlgSecp256k1, KeyAlgMLDSA44, KeyAlgP256, KeyAlgEd25519} {
		k, err := GeneratePrivateKey(a)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(a), k.PKCS8())
	}
	f.Add(uint8(KeyAlgSecp256k1), []byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, alg uint8, der []byte) {
		a := KeyAlg(alg)
		if a.RSABits() != 0 {
			return // the standard library's RSA parser is fuzzed upstream, and slow here
		}
		k, err := ParsePrivateKey(a, der)
		if err != nil {
			return
		}
		defer k.Destroy()
		if !bytes.Equal(k.PKCS8(), der) {
			t.Fatal("PKCS8() differs from the parsed input")
		}
		k2, err := ParsePrivateKey(a, k.PKCS8())
		if err != nil || !bytes.Equal(k2.PublicKeyDER(), k.PublicKeyDER()) {
			t.Fatalf("re-parse: %v", err)
		}
		if _, err := ParsePublicKey(a, k.PublicKeyDER()); err != nil {
			t.Fatalf("the derived public key does not parse: %v", err)
		}
	})
}
