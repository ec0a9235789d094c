package kms

import (
	"bytes"
	"encoding/json"
	"strings"
)

// quotaOp is what a request counts against in its account's quotas (pipeline.Charge, package
// api/quota): the operation, qualified for the operations whose quota depends on the key type
// (AWS counts an RSA Decrypt against the RSA quota, not the symmetric one) with the class the
// request's algorithm names, and GenerateDataKeyPair with its key pair spec.
//
// The class comes from the request, not from a key lookup: the algorithm a request names is
// the only one keyhold will run for it (an RSAES_OAEP algorithm on a symmetric key, or none on
// an RSA key, is refused before any HSM call), so a caller that names the wrong one to reach a
// larger quota only gets a refusal, charged.
func quotaOp(op string, body []byte) string {
	switch op {
	case "Encrypt", "Decrypt", "ReEncrypt", "Sign", "Verify", "DeriveSharedSecret",
		"GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext":
	default:
		return op
	}
	if op == "DeriveSharedSecret" {
		return op + ":ECC" // ECDH is its only algorithm
	}
	// The symmetric data plane names no algorithm (SYMMETRIC_DEFAULT is the default): skip
	// the second decode there.
	if !bytes.Contains(body, []byte("Algorithm")) && !bytes.Contains(body, []byte("KeyPairSpec")) {
		return op
	}
	var in struct {
		EncryptionAlgorithm, SigningAlgorithm, KeyPairSpec        string
		SourceEncryptionAlgorithm, DestinationEncryptionAlgorithm string
	}
	if json.Unmarshal(body, &in) != nil {
		return op // the handler refuses the body; it counts as the operation
	}
	if strings.HasPrefix(op, "GenerateDataKeyPair") {
		return op + ":" + in.KeyPairSpec
	}
	for _, alg := range []string{in.EncryptionAlgorithm, in.SigningAlgorithm, in.SourceEncryptionAlgorithm, in.DestinationEncryptionAlgorithm} {
		if c := keyClass(alg); c != "" {
			return op + ":" + c
		}
	}
	return op
}

// keyClass is the quota class (api/quota.ClassRSA, ...) of the key an algorithm runs on, or ""
// for a symmetric one.
func keyClass(alg string) string {
	switch {
	case strings.HasPrefix(alg, "RSA"):
		return "RSA"
	case strings.HasPrefix(alg, "ECDSA"), strings.HasPrefix(alg, "SM2"), alg == "ECDH":
		return "ECC"
	case strings.HasPrefix(alg, "ML_DSA"):
		return "ML-DSA"
	}
	return ""
}
