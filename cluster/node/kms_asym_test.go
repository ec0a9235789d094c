package node

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

var (
	signKinds = []keyKind{
		{types.KeySpecRsa2048, types.KeyUsageTypeSignVerify}, {types.KeySpecRsa3072, types.KeyUsageTypeSignVerify},
		{types.KeySpecRsa4096, types.KeyUsageTypeSignVerify}, {types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify},
		{types.KeySpecEccNistP384, types.KeyUsageTypeSignVerify}, {types.KeySpecEccNistP521, types.KeyUsageTypeSignVerify},
		{types.KeySpecEccSecgP256k1, types.KeyUsageTypeSignVerify}, {types.KeySpecEccNistEdwards25519, types.KeyUsageTypeSignVerify},
		{types.KeySpecMlDsa44, types.KeyUsageTypeSignVerify}, {types.KeySpecMlDsa65, types.KeyUsageTypeSignVerify},
		{types.KeySpecMlDsa87, types.KeyUsageTypeSignVerify},
	}
	encKinds = []keyKind{
		{types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt}, {types.KeySpecRsa3072, types.KeyUsageTypeEncryptDecrypt},
		{types.KeySpecRsa4096, types.KeyUsageTypeEncryptDecrypt},
	}
	agreeKinds = []keyKind{
		{types.KeySpecEccNistP256, types.KeyUsageTypeKeyAgreement}, {types.KeySpecEccNistP384, types.KeyUsageTypeKeyAgreement},
		{types.KeySpecEccNistP521, types.KeyUsageTypeKeyAgreement},
	}
	macKinds = []keyKind{
		{types.KeySpecHmac224, types.KeyUsageTypeGenerateVerifyMac}, {types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac},
		{types.KeySpecHmac384, types.KeyUsageTypeGenerateVerifyMac}, {types.KeySpecHmac512, types.KeyUsageTypeGenerateVerifyMac},
	}
)

// wantSigning is AWS's list of signing algorithms per key spec (key spec reference).
var wantSigning = map[types.KeySpec][]types.SigningAlgorithmSpec{
	types.KeySpecRsa2048: rsaSigning, types.KeySpecRsa3072: rsaSigning, types.KeySpecRsa4096: rsaSigning,
	types.KeySpecEccNistP256:         {types.SigningAlgorithmSpecEcdsaSha256},
	types.KeySpecEccNistP384:         {types.SigningAlgorithmSpecEcdsaSha384},
	types.KeySpecEccNistP521:         {types.SigningAlgorithmSpecEcdsaSha512},
	types.KeySpecEccSecgP256k1:       {types.SigningAlgorithmSpecEcdsaSha256},
	types.KeySpecEccNistEdwards25519: {types.SigningAlgorithmSpecEd25519Sha512, types.SigningAlgorithmSpecEd25519PhSha512},
	types.KeySpecMlDsa44:             {types.SigningAlgorithmSpecMlDsaShake256},
	types.KeySpecMlDsa65:             {types.SigningAlgorithmSpecMlDsaShake256},
	types.KeySpecMlDsa87:             {types.SigningAlgorithmSpecMlDsaShake256},
}

var rsaSigning = []types.SigningAlgorithmSpec{
	types.SigningAlgorithmSpecRsassaPssSha256, types.SigningAlgorithmSpecRsassaPssSha384, types.SigningAlgorithmSpecRsassaPssSha512,
	types.SigningAlgorithmSpecRsassaPkcs1V15Sha256, types.SigningAlgorithmSpecRsassaPkcs1V15Sha384, types.SigningAlgorithmSpecRsassaPkcs1V15Sha512,
}

// messageTypes returns the MessageTypes AWS allows with alg.
func messageTypes(alg types.SigningAlgorithmSpec) []types.MessageType {
	switch alg {
	case types.SigningAlgorithmSpecEd25519Sha512, types.SigningAlgorithmSpecMlDsaShake256:
		return []types.MessageType{types.MessageTypeRaw}
	case types.SigningAlgorithmSpecEd25519PhSha512:
		return []types.MessageType{types.MessageTypeDigest}
	}
	return []types.MessageType{types.MessageTypeRaw, types.MessageTypeDigest}
}

