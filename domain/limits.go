package domain

// Limits, as AWS KMS documents them; keyhold enforces the same numbers so that code written
// against AWS behaves the same here.
const (
	MaxPlaintext         = 4096  // Encrypt plaintext bytes
	MaxCiphertextBlob    = 6144  // CiphertextBlob bytes
	MaxDescription       = 8192  // CreateKey/UpdateKeyDescription description bytes
	MaxPolicy            = 32768 // key policy bytes
	MaxDataKeyBytes      = 1024  // GenerateDataKey NumberOfBytes and GenerateRandom
	MaxEncryptionContext = 8192  // sum of key and value bytes in an encryption context
	MaxTagsPerKey        = 50
	MaxTagKey            = 128
	MaxTagValue          = 256
	MaxAliasName         = 256
	MinPendingWindowDays = 7
	MaxPendingWindowDays = 30
	MinRotationDays      = 90
	MaxRotationDays      = 2560
	DefaultRotationDays  = 365
	MaxOnDemandRotations = 10
)
