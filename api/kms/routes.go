package kms

import (
	"context"
	"time"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/wrap"
)

// route is one KMS operation: how much body it may send, how long it may take, which action
// authorises it, how fresh the replica it reads must be, and its handler.
type route struct {
	action      string // IAM action, e.g. "kms:Encrypt": what DryRun checks (the service authorizes the operation itself)
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

// Service is what the KMS handlers need of the key service: one method per operation, with
// domain's types. It sits next to the route table because both are the list of operations: a
// new operation is its route line, its method here, its handler file and its domain method. *domain.Service implements it; the interface is declared here, by its user,
// so that this package states exactly what it may ask of the domain (and a test may hand it
// any implementation).
type Service interface {
	ARNs() domain.ARNs
	AuthorizeKeyUse(ctx context.Context, action, ref string, ec map[string]string) error
	KeyARN(id wrap.KeyID) string
	CallerAccount(ctx context.Context) string
	CancelKeyDeletion(ctx context.Context, ref string) (*domain.Key, error)
	CreateAlias(ctx context.Context, name, target string) error
	CreateGrant(ctx context.Context, in domain.CreateGrantInput) (id, token string, err error)
	CreateKey(ctx context.Context, in domain.CreateKeyInput) (*domain.Key, error)
	Decrypt(ctx context.Context, ref string, blob []byte, ec map[string]string) ([]byte, wrap.KeyID, error)
	DecryptAsymmetric(ctx context.Context, ref, alg string, ciphertext []byte, ec map[string]string) ([]byte, wrap.KeyID, error)
	DeleteAlias(ctx context.Context, name string) error
	DeriveSharedSecret(ctx context.Context, ref, alg string, peer []byte) ([]byte, wrap.KeyID, error)
	DescribeKey(ctx context.Context, ref string) (*domain.Key, error)
	DisableKey(ctx context.Context, ref string) error
	DisableKeyRotation(ctx context.Context, ref string) error
	EnableKey(ctx context.Context, ref string) error
	EnableKeyRotation(ctx context.Context, ref string, periodDays int) error
	Encrypt(ctx context.Context, ref string, plaintext []byte, ec map[string]string) ([]byte, wrap.KeyID, error)
	EncryptAsymmetric(ctx context.Context, ref, alg string, plaintext []byte, ec map[string]string) ([]byte, wrap.KeyID, error)
	GenerateDataKey(ctx context.Context, ref string, n int, ec map[string]string) (plaintext, blob []byte, id wrap.KeyID, err error)
	GenerateDataKeyPair(ctx context.Context, ref, pairSpec string, ec map[string]string, withPlaintext bool) (domain.DataKeyPair, error)
	GenerateMac(ctx context.Context, ref string, msg []byte, alg string) ([]byte, wrap.KeyID, error)
	GenerateRandom(ctx context.Context, n int) ([]byte, error)
	GetKeyPolicy(ctx context.Context, ref, name string) (string, error)
	GetKeyRotationStatus(ctx context.Context, ref string) (domain.RotationStatus, error)
	GetPublicKey(ctx context.Context, ref string) (domain.PublicKeyOutput, error)
	ListAliases(ctx context.Context, keyRef string, limit int, marker string) ([]domain.AliasInfo, string, error)
	ListGrants(ctx context.Context, ref string, limit int, marker, grantID, grantee string) ([]*domain.Grant, string, error)
	ListRetirableGrants(ctx context.Context, principal string, limit int, marker string) ([]*domain.Grant, string, error)
	ListKeyPolicies(ctx context.Context, ref string) ([]string, error)
	ListKeyRotations(ctx context.Context, ref string, limit int, marker string) ([]domain.RotationInfo, string, error)
	ListKeys(ctx context.Context, limit int, marker string) ([]wrap.KeyID, string, error)
	ListResourceTags(ctx context.Context, ref string, limit int, marker string) ([]domain.Tag, string, error)
	RetireGrant(ctx context.Context, token, keyRef, grantID string) error
	RevokeGrant(ctx context.Context, keyRef, grantID string) error
	PutKeyPolicy(ctx context.Context, ref, name, doc string, bypass bool) error
	ReEncrypt(ctx context.Context, srcRef string, blob []byte, srcEC map[string]string, dstRef string, dstEC map[string]string) (domain.ReEncryptOutput, error)
	RotateKeyOnDemand(ctx context.Context, ref string) (wrap.KeyID, error)
	ScheduleKeyDeletion(ctx context.Context, ref string, days int) (*domain.Key, error)
	Sign(ctx context.Context, ref string, msg []byte, msgType, alg string) (domain.SignOutput, error)
	TagResource(ctx context.Context, ref string, tags []domain.Tag) error
	UntagResource(ctx context.Context, ref string, keys []string) error
	UpdateAlias(ctx context.Context, name, target string) error
	UpdateKeyDescription(ctx context.Context, ref, desc string) error
	Verify(ctx context.Context, ref string, msg []byte, msgType, alg string, sig []byte) (wrap.KeyID, error)
	VerifyMac(ctx context.Context, ref string, msg []byte, alg string, mac []byte) (wrap.KeyID, error)
}

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
	"ReEncrypt":                       {action: "kms:ReEncryptTo", limit: DataLimit, timeout: DataTimeout, consistency: StaleRead, handle: handleReEncrypt},
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
	"CreateGrant":                     {action: "kms:CreateGrant", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleCreateGrant},
	"ListGrants":                      {action: "kms:ListGrants", limit: DataLimit, timeout: DataTimeout, consistency: LinearRead, handle: handleListGrants},
	"ListRetirableGrants":             {action: "kms:ListRetirableGrants", limit: DataLimit, timeout: DataTimeout, consistency: LinearRead, handle: handleListRetirableGrants},
	"RetireGrant":                     {action: "kms:RetireGrant", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleRetireGrant},
	"RevokeGrant":                     {action: "kms:RevokeGrant", limit: DataLimit, timeout: WriteTimeout, consistency: Write, handle: handleRevokeGrant},
	"GetKeyPolicy":                    {action: "kms:GetKeyPolicy", limit: DataLimit, timeout: DataTimeout, consistency: LinearRead, handle: handleGetKeyPolicy},
	"PutKeyPolicy":                    {action: "kms:PutKeyPolicy", limit: ControlLimit, timeout: WriteTimeout, consistency: Write, handle: handlePutKeyPolicy},
	"ListKeyPolicies":                 {action: "kms:ListKeyPolicies", limit: DataLimit, timeout: DataTimeout, consistency: LinearRead, handle: handleListKeyPolicies},
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
