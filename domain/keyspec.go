package domain

import (
	"crypto"
	"slices"

	"github.com/keyhold/keyhold/wrap"
)

// Key specs, key usages and algorithms beyond the symmetric ones (key.go), spelled as AWS
// spells them on the wire.
const (
	KeyUsageSignVerify       = "SIGN_VERIFY"
	KeyUsageGenerateVerify   = "GENERATE_VERIFY_MAC"
	KeyUsageKeyAgreement     = "KEY_AGREEMENT"
	KeyAgreementECDH         = "ECDH"
	MessageTypeRaw           = "RAW"
	MessageTypeDigest        = "DIGEST"
	MessageTypeExternalMu    = "EXTERNAL_MU"
	AlgorithmRSAESOAEPSHA1   = "RSAES_OAEP_SHA_1"
	AlgorithmRSAESOAEPSHA256 = "RSAES_OAEP_SHA_256"
)

// specInfo is what keyhold knows of one key spec: how to make its material and which usages
// and algorithms AWS allows with it (the AWS KMS key spec reference).
type specInfo struct {
	alg      wrap.KeyAlg // asymmetric specs; KeyAlgInvalid otherwise
	hmacSize int         // HMAC specs: key bytes
	macAlg   string      // HMAC specs: the one MAC algorithm
	usages   []string
	signing  []string // with SIGN_VERIFY
	agree    bool     // KEY_AGREEMENT allowed (ECDH)
}

var (
	rsaUsages     = []string{KeyUsageEncryptDecrypt, KeyUsageSignVerify}
	nistUsages    = []string{KeyUsageSignVerify, KeyUsageKeyAgreement}
	signOnly      = []string{KeyUsageSignVerify}
	macOnly       = []string{KeyUsageGenerateVerify}
	rsaSigning    = []string{"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"}
	rsaEncryption = []string{AlgorithmRSAESOAEPSHA1, AlgorithmRSAESOAEPSHA256}
)

// keySpecs lists every key spec CreateKey accepts besides SYMMETRIC_DEFAULT.
var keySpecs = map[string]specInfo{
	"RSA_2048":              {alg: wrap.KeyAlgRSA2048, usages: rsaUsages, signing: rsaSigning},
	"RSA_3072":              {alg: wrap.KeyAlgRSA3072, usages: rsaUsages, signing: rsaSigning},
	"RSA_4096":              {alg: wrap.KeyAlgRSA4096, usages: rsaUsages, signing: rsaSigning},
	"ECC_NIST_P256":         {alg: wrap.KeyAlgP256, usages: nistUsages, signing: []string{"ECDSA_SHA_256"}, agree: true},
	"ECC_NIST_P384":         {alg: wrap.KeyAlgP384, usages: nistUsages, signing: []string{"ECDSA_SHA_384"}, agree: true},
	"ECC_NIST_P521":         {alg: wrap.KeyAlgP521, usages: nistUsages, signing: []string{"ECDSA_SHA_512"}, agree: true},
	"ECC_SECG_P256K1":       {alg: wrap.KeyAlgSecp256k1, usages: signOnly, signing: []string{"ECDSA_SHA_256"}},
	"ECC_NIST_EDWARDS25519": {alg: wrap.KeyAlgEd25519, usages: signOnly, signing: []string{"ED25519_SHA_512", "ED25519_PH_SHA_512"}},
	"ML_DSA_44":             {alg: wrap.KeyAlgMLDSA44, usages: signOnly, signing: []string{"ML_DSA_SHAKE_256"}},
	"ML_DSA_65":             {alg: wrap.KeyAlgMLDSA65, usages: signOnly, signing: []string{"ML_DSA_SHAKE_256"}},
	"ML_DSA_87":             {alg: wrap.KeyAlgMLDSA87, usages: signOnly, signing: []string{"ML_DSA_SHAKE_256"}},
	"HMAC_224":              {hmacSize: 28, macAlg: "HMAC_SHA_224", usages: macOnly},
	"HMAC_256":              {hmacSize: 32, macAlg: "HMAC_SHA_256", usages: macOnly},
	"HMAC_384":              {hmacSize: 48, macAlg: "HMAC_SHA_384", usages: macOnly},
	"HMAC_512":              {hmacSize: 64, macAlg: "HMAC_SHA_512", usages: macOnly},
}

// dataKeyPairSpecs are the KeyPairSpec values GenerateDataKeyPair accepts (AWS's list, less
// SM2, which AWS offers only in China Regions).
var dataKeyPairSpecs = map[string]wrap.KeyAlg{
	"RSA_2048": wrap.KeyAlgRSA2048, "RSA_3072": wrap.KeyAlgRSA3072, "RSA_4096": wrap.KeyAlgRSA4096,
	"ECC_NIST_P256": wrap.KeyAlgP256, "ECC_NIST_P384": wrap.KeyAlgP384, "ECC_NIST_P521": wrap.KeyAlgP521,
	"ECC_SECG_P256K1": wrap.KeyAlgSecp256k1,
}

