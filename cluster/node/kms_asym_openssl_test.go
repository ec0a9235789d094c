package node

import (
	"bytes"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// opensslBin returns the path of openssl, or skips. `make deps` installs it; `make test` sets
// KEYHOLD_REQUIRE_AWSCLI, which makes a missing openssl fail instead of skipping too.
func opensslBin(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("openssl"); err == nil {
		return p
	}
	if os.Getenv("KEYHOLD_REQUIRE_AWSCLI") != "" || os.Getenv("KEYHOLD_REQUIRE_OPENSSL") != "" {
		t.Fatal("openssl not found (apt-get install openssl)")
	}
	t.Skip("openssl not found (apt-get install openssl)")
	return ""
}

// openssl runs openssl with args in dir and fails the test, with its output, on a non-zero exit.
func openssl(t *testing.T, bin, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, out)
	}
	return out
}

// writePEM writes a DER SubjectPublicKeyInfo from GetPublicKey as a PEM "PUBLIC KEY" file.
func writePEM(t *testing.T, path string, spki []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestOpenSSLInterop: OpenSSL, with nothing but the public key from GetPublicKey, verifies
// keyhold's RSA (PSS and PKCS#1 v1.5), ECDSA (NIST curves and secp256k1) and Ed25519
// signatures, and encrypts with RSAES-OAEP (SHA-1 and SHA-256) what keyhold then decrypts; it
// also reads the secp256k1 PKCS#8 that GenerateDataKeyPair returns.
func TestOpenSSLInterop(t *testing.T) {
	bin := opensslBin(t)
	tn := newTestNode(t)
	c := tn.kms
	kinds := []keyKind{
		{types.KeySpecRsa2048, types.KeyUsageTypeSignVerify}, {types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt},
		{types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify}, {types.KeySpecEccNistP384, types.KeyUsageTypeSignVerify},
		{types.KeySpecEccNistP521, types.KeyUsageTypeSignVerify}, {types.KeySpecEccSecgP256k1, types.KeyUsageTypeSignVerify},
		{types.KeySpecEccNistEdwards25519, types.KeyUsageTypeSignVerify},
	}
	ids := createKeys(t, c, kinds)
	dir := t.TempDir()
	msg := []byte("release v1.2.3 checksum manifest\n")
	if err := os.WriteFile(filepath.Join(dir, "msg"), msg, 0o600); err != nil {
		t.Fatal(err)
	}
	sign := func(t *testing.T, id string, alg types.SigningAlgorithmSpec) {
		t.Helper()
		out, err := c.Sign(ctx(), &kms.SignInput{KeyId: aws.String(id), Message: msg, SigningAlgorithm: alg})
		if err != nil {
			t.Fatalf("Sign %s: %v", alg, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "sig"), out.Signature, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("RSA signatures", func(t *testing.T) {
		id := ids[kinds[0]]
		writePEM(t, filepath.Join(dir, "rsa.pem"), publicKey(t, c, id))
		for _, tc := range []struct {
			alg  types.SigningAlgorithmSpec
			md   string
			opts []string
		}{
			{types.SigningAlgorithmSpecRsassaPkcs1V15Sha256, "-sha256", nil},
			{types.SigningAlgorithmSpecRsassaPkcs1V15Sha384, "-sha384", nil},
			{types.SigningAlgorithmSpecRsassaPkcs1V15Sha512, "-sha512", nil},
			// AWS's PSS salt is the hash length: tell OpenSSL so (-1), rather than auto-detect.
			{types.SigningAlgorithmSpecRsassaPssSha256, "-sha256", []string{"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"}},
			{types.SigningAlgorithmSpecRsassaPssSha384, "-sha384", []string{"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"}},
			{types.SigningAlgorithmSpecRsassaPssSha512, "-sha512", []string{"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"}},
		} {
			sign(t, id, tc.alg)
			args := slices.Concat([]string{"dgst", tc.md, "-verify", "rsa.pem", "-signature", "sig"}, tc.opts, []string{"msg"})
			if out := openssl(t, bin, dir, args...); !bytes.Contains(out, []byte("Verified OK")) {
				t.Fatalf("%s: openssl says %s", tc.alg, out)
			}
		}
		// pkeyutl over a digest, as a signer of pre-hashed data would check it.
		sign(t, id, types.SigningAlgorithmSpecRsassaPkcs1V15Sha256)
		openssl(t, bin, dir, "dgst", "-sha256", "-binary", "-out", "digest", "msg")
		if out := openssl(t, bin, dir, "pkeyutl", "-verify", "-pubin", "-inkey", "rsa.pem", "-in", "digest", "-sigfile", "sig", "-pkeyopt", "digest:sha256"); !bytes.Contains(out, []byte("Signature Verified Successfully")) {
			t.Fatalf("pkeyutl: %s", out)
		}
	})

	t.Run("ECDSA signatures", func(t *testing.T) {
		for _, tc := range []struct {
			kind keyKind
			alg  types.SigningAlgorithmSpec
			md   string
		}{
			{kinds[2], types.SigningAlgorithmSpecEcdsaSha256, "-sha256"},
			{kinds[3], types.SigningAlgorithmSpecEcdsaSha384, "-sha384"},
			{kinds[4], types.SigningAlgorithmSpecEcdsaSha512, "-sha512"},
			{kinds[5], types.SigningAlgorithmSpecEcdsaSha256, "-sha256"},
		} {
			pemPath := string(tc.kind.spec) + ".pem"
			writePEM(t, filepath.Join(dir, pemPath), publicKey(t, c, ids[tc.kind]))
			sign(t, ids[tc.kind], tc.alg)
			if out := openssl(t, bin, dir, "dgst", tc.md, "-verify", pemPath, "-signature", "sig", "msg"); !bytes.Contains(out, []byte("Verified OK")) {
				t.Fatalf("%s: openssl says %s", tc.kind.spec, out)
			}
		}
	})

	t.Run("Ed25519 signature", func(t *testing.T) {
		id := ids[kinds[6]]
		writePEM(t, filepath.Join(dir, "ed.pem"), publicKey(t, c, id))
		sign(t, id, types.SigningAlgorithmSpecEd25519Sha512)
		if out := openssl(t, bin, dir, "pkeyutl", "-verify", "-pubin", "-inkey", "ed.pem", "-rawin", "-in", "msg", "-sigfile", "sig"); !bytes.Contains(out, []byte("Signature Verified Successfully")) {
			t.Fatalf("openssl says %s", out)
		}
	})

	t.Run("RSAES_OAEP from openssl", func(t *testing.T) {
		id := ids[kinds[1]]
		writePEM(t, filepath.Join(dir, "rsaenc.pem"), publicKey(t, c, id))
		for _, tc := range []struct {
			md  string
			alg types.EncryptionAlgorithmSpec
		}{{"sha256", types.EncryptionAlgorithmSpecRsaesOaepSha256}, {"sha1", types.EncryptionAlgorithmSpecRsaesOaepSha1}} {
			openssl(t, bin, dir, "pkeyutl", "-encrypt", "-pubin", "-inkey", "rsaenc.pem", "-in", "msg", "-out", "ct",
				"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:"+tc.md)
			ct, err := os.ReadFile(filepath.Join(dir, "ct"))
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.Decrypt(ctx(), &kms.DecryptInput{KeyId: aws.String(id), CiphertextBlob: ct, EncryptionAlgorithm: tc.alg})
			if err != nil {
				t.Fatalf("Decrypt of an openssl %s ciphertext: %v", tc.md, err)
			}
			if !bytes.Equal(out.Plaintext, msg) {
				t.Fatalf("got %q, want %q", out.Plaintext, msg)
			}
		}
	})

	t.Run("secp256k1 data key pair", func(t *testing.T) {
		cmk := aws.ToString(createKey(t, c, "pairs").KeyId)
		out, err := c.GenerateDataKeyPair(ctx(), &kms.GenerateDataKeyPairInput{KeyId: aws.String(cmk), KeyPairSpec: types.DataKeyPairSpecEccSecgP256k1})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "k1.der"), out.PrivateKeyPlaintext, 0o600); err != nil {
			t.Fatal(err)
		}
		pub := openssl(t, bin, dir, "pkey", "-inform", "DER", "-in", "k1.der", "-pubout", "-outform", "DER")
		if !bytes.Equal(pub, out.PublicKey) {
			t.Fatal("openssl derives another public key from PrivateKeyPlaintext than PublicKey")
		}
	})
}
