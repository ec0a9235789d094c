package node

import (
	"crypto/sha3"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// externalMu computes FIPS 204's message representative for a pure ML-DSA signature with an
// empty context: μ = SHAKE256(tr || 0x00 || 0x00 || M, 64), tr = SHAKE256(pk, 64) (§6.2, §5.2).
func externalMu(pk, msg []byte) []byte {
	tr := make([]byte, 64)
	h := sha3.NewSHAKE256()
	h.Write(pk)
	h.Read(tr)
	mu := make([]byte, 64)
	h = sha3.NewSHAKE256()
	h.Write(tr)
	h.Write([]byte{0, 0})
	h.Write(msg)
	h.Read(mu)
	return mu
}

// TestMLDSAExternalMu: a signature made with MessageType EXTERNAL_MU over a μ the client
// computed is the signature of the message itself: keyhold's Verify (RAW) and circl's ML-DSA,
// an implementation nobody here wrote, both accept it for the message, and keyhold's Verify
// with EXTERNAL_MU accepts it (and the RAW signature) for μ.
func TestMLDSAExternalMu(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms
	for _, spec := range []types.KeySpec{types.KeySpecMlDsa44, types.KeySpecMlDsa65, types.KeySpecMlDsa87} {
		t.Run(string(spec), func(t *testing.T) {
			k, err := c.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: spec, KeyUsage: types.KeyUsageTypeSignVerify})
			if err != nil {
				t.Fatal(err)
			}
			pub, err := c.GetPublicKey(ctx(), &kms.GetPublicKeyInput{KeyId: k.KeyMetadata.KeyId})
			if err != nil {
				t.Fatal(err)
			}
			var info struct {
				Algorithm pkix.AlgorithmIdentifier
				PublicKey asn1.BitString
			}
			if _, err := asn1.Unmarshal(pub.PublicKey, &info); err != nil {
				t.Fatal(err)
			}
			msg := make([]byte, 10000) // longer than Sign's 4096-byte RAW limit: the point of μ
			for i := range msg {
				msg[i] = byte(i)
			}
			out, err := c.Sign(ctx(), &kms.SignInput{KeyId: k.KeyMetadata.KeyId, Message: externalMu(info.PublicKey.Bytes, msg),
				MessageType: types.MessageTypeExternalMu, SigningAlgorithm: types.SigningAlgorithmSpecMlDsaShake256})
			if err != nil {
				t.Fatal(err)
			}
			verifyLocally(t, spec, types.SigningAlgorithmSpecMlDsaShake256, pub.PublicKey, msg, out.Signature)
			short := msg[:4000]
			out2, err := c.Sign(ctx(), &kms.SignInput{KeyId: k.KeyMetadata.KeyId, Message: externalMu(info.PublicKey.Bytes, short),
				MessageType: types.MessageTypeExternalMu, SigningAlgorithm: types.SigningAlgorithmSpecMlDsaShake256})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Verify(ctx(), &kms.VerifyInput{KeyId: k.KeyMetadata.KeyId, Message: short, Signature: out2.Signature,
				SigningAlgorithm: types.SigningAlgorithmSpecMlDsaShake256}); err != nil {
				t.Fatalf("Verify (RAW) of an EXTERNAL_MU signature: %v", err)
			}
			// Verify from μ accepts the EXTERNAL_MU signature and the RAW signature of the same
			// message, and refuses a signature with one bit flipped.
			mu := externalMu(info.PublicKey.Bytes, short)
			raw, err := c.Sign(ctx(), &kms.SignInput{KeyId: k.KeyMetadata.KeyId, Message: short,
				SigningAlgorithm: types.SigningAlgorithmSpecMlDsaShake256})
			if err != nil {
				t.Fatal(err)
			}
			for _, sig := range []struct {
				name string
				sig  []byte
			}{{"EXTERNAL_MU", out2.Signature}, {"RAW", raw.Signature}} {
				if _, err := c.Verify(ctx(), &kms.VerifyInput{KeyId: k.KeyMetadata.KeyId, Message: mu, MessageType: types.MessageTypeExternalMu,
					Signature: sig.sig, SigningAlgorithm: types.SigningAlgorithmSpecMlDsaShake256}); err != nil {
					t.Fatalf("Verify (EXTERNAL_MU) of a %s signature: got %v, want nil", sig.name, err)
				}
			}
			bad := append([]byte(nil), out2.Signature...)
			bad[len(bad)/2] ^= 0x10
			_, err = c.Verify(ctx(), &kms.VerifyInput{KeyId: k.KeyMetadata.KeyId, Message: mu, MessageType: types.MessageTypeExternalMu,
				Signature: bad, SigningAlgorithm: types.SigningAlgorithmSpecMlDsaShake256})
			clustertest.WantCode(t, err, "KMSInvalidSignatureException")
		})
	}
}
