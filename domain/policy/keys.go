package policy

import (
	"errors"
	"sort"
	"strings"
)

// Condition keys keyhold's callers set in a request Context. Names are as AWS documents them;
// lookups ignore case. Values are strings; operators parse them as they need (numbers, dates,
// booleans, IP addresses, ARNs). Keys a request does not carry are left unset: operators treat
// absent keys as AWS does (see the package doc).
const (
	// KeyPrincipalArn is the caller's ARN; for a role session, the role's ARN (not the session's).
	// Set by Context.SetPrincipal.
	KeyPrincipalArn = "aws:PrincipalArn"
	// KeyPrincipalAccount is the caller's 12-digit account id. Set by Context.SetPrincipal.
	KeyPrincipalAccount = "aws:PrincipalAccount"
	// KeyPrincipalType is "Account" (root), "User", "AssumedRole", "FederatedUser" or
	// "Anonymous". Set by Context.SetPrincipal.
	KeyPrincipalType = "aws:PrincipalType"
	// KeyPrincipalTagPrefix + tag key is each principal tag's value. Set by Context.SetPrincipal.
	KeyPrincipalTagPrefix = "aws:PrincipalTag/"
	// KeyUsername is an IAM user's friendly name; absent for roots and sessions, as in AWS.
	KeyUsername = "aws:username"
	// KeyUserID is the caller's unique id (AIDA... for users, "AROA...:session" for sessions, the
	// account id for root).
	KeyUserID = "aws:userid"
	// KeySourceIp is the client's IP address as the API listener saw it (not a forwarded header
	// unless the operator configured a trusted proxy).
	KeySourceIp = "aws:SourceIp"
	// KeySecureTransport is "true" when the request came over TLS, else "false".
	KeySecureTransport = "aws:SecureTransport"
	// KeyCurrentTime is the request time in ISO 8601 (2006-01-02T15:04:05Z).
	KeyCurrentTime = "aws:CurrentTime"
	// KeyEpochTime is the request time in seconds since the Unix epoch.
	KeyEpochTime = "aws:EpochTime"
	// KeyRequestedRegion is the region of the SigV4 credential scope.
	KeyRequestedRegion = "aws:RequestedRegion"

	// KeyKMSEncryptionContextPrefix + context key is that encryption-context pair's value. The
	// condition key's name is case-insensitive like every condition key name (so the context key
	// part is too), its value case-sensitive under StringEquals; AWS recommends pairing it with
	// kms:EncryptionContextKeys to require the key's exact case. Set with SetEncryptionContext.
	KeyKMSEncryptionContextPrefix = "kms:EncryptionContext:"
	// KeyKMSEncryptionContextKeys is multivalued: the encryption context's keys, exact case.
	KeyKMSEncryptionContextKeys = "kms:EncryptionContextKeys"
	// KeyKMSCallerAccount is the caller's account id.
	KeyKMSCallerAccount = "kms:CallerAccount"
	// KeyKMSViaService is the service principal's endpoint ("s3.us-east-2.amazonaws.com") when
	// keyhold's S3 endpoint calls KMS on a caller's behalf; absent on direct calls.
	KeyKMSViaService = "kms:ViaService"
	// KeyKMSKeySpec is the key's (or, for CreateKey, the requested) key spec.
	KeyKMSKeySpec = "kms:KeySpec"
	// KeyKMSKeyUsage is the key's (or requested) key usage.
	KeyKMSKeyUsage = "kms:KeyUsage"
	// KeyKMSKeyOrigin is the key's (or requested) origin.
	KeyKMSKeyOrigin = "kms:KeyOrigin"
	// KeyKMSEncryptionAlgorithm is the request's EncryptionAlgorithm (SYMMETRIC_DEFAULT when
	// omitted, as AWS does).
	KeyKMSEncryptionAlgorithm = "kms:EncryptionAlgorithm"
	// KeyKMSSigningAlgorithm is the request's SigningAlgorithm.
	KeyKMSSigningAlgorithm = "kms:SigningAlgorithm"
	// KeyKMSMessageType is Sign/Verify's MessageType (RAW or DIGEST).
	KeyKMSMessageType = "kms:MessageType"
	// KeyKMSRequestAlias is the alias the request named the key by, if it used one.
	KeyKMSRequestAlias = "kms:RequestAlias"
	// KeyKMSResourceAliases is multivalued: the aliases of the key.
	KeyKMSResourceAliases = "kms:ResourceAliases"
	// KeyKMSGrantOperations is multivalued: CreateGrant's Operations.
	KeyKMSGrantOperations = "kms:GrantOperations"
	// KeyKMSGranteePrincipal is CreateGrant's GranteePrincipal.
	KeyKMSGranteePrincipal = "kms:GranteePrincipal"
	// KeyKMSRetiringPrincipal is CreateGrant's RetiringPrincipal.
	KeyKMSRetiringPrincipal = "kms:RetiringPrincipal"
	// KeyKMSGrantIsForAWSResource is "true" when an integrated service (keyhold's S3) creates the
	// grant on a caller's behalf.
	KeyKMSGrantIsForAWSResource = "kms:GrantIsForAWSResource"

	// KeyS3ServerSideEncryption is the x-amz-server-side-encryption header (AES256, aws:kms,
	// aws:kms:dsse).
	KeyS3ServerSideEncryption = "s3:x-amz-server-side-encryption"
	// KeyS3ServerSideEncryptionKMSKeyID is the x-amz-server-side-encryption-aws-kms-key-id
	// header, as sent.
	KeyS3ServerSideEncryptionKMSKeyID = "s3:x-amz-server-side-encryption-aws-kms-key-id"
	// KeyS3Prefix is ListObjects' prefix parameter.
	KeyS3Prefix = "s3:prefix"
	// KeyS3Delimiter is ListObjects' delimiter parameter.
	KeyS3Delimiter = "s3:delimiter"
	// KeyS3MaxKeys is ListObjects' max-keys parameter.
	KeyS3MaxKeys = "s3:max-keys"
)

