package domain

import (
	"context"
	"time"

	"github.com/keyhold/keyhold/domain/policy"

	"github.com/keyhold/keyhold/wrap"
)

// CreateKeyInput is CreateKey's request.
type CreateKeyInput struct {
	Description string
	KeyUsage    string // default ENCRYPT_DECRYPT
	KeySpec     string // default SYMMETRIC_DEFAULT
	Origin      string // default AWS_KMS
	Policy      string
	// BypassPolicyLockoutSafetyCheck skips the check that Policy still lets the caller change
	// the policy (PutKeyPolicy's lockout rule).
	BypassPolicyLockoutSafetyCheck bool
	Tags                           map[string]string
	MultiRegion                    bool
}

// CreateKey creates a CMK of any supported spec with its first key material version.
func (s *Service) CreateKey(ctx context.Context, in CreateKeyInput) (*Key, error) {
	err := s.authorizeAccount(ctx, "kms:CreateKey", func(pc *policy.Context) {
		// CreateKey's condition keys describe the key requested, with AWS's defaults.
		pc.Set(policy.KeyKMSKeySpec, orDefault(in.KeySpec, KeySpecSymmetricDefault))
		pc.Set(policy.KeyKMSKeyUsage, orDefault(in.KeyUsage, KeyUsageEncryptDecrypt))
		pc.Set(policy.KeyKMSKeyOrigin, orDefault(in.Origin, OriginAWSKMS))
		setTagKeys(pc, in.Tags, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.createKeyIn(ctx, s.CallerAccount(ctx), in, false)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// createKeyIn creates a key owned by account; awsManaged makes it an AWS managed key
// (ManagedKey).
func (s *Service) createKeyIn(ctx context.Context, account string, in CreateKeyInput, awsManaged bool) (*Key, error) {
	if in.KeyUsage == "" {
		in.KeyUsage = KeyUsageEncryptDecrypt
	}
	if in.KeySpec == "" {
		in.KeySpec = KeySpecSymmetricDefault
	}
	if in.Origin == "" {
		in.Origin = OriginAWSKMS
	}
	if err := checkLen("description", len(in.Description), 0, MaxDescription); err != nil {
		return nil, err
	}
	if err := checkLen("policy", len(in.Policy), 0, MaxPolicy); err != nil {
		return nil, err
	}
	if in.Origin != OriginAWSKMS {
		return nil, errorf(ErrUnsupported, "Origin %s is not supported: keyhold generates key material in its HSM-backed domain (AWS_KMS)", in.Origin)
	}
	if in.MultiRegion {
		return nil, errorf(ErrUnsupported, "Multi-Region keys are not supported")
	}
	if err := checkSpecUsage(in.KeySpec, in.KeyUsage); err != nil {
		return nil, err
	}
	if len(in.Tags) > MaxTagsPerKey {
		return nil, errorf(ErrTag, "A key can have at most %d tags", MaxTagsPerKey)
	}
	for k, v := range in.Tags {
		if err := checkTag(k, v); err != nil {
			return nil, err
		}
	}
	id, err := wrap.NewKeyID()
	if err != nil {
		return nil, dependencyError("creating a key id", err)
	}
	if in.Policy != "" {
		p, err := parseKeyPolicy(in.Policy)
		if err != nil {
			return nil, err
		}
		if !in.BypassPolicyLockoutSafetyCheck {
			if err := s.checkLockout(ctx, s.cfg.ARNs.Key(id), s.cfg.ARNs.Account, p); err != nil {
				return nil, err
			}
		}
	}
	now := s.now()
	err = s.proposeSealed(ctx, func() ([]byte, error) {
		ver, err := s.sealNewMaterial(ctx, id, in.KeySpec, now)
		if err != nil {
			return nil, err
		}
		k := Key{
			ID: id, Description: in.Description, KeySpec: in.KeySpec, KeyUsage: in.KeyUsage,
			Origin: in.Origin, State: KeyStateEnabled, CreatedAt: now, Policy: in.Policy,
			Tags: in.Tags, Versions: []KeyVersion{ver}, Account: account,
		}
		if awsManaged {
			markAWSManaged(&k, now)
		}
		return encode(cmdCreateKey, createKeyCmd{Key: k}), nil
	})
	if err != nil {
		return nil, err
	}
	return s.describe(id)
}

// DescribeKey returns a key's metadata; ref may be any key reference.
func (s *Service) DescribeKey(ctx context.Context, ref string) (*Key, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:DescribeKey"})
	id, err := s.resolve(ctx, ref, true)
	if err != nil {
		return nil, err
	}
	return s.describe(id)
}

// ListKeys returns up to limit keys after marker, in creation order, and the marker of the next
// page ("" when this is the last).
func (s *Service) ListKeys(ctx context.Context, limit int, marker string) ([]wrap.KeyID, string, error) {
	if err := s.authorizeAccount(ctx, "kms:ListKeys", nil); err != nil {
		return nil, "", err
	}
	account := s.CallerAccount(ctx)
	if limit == 0 {
		limit = 100
	}
	if err := checkRange("limit", limit, 1, 1000); err != nil {
		return nil, "", err
	}
	var after wrap.KeyID
	if marker != "" {
		id, err := wrap.ParseKeyID(marker)
		if err != nil {
			return nil, "", errorf(ErrInvalidMarker, "Invalid marker '%s'", marker)
		}
		after = id
	}
	var out []wrap.KeyID
	var next string
	var markerFound = marker == ""
	s.st.View(func(v *View) {
		if k := v.Key(after); marker != "" && (k == nil || v.KeyAccount(k) != account) {
			return
		}
		markerFound = true
		v.KeysAfter(after, func(k *Key) bool {
			if v.KeyAccount(k) != account {
				return true // only the caller's account's keys are listed
			}
			if len(out) == limit {
				next = out[len(out)-1].String()
				return false
			}
			out = append(out, k.ID)
			return true
		})
	})
	if !markerFound {
		return nil, "", errorf(ErrInvalidMarker, "Invalid marker '%s'", marker)
	}
	return out, next, nil
}

// UpdateKeyDescription replaces a key's description.
func (s *Service) UpdateKeyDescription(ctx context.Context, ref, desc string) error {
	ctx = withAccess(ctx, keyAccess{action: "kms:UpdateKeyDescription"})
	if err := checkLen("description", len(desc), 0, MaxDescription); err != nil {
		return err
	}
	id, err := s.resolve(ctx, ref, false)
	if err != nil {
		return err
	}
	if err := s.customerManaged(id, "kms:UpdateKeyDescription"); err != nil {
		return err
	}
	return s.propose(ctx, encode(cmdUpdateDescription, updateDescriptionCmd{ID: id, Description: desc}))
}

// EnableKey and DisableKey set whether a key may be used.
func (s *Service) EnableKey(ctx context.Context, ref string) error {
	ctx = withAccess(ctx, keyAccess{action: "kms:EnableKey"})
	return s.setEnabled(ctx, ref, true)
}

// DisableKey stops a key from being used until it is enabled again.
func (s *Service) DisableKey(ctx context.Context, ref string) error {
	ctx = withAccess(ctx, keyAccess{action: "kms:DisableKey"})
	return s.setEnabled(ctx, ref, false)
}

func (s *Service) setEnabled(ctx context.Context, ref string, on bool) error {
	id, err := s.resolve(ctx, ref, false)
	if err != nil {
		return err
	}
	action := "kms:DisableKey"
	if on {
		action = "kms:EnableKey"
	}
	if err := s.customerManaged(id, action); err != nil {
		return err
	}
	return s.propose(ctx, encode(cmdSetEnabled, setEnabledCmd{ID: id, Enabled: on}))
}

// ScheduleKeyDeletion puts a key in PendingDeletion; it is deleted when the window ends.
// days 0 means the AWS default of 30.
func (s *Service) ScheduleKeyDeletion(ctx context.Context, ref string, days int) (*Key, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:ScheduleKeyDeletion"})
	if days == 0 {
		days = MaxPendingWindowDays
	}
	if err := checkRange("pendingWindowInDays", days, MinPendingWindowDays, MaxPendingWindowDays); err != nil {
		return nil, err
	}
	id, err := s.resolve(ctx, ref, false)
	if err != nil {
		return nil, err
	}
	if err := s.customerManaged(id, "kms:ScheduleKeyDeletion"); err != nil {
		return nil, err
	}
	if err := s.propose(ctx, encode(cmdScheduleDeletion, scheduleDeletionCmd{ID: id, At: s.now(), Days: days})); err != nil {
		return nil, err
	}
	return s.describe(id)
}

// CancelKeyDeletion takes a key out of PendingDeletion; it is left Disabled, as in AWS.
func (s *Service) CancelKeyDeletion(ctx context.Context, ref string) (*Key, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:CancelKeyDeletion"})
	id, err := s.resolve(ctx, ref, false)
	if err != nil {
		return nil, err
	}
	if err := s.customerManaged(id, "kms:CancelKeyDeletion"); err != nil {
		return nil, err
	}
	if err := s.propose(ctx, encode(cmdCancelDeletion, cancelDeletionCmd{ID: id})); err != nil {
		return nil, err
	}
	return s.describe(id)
}

// dueForDeletion lists keys whose deletion window has ended at now.
func (s *Service) dueForDeletion(now time.Time) []wrap.KeyID {
	var due []wrap.KeyID
	s.st.View(func(v *View) {
		v.KeysAfter(wrap.KeyID{}, func(k *Key) bool {
			if k.State == KeyStatePendingDeletion && !now.Before(k.DeletionDate) {
				due = append(due, k.ID)
			}
			return true
		})
	})
	return due
}
