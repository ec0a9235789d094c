package domain

import (
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// KeyState is a CMK's lifecycle state, as AWS KMS names it. The zero value is invalid.
type KeyState uint8

// Key states.
const (
	KeyStateInvalid KeyState = iota
	KeyStateEnabled
	KeyStateDisabled
	KeyStatePendingDeletion
)

var keyStateNames = [...]string{"", "Enabled", "Disabled", "PendingDeletion"}

// String returns AWS's name for the state.
func (s KeyState) String() string {
	if int(s) < len(keyStateNames) {
		return keyStateNames[s]
	}
	return ""
}

// KeySpec and KeyUsage values keyhold supports, spelled as AWS spells them on the wire.
const (
	KeySpecSymmetricDefault = "SYMMETRIC_DEFAULT"
	KeyUsageEncryptDecrypt  = "ENCRYPT_DECRYPT"
	OriginAWSKMS            = "AWS_KMS"
	AlgorithmSymmetric      = "SYMMETRIC_DEFAULT"
)

// RotationType says why a key version was created.
type RotationType uint8

// Rotation types. The zero value is invalid; a key's first version has no rotation record.
const (
	RotationInvalid RotationType = iota
	RotationAutomatic
	RotationOnDemand
)

// String returns AWS's name for the rotation type.
func (r RotationType) String() string {
	switch r {
	case RotationAutomatic:
		return "AUTOMATIC"
	case RotationOnDemand:
		return "ON_DEMAND"
	}
	return ""
}

// Key is a CMK (KMS key). Its secret material exists in the state only as sealed key tokens.
//
// The fields are laid out so that the small ones share one word: a node holds a million of these,
// and the order decides the allocation's size class.
type Key struct {
	ID          wrap.KeyID
	Description string
	KeySpec     string
	KeyUsage    string
	Origin      string
	// Account owns the key. Keys written before accounts existed have none: they belong to the
	// domain's first account (State.cmkAccount).
	Account string `json:",omitempty"`
	State   KeyState
	// RotationEnabled turns on automatic rotation every RotationPeriodDays.
	RotationEnabled bool
	// AWSManaged marks a key keyhold created and manages for a service (the keys behind
	// alias/aws/s3 and alias/aws/keyhold-sse-s3): its KeyManager is AWS, and no caller may
	// enable, disable, delete, tag, rotate, redescribe or alias it. It is replicated, so Apply
	// enforces it; keys that versions without it made are marked by MarkManagedKeys.
	AWSManaged bool `json:",omitempty"`
	// pos is the key's index in State.order, kept by the state (not replicated, not encoded).
	pos                uint32
	CreatedAt          time.Time
	DeletionDate       time.Time // set while PendingDeletion
	NextRotation       time.Time
	PendingWindowDays  int
	RotationPeriodDays int
	OnDemandRotations  int
	Policy             string
	Tags               map[string]string
	Versions           []KeyVersion // oldest first; the last is current
}

// Key managers, as AWS spells KeyMetadata.KeyManager.
const (
	KeyManagerAWS      = "AWS"
	KeyManagerCustomer = "CUSTOMER"
)

// KeyManager returns AWS for a managed key, CUSTOMER for every other.
func (k *Key) KeyManager() string {
	if k.AWSManaged {
		return KeyManagerAWS
	}
	return KeyManagerCustomer
}

// KeyVersion is one version of a CMK's backing key, sealed under a domain key version.
type KeyVersion struct {
	Version   uint32
	DKVersion uint32
	Token     []byte
	CreatedAt time.Time
	Rotation  RotationType // invalid for the first version
	// PublicKey is an asymmetric key's public key, DER SubjectPublicKeyInfo. It is not secret
	// and is kept in clear so that Verify, GetPublicKey and RSA Encrypt need no HSM call.
	PublicKey []byte `json:",omitempty"`
}

// Current returns the version new encryptions use.
func (k *Key) Current() KeyVersion { return k.Versions[len(k.Versions)-1] }

// Version returns version v, if the key has it.
func (k *Key) Version(v uint32) (KeyVersion, bool) {
	// Versions are numbered 1..n in order, so the index is v-1; the check keeps that honest.
	if v >= 1 && int(v) <= len(k.Versions) && k.Versions[v-1].Version == v {
		return k.Versions[v-1], true
	}
	return KeyVersion{}, false
}

// clone copies k deeply enough that the copy can leave the state lock: slices and maps are
// copied; token bytes are shared because they are never mutated in place.
func (k *Key) clone() *Key {
	c := *k
	c.Versions = append([]KeyVersion(nil), k.Versions...)
	if k.Tags != nil {
		c.Tags = make(map[string]string, len(k.Tags))
		for tk, tv := range k.Tags {
			c.Tags[tk] = tv
		}
	}
	return &c
}

// Alias names a key.
type Alias struct {
	// Account owns the alias (alias names are per account, as in AWS); "" for aliases written
	// before accounts existed, which belong to the domain's first account.
	Account   string `json:",omitempty"`
	Name      string
	KeyID     wrap.KeyID
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Principal is a long-term access key: whose it is (an account's root, or an IAM user of the
// account) and its secret, stored only as a key token sealed under a domain key version.
type Principal struct {
	AccessKeyID string
	Name        string
	DKVersion   uint32
	Token       []byte
	CreatedAt   time.Time
	Root        bool
	// Account owns the key. Keys written before accounts existed have none: they belong to the
	// domain's first account (State.account).
	Account string `json:",omitempty"`
	// User is the IAM user the key belongs to; empty for the account root's keys.
	User string `json:",omitempty"`
	// Inactive keys are refused, as AWS refuses an access key whose status is Inactive.
	Inactive bool `json:",omitempty"`
}
