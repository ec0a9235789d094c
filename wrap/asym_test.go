package wrap

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"testing"
)

// testKeys generates one key per algorithm, once (RSA-4096 generation is slow).
var testKeys = map[KeyAlg]*PrivateKey{}

func testKey(t *testing.T, a KeyAlg) *PrivateKey {
	t.Helper()
	if k, ok := testKeys[a]; ok {
		return k
	}
	k, err := GeneratePrivateKey(a)
	if err != nil {
		t.Fatalf("GeneratePrivateKey(%v): %v", a, err)
	}
	testKeys[a] = k
	return k
}

func TestPrivateKeyRoundTrip(t *testing.T) {
	for a := KeyAlgRSA2048; a < keyAlgEnd; a++ {
		t.Run(a.String(), func(t *testing.T) {
			k := testKey(t, a)
			der := k.PKCS8()
			defer clear(der)
			k2, err := ParsePrivateKey(a, der)
			if err != nil {
				t.Fatalf("ParsePrivateKey: %v", err)
			}
			defer k2.Destroy()
			if !bytes.Equal(k2.PublicKeyDER(), k.PublicKeyDER()) || !bytes.Equal(k2.PKCS8(), der) {
				t.Fatal("PKCS#8 round trip changed the key")
			}
			if _, err := ParsePublicKey(a, k.PublicKeyDER()); err != nil {
				t.Fatalf("ParsePublicKey: %v", err)
			}
			// A key never parses as another algorithm.
			other := a%(keyAlgEnd-1) + 1
			if _, err := ParsePrivateKey(other, der); !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("parsed a %v key as %v: %v", a, other, err)
			}
			if _, err := ParsePublicKey(other, k.PublicKeyDER()); !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("parsed a %v public key as %v: %v", a, other, err)
			}
			if _, err := ParsePrivateKey(a, der[:len(der)-1]); err == nil {
				t.Fatal("parsed a truncated key")
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	msg := []byte("message")
	d256, d512 := sha256.Sum256(msg), sha512.Sum512(msg)
	for _, tc := range []struct {
		alg    KeyAlg
		scheme SignScheme
		h      crypto.Hash
		in     []byte
	}{
		{KeyAlgRSA2048, SchemeRSAPSS, crypto.SHA256, d256[:]},
		{KeyAlgRSA2048, SchemeRSAPKCS1v15, crypto.SHA512, d512[:]},
		{KeyAlgP256, SchemeECDSA, crypto.SHA256, d256[:]},
		{KeyAlgP521, SchemeECDSA, crypto.SHA512, d512[:]},
		{KeyAlgSecp256k1, SchemeECDSA, crypto.SHA256, d256[:]},
		{KeyAlgEd25519, SchemeEd25519, crypto.SHA512, msg},
		{KeyAlgEd25519, SchemeEd25519ph, crypto.SHA512, d512[:]},
		{KeyAlgMLDSA44, SchemeMLDSA, 0, msg},
		{KeyAlgMLDSA65, SchemeMLDSA, 0, msg},
		{KeyAlgMLDSA87, SchemeMLDSA, 0, msg},
	} {
		t.Run(tc.alg.String()+"/"+tc.scheme.String(), func(t *testing.T) {
			k := testKey(t, tc.alg)
			sig, err := k.Sign(tc.scheme, tc.h, tc.in)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			pub, err := k.Public()
			if err != nil {
				t.Fatal(err)
			}
			if !pub.Verify(tc.scheme, tc.h, tc.in, sig) {
				t.Fatal("Verify: got false, want true")
			}
			bad := bytes.Clone(sig)
			bad[len(bad)/3] ^= 0x10
			if pub.Verify(tc.scheme, tc.h, tc.in, bad) {
				t.Fatal("Verify of a flipped signature: got true")
			}
			if pub.Verify(tc.scheme, tc.h, tc.in, nil) || pub.Verify(tc.scheme, tc.h, tc.in[1:], sig) {
				t.Fatal("Verify of an empty signature or other input: got true")
			}
		})
	}
}

func TestSignRefusesMismatch(t *testing.T) {
	d := sha256.Sum256([]byte("m"))
	for _, tc := range []struct {
		alg    KeyAlg
		scheme SignScheme
		h      crypto.Hash
		in     []byte
	}{
		{KeyAlgP256, SchemeRSAPSS, crypto.SHA256, d[:]},
		{KeyAlgRSA2048, SchemeECDSA, crypto.SHA256, d[:]},
		{KeyAlgRSA2048, SchemeRSAPSS, crypto.SHA256, d[:31]},
		{KeyAlgRSA2048, SchemeRSAPSS, crypto.SHA1, make([]byte, 20)},
		{KeyAlgEd25519, SchemeEd25519ph, crypto.SHA256, d[:]},
		{KeyAlgMLDSA44, SchemeEd25519, 0, d[:]},
		{KeyAlgP256, SchemeInvalid, crypto.SHA256, d[:]},
	} {
		if _, err := testKey(t, tc.alg).Sign(tc.scheme, tc.h, tc.in); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%v %v %v %d bytes: got %v, want ErrInvalidArgument", tc.alg, tc.scheme, tc.h, len(tc.in), err)
		}
	}
}

func TestOAEP(t *testing.T) {
	k := testKey(t, KeyAlgRSA2048)
	pub, err := k.Public()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		max := MaxOAEPPlaintext(2048, h)
		if want := map[crypto.Hash]int{crypto.SHA1: 214, crypto.SHA256: 190}[h]; max != want {
			t.Fatalf("MaxOAEPPlaintext(2048, %v): got %d, want %d", h, max, want)
		}
		pt := bytes.Repeat([]byte{7}, max)
		ct, err := pub.EncryptOAEP(h, pt)
		if err != nil {
			t.Fatal(err)
		}
		got, err := k.DecryptOAEP(h, ct)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("DecryptOAEP: %v", err)
		}
		if _, err := pub.EncryptOAEP(h, append(pt, 0)); !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("oversized plaintext: got %v", err)
		}
		ct[0] ^= 1
		if _, err := k.DecryptOAEP(h, ct); !errors.Is(err, ErrInvalidCiphertext) {
			t.Fatalf("flipped ciphertext: got %v, want ErrInvalidCiphertext", err)
		}
	}
	if _, err := testKey(t, KeyAlgP256).DecryptOAEP(crypto.SHA256, make([]byte, 256)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("OAEP with an EC key: got %v", err)
	}
}