// ErrAmbiguousContext is returned by SetEncryptionContext for an encryption context with two
// keys that differ only in case. Condition key names are case-insensitive, so such a context
// would give kms:EncryptionContext:<key> two values, and a Deny written as
// StringNotEquals {"kms:EncryptionContext:tenant": "acme"} could be sidestepped by adding
// "Tenant": "acme" next to "tenant": "evil". AWS advises against such contexts; keyhold refuses
// them rather than evaluate them either way.
var ErrAmbiguousContext = errors.New("policy: encryption context has keys that differ only in case")

// The lowercase names SetEncryptionContext sets.
var (
	ecPrefixLower = strings.ToLower(KeyKMSEncryptionContextPrefix)
	ecKeysLower   = strings.ToLower(KeyKMSEncryptionContextKeys)
)

// SetEncryptionContext sets kms:EncryptionContextKeys and kms:EncryptionContext:<key> for each
// pair of ec.
func (c *Context) SetEncryptionContext(ec map[string]string) error {
	if len(ec) == 0 {
		return nil
	}
	keys := make([]string, 0, len(ec))
	for k := range ec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Each key's condition key name, lowercased; two that are equal are keys differing only
	// in case. An encryption context is small (AWS allows 8 KiB in all), so comparing each
	// name with the ones before it costs less than a set.
	names := make([]string, len(keys))
	var seen map[string]bool // only for a large context, where the pairwise comparison would not be cheap
	if len(keys) > 16 {
		seen = make(map[string]bool, len(keys))
	}
	for i, k := range keys {
		names[i] = ecPrefixLower + strings.ToLower(k)
		if seen != nil {
			if seen[names[i]] {
				return ErrAmbiguousContext
			}
			seen[names[i]] = true
			continue
		}
		for _, n := range names[:i] {
			if n == names[i] {
				return ErrAmbiguousContext
			}
		}
	}
	c.setOwned(ecKeysLower, keys)
	for i, k := range keys {
		c.setLower(names[i], []string{ec[k]})
	}
	return nil
}
