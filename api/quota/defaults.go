package quota

// Defaults are the default rates in requests per second, AWS's defaults where AWS publishes
// one (the KMS request-quota table, the symmetric quota of AWS's largest regions, S3's
// per-prefix request rates) and keyhold's choice where it does not (ML-DSA, IAM, STS). Every
// quota name keyhold knows is a key here; Config.Validate refuses any other.
var Defaults = map[Name]float64{
	// Shared cryptographic quotas, by the type of key the request uses.
	KMSSymmetric: 50000,
	KMSRSA:       1000,
	KMSECC:       1000,
	KMSMLDSA:     1000,

	// GenerateDataKeyPair, one quota per data key pair spec: generating an RSA pair is slow.
	"kms:GenerateDataKeyPair(RSA_2048)":        1,
	"kms:GenerateDataKeyPair(RSA_3072)":        0.5,
	"kms:GenerateDataKeyPair(RSA_4096)":        0.1,
	"kms:GenerateDataKeyPair(ECC_NIST_P256)":   25,
	"kms:GenerateDataKeyPair(ECC_NIST_P384)":   10,
	"kms:GenerateDataKeyPair(ECC_NIST_P521)":   5,
	"kms:GenerateDataKeyPair(ECC_SECG_P256K1)": 25,

	// Management operations, each its own quota.
	"kms:CancelKeyDeletion":         5,
	"kms:CreateAlias":               5,
	"kms:CreateGrant":               50,
	"kms:CreateKey":                 50,
	"kms:DeleteAlias":               5,
	"kms:DeleteImportedKeyMaterial": 5,
	"kms:DescribeKey":               2000,
	"kms:DisableKey":                5,
	"kms:DisableKeyRotation":        5,
	"kms:EnableKey":                 5,
	"kms:EnableKeyRotation":         5,
	"kms:GetKeyPolicy":              1000,
	"kms:GetKeyRotationStatus":      1000,
	"kms:GetParametersForImport":    0.25,
	"kms:GetPublicKey":              2000,
	"kms:ImportKeyMaterial":         5,
	"kms:ListAliases":               100,
	"kms:ListGrants":                100,
	"kms:ListKeyPolicies":           100,
	"kms:ListKeyRotations":          100,
	"kms:ListKeys":                  100,
	"kms:ListResourceTags":          50,
	"kms:ListRetirableGrants":       5,
	"kms:PutKeyPolicy":              5,
	"kms:ReplicateKey":              5,
	"kms:RetireGrant":               30,
	"kms:RevokeGrant":               30,
	"kms:RotateKeyOnDemand":         5,
	"kms:ScheduleKeyDeletion":       5,
	"kms:TagResource":               10,
	"kms:UntagResource":             10,
	"kms:UpdateAlias":               5,
	"kms:UpdateKeyDescription":      5,
	"kms:UpdatePrimaryRegion":       5,

	// S3: AWS's per-prefix rates, counted per account.
	S3Read:  5500,
	S3Write: 3500,

	// IAM and STS: AWS publishes no IAM rate; STS's AssumeRole family is throttled per account.
	IAM: 100,
	STS: 600,
}