// sigAlg is one AWS signing algorithm.
type sigAlg struct {
	scheme wrap.SignScheme
	hash   crypto.Hash // the digest the scheme signs (RAW messages are hashed with it)
}

var signingAlgorithms = map[string]sigAlg{
	"RSASSA_PSS_SHA_256":        {wrap.SchemeRSAPSS, crypto.SHA256},
	"RSASSA_PSS_SHA_384":        {wrap.SchemeRSAPSS, crypto.SHA384},
	"RSASSA_PSS_SHA_512":        {wrap.SchemeRSAPSS, crypto.SHA512},
	"RSASSA_PKCS1_V1_5_SHA_256": {wrap.SchemeRSAPKCS1v15, crypto.SHA256},
	"RSASSA_PKCS1_V1_5_SHA_384": {wrap.SchemeRSAPKCS1v15, crypto.SHA384},
	"RSASSA_PKCS1_V1_5_SHA_512": {wrap.SchemeRSAPKCS1v15, crypto.SHA512},
	"ECDSA_SHA_256":             {wrap.SchemeECDSA, crypto.SHA256},
	"ECDSA_SHA_384":             {wrap.SchemeECDSA, crypto.SHA384},
	"ECDSA_SHA_512":             {wrap.SchemeECDSA, crypto.SHA512},
	"ED25519_SHA_512":           {wrap.SchemeEd25519, crypto.SHA512},
	"ED25519_PH_SHA_512":        {wrap.SchemeEd25519ph, crypto.SHA512},
	"ML_DSA_SHAKE_256":          {wrap.SchemeMLDSA, 0},
}

// signingAlgorithmNames is the enum AWS validates SigningAlgorithm against.
const signingAlgorithmNames = "[RSASSA_PSS_SHA_256, RSASSA_PSS_SHA_384, RSASSA_PSS_SHA_512, RSASSA_PKCS1_V1_5_SHA_256, RSASSA_PKCS1_V1_5_SHA_384, RSASSA_PKCS1_V1_5_SHA_512, ECDSA_SHA_256, ECDSA_SHA_384, ECDSA_SHA_512, SM2DSA, ML_DSA_SHAKE_256, ED25519_SHA_512, ED25519_PH_SHA_512]"

var macHashes = map[string]crypto.Hash{
	"HMAC_SHA_224": crypto.SHA224, "HMAC_SHA_256": crypto.SHA256,
	"HMAC_SHA_384": crypto.SHA384, "HMAC_SHA_512": crypto.SHA512,
}

var oaepHashes = map[string]crypto.Hash{
	AlgorithmRSAESOAEPSHA1: crypto.SHA1, AlgorithmRSAESOAEPSHA256: crypto.SHA256,
}

// Algorithms are the algorithms a key supports, as DescribeKey and GetPublicKey list them.
type Algorithms struct {
	Encryption   []string
	Signing      []string
	MAC          []string
	KeyAgreement []string
}

// KeyAlgorithms returns the algorithms AWS lists for a key of this spec and usage.
func KeyAlgorithms(spec, usage string) Algorithms {
	if spec == KeySpecSymmetricDefault {
		return Algorithms{Encryption: []string{AlgorithmSymmetric}}
	}
	info, ok := keySpecs[spec]
	if !ok {
		return Algorithms{}
	}
	switch usage {
	case KeyUsageEncryptDecrypt:
		return Algorithms{Encryption: rsaEncryption}
	case KeyUsageSignVerify:
		return Algorithms{Signing: info.signing}
	case KeyUsageGenerateVerify:
		return Algorithms{MAC: []string{info.macAlg}}
	case KeyUsageKeyAgreement:
		return Algorithms{KeyAgreement: []string{KeyAgreementECDH}}
	}
	return Algorithms{}
}

// IsAsymmetric reports whether spec names an asymmetric key (one with a public key).
func IsAsymmetric(spec string) bool { return keySpecs[spec].alg != wrap.KeyAlgInvalid }

// checkSpecUsage validates CreateKey's KeySpec and KeyUsage (already defaulted) as AWS does.
func checkSpecUsage(spec, usage string) error {
	switch usage {
	case KeyUsageEncryptDecrypt, KeyUsageSignVerify, KeyUsageGenerateVerify, KeyUsageKeyAgreement:
	default:
		return validationf("keyUsage", usage, "Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT]")
	}
	if spec == KeySpecSymmetricDefault {
		if usage != KeyUsageEncryptDecrypt {
			return errorf(ErrValidation, "KeyUsage %s is not compatible with KeySpec SYMMETRIC_DEFAULT", usage)
		}
		return nil
	}
	info, ok := keySpecs[spec]
	if !ok {
		return validationf("keySpec", spec, "Member must satisfy enum value set: [RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, ECC_NIST_EDWARDS25519, SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, HMAC_384, HMAC_512, ML_DSA_44, ML_DSA_65, ML_DSA_87]")
	}
	if slices.Contains(info.usages, usage) {
		return nil
	}
	return errorf(ErrValidation, "KeyUsage %s is not compatible with KeySpec %s", usage, spec)
}
