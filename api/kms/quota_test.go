package kms

import (
	"testing"

	"github.com/keyhold/keyhold/api/quota"
)

// TestEveryOperationHasAQuota: every KMS operation keyhold serves counts against an AWS quota,
// so a new route without one fails here until api/quota's table has its row.
func TestEveryOperationHasAQuota(t *testing.T) {
	body := []byte(`{"SigningAlgorithm":"RSASSA_PSS_SHA_256","KeyPairSpec":"RSA_2048"}`)
	for _, op := range Operations() {
		if quota.For("kms", quotaOp(op, body)) == "" {
			t.Errorf("%s counts against no quota", op)
		}
	}
}

// TestQuotaOp: the key class comes from the algorithm the request names; symmetric requests
// (no algorithm) are not decoded twice.
func TestQuotaOp(t *testing.T) {
	for _, tt := range []struct{ op, body, want string }{
		{"Encrypt", `{"KeyId":"k","Plaintext":"cA=="}`, "Encrypt"},
		{"Encrypt", `{"EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}`, "Encrypt"},
		{"Encrypt", `{"EncryptionAlgorithm":"RSAES_OAEP_SHA_256"}`, "Encrypt:RSA"},
		{"Decrypt", `{"EncryptionAlgorithm":"SM2PKE"}`, "Decrypt:ECC"},
		{"ReEncrypt", `{"DestinationEncryptionAlgorithm":"RSAES_OAEP_SHA_1"}`, "ReEncrypt:RSA"},
		{"Sign", `{"SigningAlgorithm":"ECDSA_SHA_256"}`, "Sign:ECC"},
		{"Verify", `{"SigningAlgorithm":"ML_DSA_SHAKE_256"}`, "Verify:ML-DSA"},
		{"Sign", `not json Algorithm`, "Sign"},
		{"DeriveSharedSecret", `{}`, "DeriveSharedSecret:ECC"},
		{"GenerateDataKeyPair", `{"KeyPairSpec":"ECC_NIST_P384"}`, "GenerateDataKeyPair:ECC_NIST_P384"},
		{"CreateKey", `{"KeySpec":"RSA_2048"}`, "CreateKey"},
	} {
		if got := quotaOp(tt.op, []byte(tt.body)); got != tt.want {
			t.Errorf("quotaOp(%s, %s) = %q, want %q", tt.op, tt.body, got, tt.want)
		}
	}
}
