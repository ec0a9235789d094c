package domain

import (
	"strings"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// AWS managed keys.
//
// keyhold creates a key per service alias under alias/aws/ (ManagedKey): alias/aws/s3 for
// SSE-KMS without a key id, alias/aws/keyhold-sse-s3 for every SSE-S3 object. As in AWS, such a
// key belongs to the service: callers may read it (DescribeKey, ListKeys, ListAliases,
// GetKeyRotationStatus) but not manage it. Every management call, and every alias change that
// would move or delete one of its aliases or give it a new one, is refused with
// AccessDeniedException, the answer AWS gives because an AWS managed key's policy allows its
// account only kms:Describe*, kms:Get* and kms:List*.
//
// The mark is Key.AWSManaged, replicated in the key record, and Apply enforces it. Keys created
// before the mark existed carry none; their commands in old raft logs and snapshots keep their
// old meaning (Apply must give the same state whether a node replays an old log or restores a
// snapshot an older version took), so such a key is marked by a command: MarkManagedKeys (run by
// Tick) and ManagedKey propose a CreateAlias of its existing service alias with AWSManaged set.
// Until then the service recognises it by the alias (View.awsManaged) and refuses the same calls
// before proposing anything.

// serviceAliasPrefix starts the names of the aliases AWS reserves for its managed keys.
const serviceAliasPrefix = "alias/aws/"

func isServiceAlias(name string) bool { return strings.HasPrefix(name, serviceAliasPrefix) }

// awsManaged reports whether k is an AWS managed key: marked, or (made by an earlier version)
// the target of a service alias.
func (v *View) awsManaged(k *Key) bool {
	if k.AWSManaged {
		return true
	}
	for aid := range v.s.serviceAliases {
		if a := v.s.aliases[aid]; a != nil && a.KeyID == k.ID {
			return true
		}
	}
	return false
}

// managedKeyDenied is the refusal of action (an IAM action such as "kms:DisableKey") on an AWS
// managed key or its alias, worded as AWS words an action the key policy does not allow.
func managedKeyDenied(action, arn string) error {
	return errorf(ErrAccessDenied, "Not authorized to perform: %s on resource: %s because no resource-based policy allows the %s action (AWS managed keys and their aliases are managed by keyhold only)", action, arn, action)
}

// customerManaged refuses action on key id when it is an AWS managed key.
func (s *Service) customerManaged(id wrap.KeyID, action string) error {
	managed := false
	s.st.View(func(v *View) {
		if k := v.Key(id); k != nil {
			managed = v.awsManaged(k)
		}
	})
	if managed {
		return managedKeyDenied(action, s.KeyARN(id))
	}
	return nil
}

// markAWSManaged makes k an AWS managed key as of at. Such a key is always enabled, so one that
// a caller disabled or scheduled for deletion before it was marked is enabled again; and, as AWS
// rotates its managed keys every year, its automatic rotation is on with AWS's default period.
func markAWSManaged(k *Key, at time.Time) {
	k.AWSManaged = true
	k.State = KeyStateEnabled
	k.DeletionDate = time.Time{}
	k.PendingWindowDays = 0
	if !k.RotationEnabled && k.KeySpec == KeySpecSymmetricDefault {
		k.RotationEnabled = true
		k.RotationPeriodDays = DefaultRotationDays
		k.NextRotation = at.Add(time.Duration(DefaultRotationDays) * 24 * time.Hour)
	}
}

// checkCustomerKey is Apply's refusal of a management command on an AWS managed key.
func (s *State) checkCustomerKey(k *Key, action string) error {
	if k.AWSManaged {
		return managedKeyDenied(action, s.arn.Key(k.ID))
	}
	return nil
}
