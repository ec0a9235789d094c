package node

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Benchmarks of the asymmetric and HMAC data plane against a live node through the AWS SDK
// (loopback HTTP, SigV4, JSON, the key cache warm), run in parallel as a service is used.
// b.N operations over the wall clock give ops/s = 1e9 / (ns/op).

func benchNodeKey(b *testing.B, spec types.KeySpec, usage types.KeyUsageType) (*kms.Client, string) {
	b.Helper()
	tn := newTestNode(b)
	out, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: spec, KeyUsage: usage})
	if err != nil {
		b.Fatal(err)
	}
	return tn.kms, aws.ToString(out.KeyMetadata.KeyId)
}

func benchSign(b *testing.B, spec types.KeySpec, alg types.SigningAlgorithmSpec) {
	c, id := benchNodeKey(b, spec, types.KeyUsageTypeSignVerify)
	in := &kms.SignInput{KeyId: aws.String(id), Message: []byte("benchmark message"), SigningAlgorithm: alg}
	if _, err := c.Sign(ctx(), in); err != nil { // warm the cache and the connection
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Sign(ctx(), in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkSignECCNISTP256(b *testing.B) {
	benchSign(b, types.KeySpecEccNistP256, types.SigningAlgorithmSpecEcdsaSha256)
}

func BenchmarkSignRSA2048(b *testing.B) {
	benchSign(b, types.KeySpecRsa2048, types.SigningAlgorithmSpecRsassaPssSha256)
}

func BenchmarkGenerateMac(b *testing.B) {
	c, id := benchNodeKey(b, types.KeySpecHmac256, types.KeyUsageTypeGenerateVerifyMac)
	in := &kms.GenerateMacInput{KeyId: aws.String(id), Message: []byte("benchmark message"), MacAlgorithm: types.MacAlgorithmSpecHmacSha256}
	if _, err := c.GenerateMac(ctx(), in); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GenerateMac(ctx(), in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
