package domain

import (
	"context"
	"strings"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// CreateAlias points a new alias at a key. The target must be a key id or key ARN.
func (s *Service) CreateAlias(ctx context.Context, name, target string) error {
	if err := checkAliasName(name); err != nil {
		return err
	}
	id, err := s.resolve(ctx, target, false)
	if err != nil {
		return err
	}
	if err := s.customerManaged(id, "kms:CreateAlias"); err != nil {
		return err
	}
	return s.propose(ctx, encode(cmdCreateAlias, aliasCmd{Name: name, ID: id, At: s.now()}))
}

// UpdateAlias points an existing alias at another key of the same type and usage. Neither the
// alias nor the target may belong to an AWS managed key.
func (s *Service) UpdateAlias(ctx context.Context, name, target string) error {
	if isServiceAlias(name) {
		return managedKeyDenied("kms:UpdateAlias", s.cfg.ARNs.Alias(name))
	}
	if err := checkAliasName(name); err != nil {
		return err
	}
	id, err := s.resolve(ctx, target, false)
	if err != nil {
		return err
	}
	if err := s.customerManaged(id, "kms:UpdateAlias"); err != nil {
		return err
	}
	return s.propose(ctx, encode(cmdUpdateAlias, aliasCmd{Name: name, ID: id, At: s.now()}))
}

// DeleteAlias removes an alias; the key is untouched. The aliases of AWS managed keys stay.
func (s *Service) DeleteAlias(ctx context.Context, name string) error {
	if !strings.HasPrefix(name, "alias/") {
		return checkAliasName(name)
	}
	if isServiceAlias(name) {
		return managedKeyDenied("kms:DeleteAlias", s.cfg.ARNs.Alias(name))
	}
	return s.propose(ctx, encode(cmdDeleteAlias, aliasCmd{Name: name}))
}

// AliasInfo is one ListAliases entry.
type AliasInfo struct {
	Name      string
	KeyID     wrap.KeyID
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ListAliases lists aliases sorted by name, all of them or those of the key keyRef names, a page
// at a time; the marker is the last alias name of the previous page.
func (s *Service) ListAliases(ctx context.Context, keyRef string, limit int, marker string) ([]AliasInfo, string, error) {
	if limit == 0 {
		limit = 100
	}
	if err := checkRange("limit", limit, 1, 100); err != nil {
		return nil, "", err
	}
	var filter wrap.KeyID
	if keyRef != "" {
		id, err := s.resolve(ctx, keyRef, false)
		if err != nil {
			return nil, "", err
		}
		filter = id
	}
	if marker != "" && !strings.HasPrefix(marker, "alias/") {
		return nil, "", errorf(ErrInvalidMarker, "Invalid marker '%s'", marker)
	}
	var all []*Alias
	s.st.View(func(v *View) {
		for _, a := range v.Aliases() {
			if keyRef != "" && a.KeyID != filter {
				continue
			}
			if marker != "" && a.Name <= marker {
				continue
			}
			c := *a
			all = append(all, &c)
		}
	})
	next := ""
	if len(all) > limit {
		all = all[:limit]
		next = all[limit-1].Name
	}
	out := make([]AliasInfo, len(all))
	for i, a := range all {
		out[i] = AliasInfo{Name: a.Name, KeyID: a.KeyID, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	}
	return out, next, nil
}