func TestAsymmetricKeys(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms
	all := slices.Concat(signKinds, encKinds, agreeKinds, macKinds)
	ids := createKeys(t, c, all)
	sym := aws.ToString(createKey(t, c, "symmetric").KeyId)

	t.Run("DescribeKey", func(t *testing.T) {
		for _, k := range all {
			md, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(ids[k])})
			if err != nil {
				t.Fatal(err)
			}
			m := md.KeyMetadata
			if m.KeySpec != k.spec || m.KeyUsage != k.usage || m.KeyState != types.KeyStateEnabled {
				t.Fatalf("%v: got spec %s usage %s state %s", k, m.KeySpec, m.KeyUsage, m.KeyState)
			}
			var want, got []string
			switch k.usage {
			case types.KeyUsageTypeSignVerify:
				want, got = strs(wantSigning[k.spec]), strs(m.SigningAlgorithms)
			case types.KeyUsageTypeEncryptDecrypt:
				want, got = []string{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}, strs(m.EncryptionAlgorithms)
			case types.KeyUsageTypeKeyAgreement:
				want, got = []string{"ECDH"}, strs(m.KeyAgreementAlgorithms)
			case types.KeyUsageTypeGenerateVerifyMac:
				want, got = []string{"HMAC_SHA_" + strings.TrimPrefix(string(k.spec), "HMAC_")}, strs(m.MacAlgorithms)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%v: algorithms got %v, want %v", k, got, want)
			}
		}
	})

	t.Run("GetPublicKey", func(t *testing.T) {
		for _, k := range slices.Concat(signKinds, encKinds, agreeKinds) {
			out, err := c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: aws.String(ids[k])})
			if err != nil {
				t.Fatalf("%v: %v", k, err)
			}
			if out.KeySpec != k.spec || out.KeyUsage != k.usage || len(out.PublicKey) == 0 || !strings.HasSuffix(aws.ToString(out.KeyId), ids[k]) {
				t.Fatalf("%v: got spec %s usage %s, %d key bytes", k, out.KeySpec, out.KeyUsage, len(out.PublicKey))
			}
			switch k.usage {
			case types.KeyUsageTypeSignVerify:
				if !slices.Equal(out.SigningAlgorithms, wantSigning[k.spec]) {
					t.Errorf("%v: SigningAlgorithms %v", k, out.SigningAlgorithms)
				}
			case types.KeyUsageTypeEncryptDecrypt:
				if len(out.EncryptionAlgorithms) != 2 {
					t.Errorf("%v: EncryptionAlgorithms %v", k, out.EncryptionAlgorithms)
				}
			case types.KeyUsageTypeKeyAgreement:
				if !slices.Equal(out.KeyAgreementAlgorithms, []types.KeyAgreementAlgorithmSpec{types.KeyAgreementAlgorithmSpecEcdh}) {
					t.Errorf("%v: KeyAgreementAlgorithms %v", k, out.KeyAgreementAlgorithms)
				}
			}
		}
		for _, id := range []string{sym, ids[macKinds[0]]} {
			_, err := c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: aws.String(id)})
			clustertest.WantCode(t, err, "UnsupportedOperationException")
		}
	})

	t.Run("Sign/Verify", func(t *testing.T) {
		msg := []byte("pay 10 to alice")
		for _, k := range signKinds {
			pub := publicKey(t, c, ids[k])
			for _, alg := range wantSigning[k.spec] {
				for _, mt := range messageTypes(alg) {
					in := msg
					if mt == types.MessageTypeDigest {
						in = digest(signingHash(alg), msg)
					}
					out, err := c.Sign(ctx(), &kms.SignInput{KeyId: aws.String(ids[k]), Message: in, MessageType: mt, SigningAlgorithm: alg})
					if err != nil {
						t.Fatalf("%s %s %s: Sign: %v", k.spec, alg, mt, err)
					}
					if out.SigningAlgorithm != alg || !strings.HasSuffix(aws.ToString(out.KeyId), ids[k]) {
						t.Fatalf("Sign: got %s %s", out.SigningAlgorithm, aws.ToString(out.KeyId))
					}
					verifyLocally(t, k.spec, alg, pub, msg, out.Signature)
					v, err := c.Verify(ctx(), &kms.VerifyInput{KeyId: aws.String(ids[k]), Message: in, MessageType: mt, SigningAlgorithm: alg, Signature: out.Signature})
					if err != nil || !v.SignatureValid {
						t.Fatalf("%s %s %s: Verify: %v", k.spec, alg, mt, err)
					}
					bad := bytes.Clone(out.Signature)
					bad[len(bad)/2] ^= 1
					_, err = c.Verify(ctx(), &kms.VerifyInput{KeyId: aws.String(ids[k]), Message: in, MessageType: mt, SigningAlgorithm: alg, Signature: bad})
					clustertest.WantCode(t, err, "KMSInvalidSignatureException")
					_, err = c.Verify(ctx(), &kms.VerifyInput{KeyId: aws.String(ids[k]), Message: append(bytes.Clone(in[:len(in)-1]), in[len(in)-1]^1), MessageType: mt, SigningAlgorithm: alg, Signature: out.Signature})
					clustertest.WantCode(t, err, "KMSInvalidSignatureException")
				}
			}
		}
	})

	t.Run("Sign/errors", func(t *testing.T) {
		p256, rsaSign, ed, ml := ids[signKinds[3]], ids[signKinds[0]], ids[signKinds[7]], ids[signKinds[8]]
		big := make([]byte, 4097)
		cases := []struct {
			name string
			in   kms.SignInput
			code string
		}{
			{"symmetric key", kms.SignInput{KeyId: aws.String(sym), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256}, "InvalidKeyUsageException"},
			{"encryption key", kms.SignInput{KeyId: aws.String(ids[encKinds[0]]), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecRsassaPssSha256}, "InvalidKeyUsageException"},
			{"wrong curve digest", kms.SignInput{KeyId: aws.String(p256), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha384}, "InvalidKeyUsageException"},
			{"RSA alg on ECC", kms.SignInput{KeyId: aws.String(p256), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecRsassaPssSha256}, "InvalidKeyUsageException"},
			{"unknown alg", kms.SignInput{KeyId: aws.String(p256), Message: []byte("m"), SigningAlgorithm: "ECDSA_SHA_1"}, "ValidationException"},
			{"message too long", kms.SignInput{KeyId: aws.String(p256), Message: big, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256}, "ValidationException"},
			{"digest too short", kms.SignInput{KeyId: aws.String(rsaSign), Message: make([]byte, 31), MessageType: types.MessageTypeDigest, SigningAlgorithm: types.SigningAlgorithmSpecRsassaPssSha256}, "ValidationException"},
			{"digest of another hash", kms.SignInput{KeyId: aws.String(rsaSign), Message: make([]byte, 32), MessageType: types.MessageTypeDigest, SigningAlgorithm: types.SigningAlgorithmSpecRsassaPssSha512}, "ValidationException"},
			{"Ed25519 digest", kms.SignInput{KeyId: aws.String(ed), Message: make([]byte, 64), MessageType: types.MessageTypeDigest, SigningAlgorithm: types.SigningAlgorithmSpecEd25519Sha512}, "ValidationException"},
			{"Ed25519ph raw", kms.SignInput{KeyId: aws.String(ed), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEd25519PhSha512}, "ValidationException"},
			{"ML-DSA digest", kms.SignInput{KeyId: aws.String(ml), Message: make([]byte, 64), MessageType: types.MessageTypeDigest, SigningAlgorithm: types.SigningAlgorithmSpecMlDsaShake256}, "ValidationException"},
			{"ML-DSA external mu of 63 bytes", kms.SignInput{KeyId: aws.String(ml), Message: make([]byte, 63), MessageType: types.MessageTypeExternalMu, SigningAlgorithm: types.SigningAlgorithmSpecMlDsaShake256}, "ValidationException"},
			{"external mu on ECDSA", kms.SignInput{KeyId: aws.String(p256), Message: make([]byte, 64), MessageType: types.MessageTypeExternalMu, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256}, "ValidationException"},
			{"no such key", kms.SignInput{KeyId: aws.String("alias/nope"), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256}, "NotFoundException"},
		}
		for _, tc := range cases {
			_, err := c.Sign(ctx(), &tc.in)
			if got := clustertest.ErrCode(err); got != tc.code {
				t.Errorf("%s: got %q, want %q (%v)", tc.name, got, tc.code, err)
			}
		}
		// The 4096-byte limit is inclusive.
		if _, err := c.Sign(ctx(), &kms.SignInput{KeyId: aws.String(p256), Message: big[:4096], SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256}); err != nil {
			t.Fatalf("4096-byte message: %v", err)
		}
	})

	t.Run("Encrypt/Decrypt RSAES_OAEP", func(t *testing.T) {
		limits := map[types.KeySpec][2]int{types.KeySpecRsa2048: {214, 190}, types.KeySpecRsa3072: {342, 318}, types.KeySpecRsa4096: {470, 446}}
		for _, k := range encKinds {
			pub, err := x509.ParsePKIXPublicKey(publicKey(t, c, ids[k]))
			if err != nil {
				t.Fatal(err)
			}
			for i, alg := range []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecRsaesOaepSha1, types.EncryptionAlgorithmSpecRsaesOaepSha256} {
				max := limits[k.spec][i]
				pt := bytes.Repeat([]byte{0xa5}, max)
				out, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(ids[k]), Plaintext: pt, EncryptionAlgorithm: alg})
				if err != nil {
					t.Fatalf("%s %s: Encrypt %d bytes: %v", k.spec, alg, max, err)
				}
				if out.EncryptionAlgorithm != alg {
					t.Fatalf("Encrypt: algorithm %s", out.EncryptionAlgorithm)
				}
				dec, err := c.Decrypt(ctx(), &kms.DecryptInput{KeyId: aws.String(ids[k]), CiphertextBlob: out.CiphertextBlob, EncryptionAlgorithm: alg})
				if err != nil || !bytes.Equal(dec.Plaintext, pt) || dec.EncryptionAlgorithm != alg {
					t.Fatalf("%s %s: Decrypt: %v", k.spec, alg, err)
				}
				_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(ids[k]), Plaintext: append(pt, 0), EncryptionAlgorithm: alg})
				clustertest.WantCode(t, err, "ValidationException")
				// A ciphertext made outside keyhold with the public key (the stdlib's OAEP).
				h := sha256.New()
				if i == 0 {
					h = sha1.New()
				}
				ct, err := rsa.EncryptOAEP(h, rand.Reader, pub.(*rsa.PublicKey), []byte("from outside"), nil)
				if err != nil {
					t.Fatal(err)
				}
				dec, err = c.Decrypt(ctx(), &kms.DecryptInput{KeyId: aws.String(ids[k]), CiphertextBlob: ct, EncryptionAlgorithm: alg})
				if err != nil || string(dec.Plaintext) != "from outside" {
					t.Fatalf("%s %s: Decrypt of a stdlib ciphertext: %v", k.spec, alg, err)
				}
				// The other OAEP hash, a flipped bit: one InvalidCiphertextException.
				other := []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecRsaesOaepSha256, types.EncryptionAlgorithmSpecRsaesOaepSha1}[i]
				_, err = c.Decrypt(ctx(), &kms.DecryptInput{KeyId: aws.String(ids[k]), CiphertextBlob: ct, EncryptionAlgorithm: other})
				clustertest.WantCode(t, err, "InvalidCiphertextException")
				ct[5] ^= 1
				_, err = c.Decrypt(ctx(), &kms.DecryptInput{KeyId: aws.String(ids[k]), CiphertextBlob: ct, EncryptionAlgorithm: alg})
				clustertest.WantCode(t, err, "InvalidCiphertextException")
			}
		}
		rsa2048 := ids[encKinds[0]]
		_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(rsa2048), Plaintext: []byte("x")})
		clustertest.WantCode(t, err, "InvalidKeyUsageException") // SYMMETRIC_DEFAULT with an RSA key
		_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(ids[signKinds[0]]), Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
		clustertest.WantCode(t, err, "InvalidKeyUsageException") // a SIGN_VERIFY key
		_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(sym), Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
		clustertest.WantCode(t, err, "InvalidKeyUsageException")
		_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(rsa2048), Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256, EncryptionContext: map[string]string{"a": "b"}})
		clustertest.WantCode(t, err, "ValidationException")
		_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: make([]byte, 256), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
		clustertest.WantCode(t, err, "ValidationException") // no KeyId
		_, err = c.Decrypt(ctx(), &kms.DecryptInput{KeyId: aws.String(rsa2048), CiphertextBlob: make([]byte, 255), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
		clustertest.WantCode(t, err, "InvalidCiphertextException")
	})

	t.Run("GenerateMac/VerifyMac", func(t *testing.T) {
		sizes := map[types.KeySpec]int{types.KeySpecHmac224: 28, types.KeySpecHmac256: 32, types.KeySpecHmac384: 48, types.KeySpecHmac512: 64}
		for _, k := range macKinds {
			alg := types.MacAlgorithmSpec("HMAC_SHA_" + strings.TrimPrefix(string(k.spec), "HMAC_"))
			out, err := c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: aws.String(ids[k]), Message: []byte("token"), MacAlgorithm: alg})
			if err != nil {
				t.Fatalf("%s: GenerateMac: %v", k.spec, err)
			}
			if len(out.Mac) != sizes[k.spec] || out.MacAlgorithm != alg {
				t.Fatalf("%s: got a %d-byte %s MAC", k.spec, len(out.Mac), out.MacAlgorithm)
			}
			again, err := c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: aws.String(ids[k]), Message: []byte("token"), MacAlgorithm: alg})
			if err != nil || !bytes.Equal(again.Mac, out.Mac) {
				t.Fatalf("%s: HMAC is not deterministic: %v", k.spec, err)
			}
			v, err := c.VerifyMac(ctx(), &kms.VerifyMacInput{KeyId: aws.String(ids[k]), Message: []byte("token"), Mac: out.Mac, MacAlgorithm: alg})
			if err != nil || !v.MacValid {
				t.Fatalf("%s: VerifyMac: %v", k.spec, err)
			}
			bad := bytes.Clone(out.Mac)
			bad[0] ^= 1
			_, err = c.VerifyMac(ctx(), &kms.VerifyMacInput{KeyId: aws.String(ids[k]), Message: []byte("token"), Mac: bad, MacAlgorithm: alg})
			clustertest.WantCode(t, err, "KMSInvalidMacException")
			_, err = c.VerifyMac(ctx(), &kms.VerifyMacInput{KeyId: aws.String(ids[k]), Message: []byte("tokeN"), Mac: out.Mac, MacAlgorithm: alg})
			clustertest.WantCode(t, err, "KMSInvalidMacException")
			_, err = c.VerifyMac(ctx(), &kms.VerifyMacInput{KeyId: aws.String(ids[k]), Message: []byte("token"), Mac: out.Mac[:len(out.Mac)-1], MacAlgorithm: alg})
			clustertest.WantCode(t, err, "KMSInvalidMacException")
		}
		h256 := ids[macKinds[1]]
		_, err := c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: aws.String(h256), Message: []byte("m"), MacAlgorithm: types.MacAlgorithmSpecHmacSha512})
		clustertest.WantCode(t, err, "InvalidKeyUsageException")
		_, err = c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: aws.String(sym), Message: []byte("m"), MacAlgorithm: types.MacAlgorithmSpecHmacSha256})
		clustertest.WantCode(t, err, "InvalidKeyUsageException")
		_, err = c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: aws.String(h256), Message: make([]byte, 4097), MacAlgorithm: types.MacAlgorithmSpecHmacSha256})
		clustertest.WantCode(t, err, "ValidationException")
		_, err = c.GenerateMac(ctx(), &kms.GenerateMacInput{KeyId: aws.String(h256), Message: []byte("m"), MacAlgorithm: "HMAC_MD5"})
		clustertest.WantCode(t, err, "ValidationException")
		_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(h256), Plaintext: []byte("x")})
		clustertest.WantCode(t, err, "InvalidKeyUsageException")
	})

	t.Run("DeriveSharedSecret", func(t *testing.T) {
		curves := []ecdh.Curve{ecdh.P256(), ecdh.P384(), ecdh.P521()}
		for i, k := range agreeKinds {
			mine, err := curves[i].GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			myPub, err := x509.MarshalPKIXPublicKey(mine.PublicKey())
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.DeriveSharedSecret(ctx(), &kms.DeriveSharedSecretInput{KeyId: aws.String(ids[k]), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: myPub})
			if err != nil {
				t.Fatalf("%s: DeriveSharedSecret: %v", k.spec, err)
			}
			theirs, err := x509.ParsePKIXPublicKey(publicKey(t, c, ids[k]))
			if err != nil {
				t.Fatal(err)
			}
			tp, err := theirs.(interface {
				ECDH() (*ecdh.PublicKey, error)
			}).ECDH()
			if err != nil {
				t.Fatal(err)
			}
			want, err := mine.ECDH(tp)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.SharedSecret, want) || out.KeyAgreementAlgorithm != types.KeyAgreementAlgorithmSpecEcdh || out.KeyOrigin != types.OriginTypeAwsKms {
				t.Fatalf("%s: the shared secrets differ", k.spec)
			}
		}
		other, _ := ecdh.P384().GenerateKey(rand.Reader)
		otherPub, _ := x509.MarshalPKIXPublicKey(other.PublicKey())
		_, err := c.DeriveSharedSecret(ctx(), &kms.DeriveSharedSecretInput{KeyId: aws.String(ids[agreeKinds[0]]), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: otherPub})
		clustertest.WantCode(t, err, "ValidationException") // a P-384 peer for a P-256 key
		_, err = c.DeriveSharedSecret(ctx(), &kms.DeriveSharedSecretInput{KeyId: aws.String(ids[signKinds[3]]), KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: otherPub})
		clustertest.WantCode(t, err, "InvalidKeyUsageException") // a SIGN_VERIFY key
		_, err = c.Sign(ctx(), &kms.SignInput{KeyId: aws.String(ids[agreeKinds[0]]), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
		clustertest.WantCode(t, err, "InvalidKeyUsageException")
	})

	t.Run("CreateKey/errors", func(t *testing.T) {
		for _, in := range []kms.CreateKeyInput{
			{KeySpec: types.KeySpecEccNistP256},                                                   // ENCRYPT_DECRYPT by default
			{KeySpec: types.KeySpecEccSecgP256k1, KeyUsage: types.KeyUsageTypeKeyAgreement},       // NIST curves only
			{KeySpec: types.KeySpecHmac256},                                                       // needs GENERATE_VERIFY_MAC
			{KeySpec: types.KeySpecMlDsa44, KeyUsage: types.KeyUsageTypeEncryptDecrypt},           // signing only
			{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeGenerateVerifyMac},        // not a MAC key
			{KeySpec: types.KeySpecSymmetricDefault, KeyUsage: types.KeyUsageTypeSignVerify},      // symmetric encrypts
			{KeySpec: "RSA_1024", KeyUsage: types.KeyUsageTypeSignVerify},                         // not a spec
			{KeySpec: types.KeySpecEccNistEdwards25519, KeyUsage: types.KeyUsageTypeKeyAgreement}, // signing only
		} {
			_, err := c.CreateKey(ctx(), &in)
			if got := clustertest.ErrCode(err); got != "ValidationException" {
				t.Errorf("CreateKey %s %s: got %q, want ValidationException", in.KeySpec, in.KeyUsage, got)
			}
		}
	})

	t.Run("Unsupported", func(t *testing.T) {
		for _, k := range []keyKind{signKinds[0], encKinds[0], macKinds[0], agreeKinds[0]} {
			_, err := c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: aws.String(ids[k])})
			clustertest.WantCode(t, err, "UnsupportedOperationException")
			_, err = c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: aws.String(ids[k])})
			clustertest.WantCode(t, err, "UnsupportedOperationException")
		}
		_, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(ids[encKinds[0]]), KeySpec: types.DataKeySpecAes256})
		clustertest.WantCode(t, err, "UnsupportedOperationException")
		_, err = c.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: aws.String(ids[encKinds[0]]), KeyPairSpec: types.DataKeyPairSpecEccNistP256})
		clustertest.WantCode(t, err, "UnsupportedOperationException")
		_, err = c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(ids[signKinds[0]]), KeySpec: types.DataKeySpecAes256})
		clustertest.WantCode(t, err, "InvalidKeyUsageException")
	})

	t.Run("Disabled", func(t *testing.T) {
		id := ids[signKinds[3]]
		if _, err := c.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		_, err := c.Sign(ctx(), &kms.SignInput{KeyId: aws.String(id), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
		clustertest.WantCode(t, err, "DisabledException")
		_, err = c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: aws.String(id)})
		clustertest.WantCode(t, err, "DisabledException")
		if _, err := c.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Restart", func(t *testing.T) {
		// The private key is only a sealed token in the replicated state: after a restart
		// (empty cache, state from the raft log) it signs for the same public key.
		k := signKinds[6] // secp256k1: the hand-written PKCS#8 round-trips through the HSM
		pub := publicKey(t, c, ids[k])
		tn.restart(t)
		c = tn.kms
		out, err := c.Sign(ctx(), &kms.SignInput{KeyId: aws.String(ids[k]), Message: []byte("after"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(publicKey(t, c, ids[k]), pub) {
			t.Fatal("the public key changed across a restart")
		}
		verifyLocally(t, k.spec, types.SigningAlgorithmSpecEcdsaSha256, pub, []byte("after"), out.Signature)
	})
}

func publicKey(t *testing.T, c *kms.Client, id string) []byte {
	t.Helper()
	out, err := c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetPublicKey: %v", err)
	}
	return out.PublicKey
}

func strs[S ~string](v []S) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}
