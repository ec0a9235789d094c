package node

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// keyKind is one (KeySpec, KeyUsage) pair a test creates once and reuses: RSA-4096 key
// generation takes about a second, so the suite never makes the same kind twice.
type keyKind struct {
	spec  types.KeySpec
	usage types.KeyUsageType
}

// createKeys creates one key of each kind concurrently and returns their ids.
func createKeys(t *testing.T, c *kms.Client, kinds []keyKind) map[keyKind]string {
	t.Helper()
	ids := make(map[keyKind]string, len(kinds))
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(kinds))
	for _, k := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: k.spec, KeyUsage: k.usage, Description: aws.String(string(k.spec))})
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			ids[k] = aws.ToString(out.KeyMetadata.KeyId)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("CreateKey: %v", err)
	}
	return ids
}

// signingHash is the hash of an AWS signing algorithm (0 for ML-DSA, which hashes internally).
func signingHash(alg types.SigningAlgorithmSpec) crypto.Hash {
	switch alg {
	case types.SigningAlgorithmSpecRsassaPssSha256, types.SigningAlgorithmSpecRsassaPkcs1V15Sha256, types.SigningAlgorithmSpecEcdsaSha256:
		return crypto.SHA256
	case types.SigningAlgorithmSpecRsassaPssSha384, types.SigningAlgorithmSpecRsassaPkcs1V15Sha384, types.SigningAlgorithmSpecEcdsaSha384:
		return crypto.SHA384
	case types.SigningAlgorithmSpecRsassaPssSha512, types.SigningAlgorithmSpecRsassaPkcs1V15Sha512, types.SigningAlgorithmSpecEcdsaSha512,
		types.SigningAlgorithmSpecEd25519Sha512, types.SigningAlgorithmSpecEd25519PhSha512:
		return crypto.SHA512
	}
	return 0
}

func digest(h crypto.Hash, msg []byte) []byte {
	d := h.New()
	d.Write(msg)
	return d.Sum(nil)
}

// verifyLocally checks a keyhold signature with code nobody here wrote: the standard library,
// decred's secp256k1 and circl's ML-DSA, given the public key from GetPublicKey. msg is the
// message (never the digest).
func verifyLocally(t *testing.T, spec types.KeySpec, alg types.SigningAlgorithmSpec, spki, msg, sig []byte) {
	t.Helper()
	h := signingHash(alg)
	ok := false
	switch spec {
	case types.KeySpecEccSecgP256k1:
		var info struct {
			Algorithm pkix.AlgorithmIdentifier
			PublicKey asn1.BitString
		}
		if _, err := asn1.Unmarshal(spki, &info); err != nil {
			t.Fatal(err)
		}
		pub, err := secp256k1.ParsePubKey(info.PublicKey.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		s, err := k1ecdsa.ParseDERSignature(sig)
		ok = err == nil && s.Verify(digest(h, msg), pub)
	case types.KeySpecMlDsa44, types.KeySpecMlDsa65, types.KeySpecMlDsa87:
		var info struct {
			Algorithm pkix.AlgorithmIdentifier
			PublicKey asn1.BitString
		}
		if _, err := asn1.Unmarshal(spki, &info); err != nil {
			t.Fatal(err)
		}
		raw := info.PublicKey.Bytes
		switch spec {
		case types.KeySpecMlDsa44:
			var pk mldsa44.PublicKey
			ok = pk.UnmarshalBinary(raw) == nil && mldsa44.Verify(&pk, msg, nil, sig)
		case types.KeySpecMlDsa65:
			var pk mldsa65.PublicKey
			ok = pk.UnmarshalBinary(raw) == nil && mldsa65.Verify(&pk, msg, nil, sig)
		default:
			var pk mldsa87.PublicKey
			ok = pk.UnmarshalBinary(raw) == nil && mldsa87.Verify(&pk, msg, nil, sig)
		}
	default:
		pub, err := x509.ParsePKIXPublicKey(spki)
		if err != nil {
			t.Fatalf("ParsePKIXPublicKey: %v", err)
		}
		switch p := pub.(type) {
		case *rsa.PublicKey:
			if string(alg)[:10] == "RSASSA_PSS" {
				ok = rsa.VerifyPSS(p, h, digest(h, msg), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
			} else {
				ok = rsa.VerifyPKCS1v15(p, h, digest(h, msg), sig) == nil
			}
		case *ecdsa.PublicKey:
			ok = ecdsa.VerifyASN1(p, digest(h, msg), sig)
		case ed25519.PublicKey:
			if alg == types.SigningAlgorithmSpecEd25519PhSha512 {
				ok = ed25519.VerifyWithOptions(p, digest(h, msg), sig, &ed25519.Options{Hash: crypto.SHA512}) == nil
			} else {
				ok = ed25519.Verify(p, msg, sig)
			}
		}
	}
	if !ok {
		t.Fatalf("%s %s: the signature does not verify outside keyhold", spec, alg)
	}
}
