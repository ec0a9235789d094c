package quota

import "strings"

// Name is a quota's name: the key of Config.Rates and the value of the quota label of
// keyhold_throttled_requests_total. Names form a closed set (Defaults).
type Name string

// The shared quotas. The per-operation KMS quotas are "kms:" + the operation's name
// (kms:CreateKey) and GenerateDataKeyPair's are "kms:GenerateDataKeyPair(" + spec + ")".
const (
	KMSSymmetric Name = "kms:cryptographic-symmetric"
	KMSRSA       Name = "kms:cryptographic-rsa"
	KMSECC       Name = "kms:cryptographic-ecc"
	KMSMLDSA     Name = "kms:cryptographic-ml-dsa"
	S3Read       Name = "s3:read"
	S3Write      Name = "s3:write"
	IAM          Name = "iam:requests"
	STS          Name = "sts:requests"
)

// Key classes a KMS protocol package qualifies an operation with ("Sign:RSA"): which shared
// cryptographic quota the request counts against. Unqualified cryptographic operations are
// symmetric.
const (
	ClassRSA   = "RSA"
	ClassECC   = "ECC"
	ClassMLDSA = "ML-DSA"
)

// symmetricOps share the symmetric cryptographic quota (AWS's list, plus the asymmetric-capable
// operations when their key is symmetric).
var symmetricOps = map[string]bool{
	"Decrypt": true, "Encrypt": true, "GenerateDataKey": true, "GenerateDataKeyWithoutPlaintext": true,
	"GenerateMac": true, "GenerateRandom": true, "ReEncrypt": true, "VerifyMac": true,
}

// For returns the quota a request of op on api ("kms", "s3", "iam", "sts") counts against, or ""
// when it counts against none. A KMS op may carry a qualifier after a colon: the key class of
// a cryptographic operation ("Encrypt:RSA", "Sign:ECC") or the key pair spec of
// GenerateDataKeyPair ("GenerateDataKeyPair:RSA_2048").
func For(api, op string) Name {
	switch api {
	case "kms":
		return forKMS(op)
	case "s3":
		if strings.HasPrefix(op, "Get") || strings.HasPrefix(op, "Head") || strings.HasPrefix(op, "List") {
			return S3Read
		}
		return S3Write
	case "iam":
		return IAM
	case "sts":
		return STS
	}
	return ""
}

func forKMS(op string) Name {
	base, qual, _ := strings.Cut(op, ":")
	switch qual {
	case ClassRSA:
		return KMSRSA
	case ClassECC:
		return KMSECC
	case ClassMLDSA:
		return KMSMLDSA
	}
	if base == "GenerateDataKeyPair" || base == "GenerateDataKeyPairWithoutPlaintext" {
		n := Name("kms:GenerateDataKeyPair(" + qual + ")")
		if _, ok := Defaults[n]; ok {
			return n
		}
		return "" // an unknown spec is refused before any key is generated
	}
	if symmetricOps[base] {
		return KMSSymmetric
	}
	n := Name("kms:" + base)
	if _, ok := Defaults[n]; ok && qual == "" {
		return n
	}
	return "" // an operation AWS sets no quota for (TestEveryOperationHasAQuota keeps this empty)
}