func TestECDH(t *testing.T) {
	k := testKey(t, KeyAlgP384)
	peer, err := ecdh.P384().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(peer.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	z, err := k.ECDH(spki)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := x509.ParsePKIXPublicKey(k.PublicKeyDER())
	if err != nil {
		t.Fatal(err)
	}
	mp, _ := mine.(interface {
		ECDH() (*ecdh.PublicKey, error)
	}).ECDH()
	want, err := peer.ECDH(mp)
	if err != nil || !bytes.Equal(z, want) {
		t.Fatalf("shared secrets differ (%v)", err)
	}
	if _, err := testKey(t, KeyAlgP256).ECDH(spki); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("P-384 peer for a P-256 key: got %v", err)
	}
	if _, err := testKey(t, KeyAlgEd25519).ECDH(spki); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("ECDH with Ed25519: got %v", err)
	}
}

func TestPrivateKeyDestroy(t *testing.T) {
	k, err := GeneratePrivateKey(KeyAlgP256)
	if err != nil {
		t.Fatal(err)
	}
	der := k.pkcs8
	k.Destroy()
	k.Destroy()
	if !bytes.Equal(der, make([]byte, len(der))) {
		t.Fatal("Destroy left the PKCS#8 bytes in memory")
	}
	d := sha256.Sum256(nil)
	if _, err := k.Sign(SchemeECDSA, crypto.SHA256, d[:]); !errors.Is(err, ErrKeyUnusable) {
		t.Fatalf("Sign after Destroy: got %v", err)
	}
	if k.PKCS8() != nil || k.PublicKeyDER() != nil {
		t.Fatal("a destroyed key still gives out its encodings")
	}
	var nilKey *PrivateKey
	nilKey.Destroy()
}
