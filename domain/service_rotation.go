package domain

import (
	"context"
	"strconv"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// EnableKeyRotation turns on automatic rotation every periodDays (0 means AWS's 365).
func (s *Service) EnableKeyRotation(ctx context.Context, ref string, periodDays int) error {
	ctx = withAccess(ctx, keyAccess{action: "kms:EnableKeyRotation"})
	if periodDays == 0 {
		periodDays = DefaultRotationDays
	}
	if err := checkRange("rotationPeriodInDays", periodDays, MinRotationDays, MaxRotationDays); err != nil {
		return err
	}
	id, err := s.rotatableKey(ctx, ref)
	if err != nil {
		return err
	}
	if err := s.customerManaged(id, "kms:EnableKeyRotation"); err != nil {
		return err
	}
	return s.propose(ctx, encode(cmdSetRotation, setRotationCmd{ID: id, Enabled: true, PeriodDays: periodDays, At: s.now()}))
}

// DisableKeyRotation turns automatic rotation off; existing versions stay.
func (s *Service) DisableKeyRotation(ctx context.Context, ref string) error {
	ctx = withAccess(ctx, keyAccess{action: "kms:DisableKeyRotation"})
	id, err := s.rotatableKey(ctx, ref)
	if err != nil {
		return err
	}
	if err := s.customerManaged(id, "kms:DisableKeyRotation"); err != nil {
		return err
	}
	return s.propose(ctx, encode(cmdSetRotation, setRotationCmd{ID: id, Enabled: false, At: s.now()}))
}

func (s *Service) rotatableKey(ctx context.Context, ref string) (wrap.KeyID, error) {
	id, err := s.resolve(ctx, ref, false)
	if err != nil {
		return wrap.KeyID{}, err
	}
	ks, _ := s.snapshotKey(ctx, id, false)
	if ks.spec != KeySpecSymmetricDefault {
		return wrap.KeyID{}, errorf(ErrUnsupported, "%s does not support automatic rotation: only symmetric encryption keys rotate", s.KeyARN(id))
	}
	return id, nil
}

// RotationStatus is GetKeyRotationStatus's answer.
type RotationStatus struct {
	KeyID          wrap.KeyID
	Enabled        bool
	PeriodDays     int
	NextRotation   time.Time
	OnDemandStart  time.Time
	LastRotationAt time.Time
}

// GetKeyRotationStatus reports a key's rotation settings.
func (s *Service) GetKeyRotationStatus(ctx context.Context, ref string) (RotationStatus, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:GetKeyRotationStatus"})
	id, err := s.resolve(ctx, ref, false)
	if err != nil {
		return RotationStatus{}, err
	}
	k, err := s.describe(id)
	if err != nil {
		return RotationStatus{}, err
	}
	st := RotationStatus{KeyID: id, Enabled: k.RotationEnabled}
	if k.RotationEnabled {
		st.PeriodDays, st.NextRotation = k.RotationPeriodDays, k.NextRotation
	}
	return st, nil
}

// RotateKeyOnDemand adds a new backing key version now, whatever the schedule says.
func (s *Service) RotateKeyOnDemand(ctx context.Context, ref string) (wrap.KeyID, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:RotateKeyOnDemand"})
	id, err := s.rotatableKey(ctx, ref)
	if err != nil {
		return wrap.KeyID{}, err
	}
	if err := s.customerManaged(id, "kms:RotateKeyOnDemand"); err != nil {
		return wrap.KeyID{}, err
	}
	k, err := s.describe(id)
	if err != nil {
		return wrap.KeyID{}, err
	}
	switch k.State {
	case KeyStateDisabled:
		return wrap.KeyID{}, errorf(ErrDisabled, "%s is disabled.", s.KeyARN(id))
	case KeyStatePendingDeletion:
		return wrap.KeyID{}, errorf(ErrInvalidState, "%s is pending deletion.", s.KeyARN(id))
	}
	if k.OnDemandRotations >= MaxOnDemandRotations {
		return wrap.KeyID{}, errorf(ErrLimitExceeded, "%s has reached the limit of %d on-demand rotations", s.KeyARN(id), MaxOnDemandRotations)
	}
	return id, s.rotate(ctx, k, RotationOnDemand)
}

func (s *Service) rotate(ctx context.Context, k *Key, typ RotationType) error {
	now := s.now()
	return s.proposeSealed(ctx, func() ([]byte, error) {
		ver, err := s.sealNewVersion(ctx, k.ID, k.Current().Version+1, now, typ)
		if err != nil {
			return nil, err
		}
		return encode(cmdRotateKey, rotateKeyCmd{ID: k.ID, Version: ver, At: now}), nil
	})
}

// RotationInfo is one ListKeyRotations entry.
type RotationInfo struct {
	KeyID   wrap.KeyID
	Version uint32
	At      time.Time
	Type    RotationType
}

// ListKeyRotations lists a key's rotations, oldest first; the marker is the version number to
// continue after.
func (s *Service) ListKeyRotations(ctx context.Context, ref string, limit int, marker string) ([]RotationInfo, string, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:ListKeyRotations"})
	if limit == 0 {
		limit = 100
	}
	if err := checkRange("limit", limit, 1, 1000); err != nil {
		return nil, "", err
	}
	id, err := s.rotatableKey(ctx, ref)
	if err != nil {
		return nil, "", err
	}
	k, err := s.describe(id)
	if err != nil {
		return nil, "", err
	}
	after, err := parseVersionMarker(marker)
	if err != nil {
		return nil, "", err
	}
	var out []RotationInfo
	next := ""
	for _, v := range k.Versions {
		if v.Rotation == RotationInvalid || v.Version <= after {
			continue
		}
		if len(out) == limit {
			next = strconv.FormatUint(uint64(out[len(out)-1].Version), 10)
			break
		}
		out = append(out, RotationInfo{KeyID: id, Version: v.Version, At: v.CreatedAt, Type: v.Rotation})
	}
	return out, next, nil
}

// dueForRotation lists enabled keys whose automatic rotation is due at now.
func (s *Service) dueForRotation(now time.Time) []wrap.KeyID {
	var due []wrap.KeyID
	s.st.View(func(v *View) {
		v.KeysAfter(wrap.KeyID{}, func(k *Key) bool {
			if k.RotationEnabled && k.State == KeyStateEnabled && !now.Before(k.NextRotation) {
				due = append(due, k.ID)
			}
			return true
		})
	})
	return due
}

func parseVersionMarker(m string) (uint32, error) {
	if m == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(m, 10, 32)
	if err != nil {
		return 0, errorf(ErrInvalidMarker, "Invalid marker '%s'", m)
	}
	return uint32(v), nil
}
