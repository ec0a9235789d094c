package kms

import (
	"context"
	"time"
)

// route is one KMS operation: how much body it may send, how long it may take, which action
// authorises it, how fresh the replica it reads must be, and its handler.
type route struct {
	action      string // IAM-style action, e.g. "kms:Encrypt": what a key policy will grant
	limit       int64  // request body limit in bytes
	timeout     time.Duration
	consistency Consistency
	handle      func(ctx context.Context, s *Server, c *call) (any, error)
}

// Consistency is what a KMS operation needs of the replica it reads (root api consistency.go
// describes the gate). It decides two things in serve.go: whether the operation waits for a
// linearizable read first, and whether its answer is checked against the staleness bound
// again before it is sent.
type Consistency int

const (
	// StaleRead operations read the local replica within the staleness bound: the data plane.
	// An answer computed past the bound is refused (retryable 503) rather than sent.
	StaleRead Consistency = iota
	// LinearRead operations are metadata reads a caller may act on after a write elsewhere
	// (DescribeKey after CreateKey on another node): with Options.LinearRead configured they
	// wait until the replica reflects every acknowledged write.
	LinearRead
	// Write operations go through raft and are linearizable; their success is not rechecked
	// against the bound (it came from the leader), their refusal is (it may be a stale read).
	Write
)

// String names the consistency for test failures.
func (c Consistency) String() string {
	return [...]string{"StaleRead", "LinearRead", "Write"}[c]
}

// Body limits: a data-plane request carries at most a 6 KiB blob or 4 KiB plaintext, base64
// encoded, plus an encryption context of at most 8 KiB; 64 KiB leaves room for JSON overhead
// and grant tokens. Policies (32 KiB) fit in the control-plane limit. Writes get longer than
// reads: they wait for a raft commit, which a leader election can delay.
const (
	DataLimit    = 64 << 10
	ControlLimit = 128 << 10
	DataTimeout  = 5 * time.Second
	WriteTimeout = 15 * time.Second
)

// Operations lists the KMS operations keyhold serves (the X-Amz-Target names without the
// "TrentService." prefix), for the root api's route inventory.
func Operations() []string {
	out := make([]string, 0, len(routes))
	for op := range routes {
		out = append(out, op)
	}
	return out
}

// TargetPrefix is the X-Amz-Target prefix of every KMS operation.
const TargetPrefix = "TrentService."

// routes is keyed by the X-Amz-Target operation name (after "TrentService."). TestRoutes pins
// every entry's limit, timeout, action and consistency by name.
var routes = map[string]route{
	"CreateKey":                       {action: "kms:CreateKey", limit: ControlLimit, timeout: WriteTimeout, consistency: Write, handle: handleCreateKey},
	"DescribeKey":                     {action: "kms:DescribeKey", limit: DataLimit, timeout: DataTimeout, consistency: LinearRead, handle: handleDescribeKey},
	"ListKeys":                        {action: "kms:ListKeys", limit: DataLimit, timeout: DataTimeout, consistency: LinearRead, handle: handleListKeys},
	"UpdateKeyDescription":            {action: "kms:UpdateKeyDescription", limit: ControlLimit, timeout: WriteTimeout, consistency: Write, handle: handleUpdateKeyDescription},
	"CreateAlias":                     {action: "kms:CreateAlias", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleCreateAlias},
	"UpdateAlias":                     {action: "kms:UpdateAlias", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleUpdateAlias},
	"DeleteAlias":                     {action: "kms:DeleteAlias", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleDeleteAlias},
	"ListAliases":                     {action: "kms:ListAliases", limit: DataLimit, timeout: DataTimeout, consistency: LinearRead, handle: handleListAliases},
	"Encrypt":                         {action: "kms:Encrypt", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleEncrypt},
	"Decrypt":                         {action: "kms:Decrypt", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleDecrypt},
	"ReEncrypt":                       {action: "kms:ReEncrypt*", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleReEncrypt},
	"GenerateDataKey":                 {action: "kms:GenerateDataKey", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleGenerateDataKey},
	"GenerateDataKeyWithoutPlaintext": {action: "kms:GenerateDataKeyWithoutPlaintext", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleGenerateDataKeyWithoutPlaintext},
	"GenerateRandom":                  {action: "kms:GenerateRandom", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleGenerateRandom},
	"EnableKey":                       {action: "kms:EnableKey", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleEnableKey},
	"DisableKey":                      {action: "kms:DisableKey", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleDisableKey},
	"ScheduleKeyDeletion":             {action: "kms:ScheduleKeyDeletion", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleScheduleKeyDeletion},
	"CancelKeyDeletion":               {action: "kms:CancelKeyDeletion", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleCancelKeyDeletion},
	"EnableKeyRotation":               {action: "kms:EnableKeyRotation", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleEnableKeyRotation},
	"DisableKeyRotation":              {action: "kms:DisableKeyRotation", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleDisableKeyRotation},
	"GetKeyRotationStatus":            {action: "kms:GetKeyRotationStatus", limit: DataLimit, timeout: DataTimeout, consistency: LinearRead, handle: handleGetKeyRotationStatus},
	"RotateKeyOnDemand":               {action: "kms:RotateKeyOnDemand", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleRotateKeyOnDemand},
	"ListKeyRotations":                {action: "kms:ListKeyRotations", limit: DataLimit, timeout: DataTimeout, consistency: LinearRead, handle: handleListKeyRotations},
	"TagResource":                     {action: "kms:TagResource", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleTagResource},
	"UntagResource":                   {action: "kms:UntagResource", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleUntagResource},
	"ListResourceTags":                {action: "kms:ListResourceTags", limit: DataLimit, timeout: DataTimeout, consistency: LinearRead, handle: handleListResourceTags},
	// Asymmetric and HMAC keys: data-plane reads served by every node from its replica.
	"Sign":                                {action: "kms:Sign", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleSign},
	"Verify":                              {action: "kms:Verify", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleVerify},
	"GetPublicKey":                        {action: "kms:GetPublicKey", limit: DataLimit, timeout: DataTimeout, consistency: LinearRead, handle: handleGetPublicKey},
	"GenerateMac":                         {action: "kms:GenerateMac", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleGenerateMac},
	"VerifyMac":                           {action: "kms:VerifyMac", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleVerifyMac},
	"DeriveSharedSecret":                  {action: "kms:DeriveSharedSecret", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleDeriveSharedSecret},
	"GenerateDataKeyPair":                 {action: "kms:GenerateDataKeyPair", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleGenerateDataKeyPair},
	"GenerateDataKeyPairWithoutPlaintext": {action: "kms:GenerateDataKeyPairWithoutPlaintext", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleGenerateDataKeyPairWithoutPlaintext},
}
