package node

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestGenerateDataKeyPair: the PKCS#8 private key and the SPKI public key are a matching pair
// that the standard library (decred for secp256k1) uses as is, and PrivateKeyCiphertextBlob
// is an ordinary blob that Decrypt turns back into the same PKCS#8.
func TestGenerateDataKeyPair(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms
	cmk := aws.ToString(createKey(t, c, "data key pairs").KeyId)
	ec := map[string]string{"purpose": "pair"}
	msg := []byte("signed by a data key pair")
	sum := sha256.Sum256(msg)
	for _, spec := range []types.DataKeyPairSpec{
		types.DataKeyPairSpecRsa2048, types.DataKeyPairSpecRsa3072, types.DataKeyPairSpecRsa4096,
		types.DataKeyPairSpecEccNistP256, types.DataKeyPairSpecEccNistP384, types.DataKeyPairSpecEccNistP521,
		types.DataKeyPairSpecEccSecgP256k1,
	} {
		t.Run(string(spec), func(t *testing.T) {
			out, err := c.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: aws.String(cmk), KeyPairSpec: spec, EncryptionContext: ec})
			if err != nil {
				t.Fatalf("GenerateDataKeyPair: %v", err)
			}
			if out.KeyPairSpec != spec || len(out.PrivateKeyPlaintext) == 0 || len(out.PublicKey) == 0 {
				t.Fatalf("got spec %s, %d private and %d public bytes", out.KeyPairSpec, len(out.PrivateKeyPlaintext), len(out.PublicKey))
			}
			if spec == types.DataKeyPairSpecEccSecgP256k1 {
				checkSecp256k1Pair(t, out.PrivateKeyPlaintext, out.PublicKey, sum[:])
			} else {
				priv, err := x509.ParsePKCS8PrivateKey(out.PrivateKeyPlaintext)
				if err != nil {
					t.Fatalf("ParsePKCS8PrivateKey: %v", err)
				}
				pub, err := x509.ParsePKIXPublicKey(out.PublicKey)
				if err != nil {
					t.Fatalf("ParsePKIXPublicKey: %v", err)
				}
				signer := priv.(crypto.Signer)
				if !signer.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
					t.Fatal("PublicKey is not the private key's public key")
				}
				sig, err := signer.Sign(rand.Reader, sum[:], crypto.SHA256)
				if err != nil {
					t.Fatal(err)
				}
				switch p := pub.(type) {
				case *rsa.PublicKey:
					err = rsa.VerifyPKCS1v15(p, crypto.SHA256, sum[:], sig)
				case *ecdsa.PublicKey:
					if !ecdsa.VerifyASN1(p, sum[:], sig) {
						err = errBadSig
					}
				}
				if err != nil {
					t.Fatalf("a stdlib signature with the pair does not verify: %v", err)
				}
			}
			dec, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: ec})
			if err != nil {
				t.Fatalf("Decrypt of PrivateKeyCiphertextBlob: %v", err)
			}
			if !bytes.Equal(dec.Plaintext, out.PrivateKeyPlaintext) {
				t.Fatal("PrivateKeyCiphertextBlob does not decrypt to PrivateKeyPlaintext")
			}
			_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob})
			clustertest.WantCode(t, err, "InvalidCiphertextException")
		})
	}
	t.Run("WithoutPlaintext", func(t *testing.T) {
		out, err := c.GenerateDataKeyPairWithoutPlaintext(ctx(), &kms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: aws.String(cmk), KeyPairSpec: types.DataKeyPairSpecEccNistP256})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.PrivateKeyCiphertextBlob})
		if err != nil {
			t.Fatal(err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(dec.Plaintext)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := x509.ParsePKIXPublicKey(out.PublicKey)
		if err != nil || !priv.(*ecdsa.PrivateKey).PublicKey.Equal(pub) {
			t.Fatalf("the decrypted private key does not match PublicKey (%v)", err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		_, err := c.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: aws.String(cmk), KeyPairSpec: "RSA_1024"})
		clustertest.WantCode(t, err, "ValidationException")
		_, err = c.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: aws.String("alias/none"), KeyPairSpec: types.DataKeyPairSpecEccNistP256})
		clustertest.WantCode(t, err, "NotFoundException")
	})
}

var errBadSig = errors.New("signature does not verify")

// checkSecp256k1Pair parses the PKCS#8 and SPKI of a secp256k1 pair with encoding/asn1 and
// decred, and checks they match and sign.
func checkSecp256k1Pair(t *testing.T, pkcs8, spki, digest []byte) {
	t.Helper()
	var info struct {
		Version    int
		Algorithm  pkix.AlgorithmIdentifier
		PrivateKey []byte
	}
	if _, err := asn1.Unmarshal(pkcs8, &info); err != nil {
		t.Fatalf("PKCS#8: %v", err)
	}
	var ec struct {
		Version    int
		PrivateKey []byte
		PublicKey  asn1.BitString `asn1:"optional,explicit,tag:1"`
	}
	if _, err := asn1.Unmarshal(info.PrivateKey, &ec); err != nil {
		t.Fatalf("ECPrivateKey: %v", err)
	}
	var pubInfo struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &pubInfo); err != nil {
		t.Fatalf("SPKI: %v", err)
	}
	priv := secp256k1.PrivKeyFromBytes(ec.PrivateKey)
	pub, err := secp256k1.ParsePubKey(pubInfo.PublicKey.Bytes)
	if err != nil || !pub.IsEqual(priv.PubKey()) {
		t.Fatalf("PublicKey does not match the private key (%v)", err)
	}
	if !k1ecdsa.Sign(priv, digest).Verify(digest, pub) {
		t.Fatal("a decred signature with the pair does not verify")
	}
}
