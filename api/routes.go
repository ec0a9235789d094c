package api

import (
	"context"
	"time"
)

// kmsRoute is one KMS operation: how much body it may send, how long it may take, which action
// authorises it, and its handler.
type kmsRoute struct {
	action  string // IAM-style action, e.g. "kms:Encrypt": what a key policy will grant
	limit   int64  // request body limit in bytes
	timeout time.Duration
	write   bool // goes through raft
	handle  func(ctx context.Context, s *Server, c *call) (any, error)
}

// Body limits: a data-plane request carries at most a 6 KiB blob or 4 KiB plaintext, base64
// encoded, plus an encryption context of at most 8 KiB; 64 KiB leaves room for JSON overhead
// and grant tokens. Policies (32 KiB) fit in the control-plane limit.
const (
	dataLimit    = 64 << 10
	controlLimit = 128 << 10
	dataTimeout  = 5 * time.Second
	writeTimeout = 15 * time.Second
)

// kmsRoutes is keyed by the X-Amz-Target operation name (after "TrentService.").
var kmsRoutes = map[string]kmsRoute{
	"CreateKey":                       {"kms:CreateKey", controlLimit, writeTimeout, true, handleCreateKey},
	"DescribeKey":                     {"kms:DescribeKey", dataLimit, dataTimeout, false, handleDescribeKey},
	"ListKeys":                        {"kms:ListKeys", dataLimit, dataTimeout, false, handleListKeys},
	"UpdateKeyDescription":            {"kms:UpdateKeyDescription", controlLimit, writeTimeout, true, handleUpdateKeyDescription},
	"CreateAlias":                     {"kms:CreateAlias", dataLimit, writeTimeout, true, handleCreateAlias},
	"UpdateAlias":                     {"kms:UpdateAlias", dataLimit, writeTimeout, true, handleUpdateAlias},
	"DeleteAlias":                     {"kms:DeleteAlias", dataLimit, writeTimeout, true, handleDeleteAlias},
	"ListAliases":                     {"kms:ListAliases", dataLimit, dataTimeout, false, handleListAliases},
	"Encrypt":                         {"kms:Encrypt", dataLimit, dataTimeout, false, handleEncrypt},
	"Decrypt":                         {"kms:Decrypt", dataLimit, dataTimeout, false, handleDecrypt},
	"ReEncrypt":                       {"kms:ReEncrypt*", dataLimit, dataTimeout, false, handleReEncrypt},
	"GenerateDataKey":                 {"kms:GenerateDataKey", dataLimit, dataTimeout, false, handleGenerateDataKey},
	"GenerateDataKeyWithoutPlaintext": {"kms:GenerateDataKeyWithoutPlaintext", dataLimit, dataTimeout, false, handleGenerateDataKeyWithoutPlaintext},
	"GenerateRandom":                  {"kms:GenerateRandom", dataLimit, dataTimeout, false, handleGenerateRandom},
	"EnableKey":                       {"kms:EnableKey", dataLimit, writeTimeout, true, handleEnableKey},
	"DisableKey":                      {"kms:DisableKey", dataLimit, writeTimeout, true, handleDisableKey},
	"ScheduleKeyDeletion":             {"kms:ScheduleKeyDeletion", dataLimit, writeTimeout, true, handleScheduleKeyDeletion},
	"CancelKeyDeletion":               {"kms:CancelKeyDeletion", dataLimit, writeTimeout, true, handleCancelKeyDeletion},
	"EnableKeyRotation":               {"kms:EnableKeyRotation", dataLimit, writeTimeout, true, handleEnableKeyRotation},
	"DisableKeyRotation":              {"kms:DisableKeyRotation", dataLimit, writeTimeout, true, handleDisableKeyRotation},
	"GetKeyRotationStatus":            {"kms:GetKeyRotationStatus", dataLimit, dataTimeout, false, handleGetKeyRotationStatus},
	"RotateKeyOnDemand":               {"kms:RotateKeyOnDemand", dataLimit, writeTimeout, true, handleRotateKeyOnDemand},
	"ListKeyRotations":                {"kms:ListKeyRotations", dataLimit, dataTimeout, false, handleListKeyRotations},
	"TagResource":                     {"kms:TagResource", dataLimit, writeTimeout, true, handleTagResource},
	"UntagResource":                   {"kms:UntagResource", dataLimit, writeTimeout, true, handleUntagResource},
	"ListResourceTags":                {"kms:ListResourceTags", dataLimit, dataTimeout, false, handleListResourceTags},
	// Asymmetric and HMAC keys: data-plane reads served by every node from its replica.
	"Sign":                                {"kms:Sign", dataLimit, dataTimeout, false, handleSign},
	"Verify":                              {"kms:Verify", dataLimit, dataTimeout, false, handleVerify},
	"GetPublicKey":                        {"kms:GetPublicKey", dataLimit, dataTimeout, false, handleGetPublicKey},
	"GenerateMac":                         {"kms:GenerateMac", dataLimit, dataTimeout, false, handleGenerateMac},
	"VerifyMac":                           {"kms:VerifyMac", dataLimit, dataTimeout, false, handleVerifyMac},
	"DeriveSharedSecret":                  {"kms:DeriveSharedSecret", dataLimit, dataTimeout, false, handleDeriveSharedSecret},
	"GenerateDataKeyPair":                 {"kms:GenerateDataKeyPair", dataLimit, dataTimeout, false, handleGenerateDataKeyPair},
	"GenerateDataKeyPairWithoutPlaintext": {"kms:GenerateDataKeyPairWithoutPlaintext", dataLimit, dataTimeout, false, handleGenerateDataKeyPairWithoutPlaintext},
}
