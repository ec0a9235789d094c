package domain

import (
	"context"
	"strings"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// CreateAlias points a new alias of the caller's account at a key of that account. The target
// must be a key id or key ARN. As in AWS, the caller needs kms:CreateAlias on the alias and on
// the key.
func (s *Service) CreateAlias(ctx context.Context, name, target string) error {
	if err := checkAliasName(name); err != nil {
		return err
	}
	if err := s.authorizeAlias(ctx, "kms:CreateAlias", name); err != nil {
		return err
	}
	id, err := s.resolve(withAccess(ctx, keyAccess{action: "kms:CreateAlias"}), target, false)
	if err != nil {
		return err
	}
	if err := s.customerManaged(id, "kms:CreateAlias"); err != nil {
		return err
	}
	return s.propose(ctx, encode(cmdCreateAlias, aliasCmd{Name: name, ID: id, At: s.now(), Account: s.CallerAccount(ctx)}))
}

// UpdateAlias points an existing alias at another key of the same type and usage. Neither the
// alias nor the target may belong to an AWS managed key. The caller needs kms:UpdateAlias on
// the alias, on the key it points at now and on the new target.
func (s *Service) UpdateAlias(ctx context.Context, name, target string) error {
	if isServiceAlias(name) {
		return managedKeyDenied("kms:UpdateAlias", s.cfg.ARNs.In(s.CallerAccount(ctx)).Alias(name))
	}
	if err := checkAliasName(name); err != nil {
		return err
	}
	if err := s.authorizeAlias(ctx, "kms:UpdateAlias", name); err != nil {
		return err
	}
	actx := withAccess(ctx, keyAccess{action: "kms:UpdateAlias"})
	if old, ok := s.aliasTarget(s.CallerAccount(ctx), name); ok {
		if err := s.authorizeKey(actx, old, ""); err != nil {
			return err
		}
	}
	id, err := s.resolve(actx, target, false)
	if err != nil {
		return err
	}
	if err := s.customerManaged(id, "kms:UpdateAlias"); err != nil {
		return err
	}
	return s.propose(ctx, encode(cmdUpdateAlias, aliasCmd{Name: name, ID: id, At: s.now(), Account: s.CallerAccount(ctx)}))
}

// DeleteAlias removes an alias of the caller's account; the key is untouched. The aliases of
// AWS managed keys stay. The caller needs kms:DeleteAlias on the alias and on its key.
func (s *Service) DeleteAlias(ctx context.Context, name string) error {
	if !strings.HasPrefix(name, "alias/") {
		return checkAliasName(name)
	}
	account := s.CallerAccount(ctx)
	if isServiceAlias(name) {
		return managedKeyDenied("kms:DeleteAlias", s.cfg.ARNs.In(account).Alias(name))
	}
	if err := s.authorizeAlias(ctx, "kms:DeleteAlias", name); err != nil {
		return err
	}
	if id, ok := s.aliasTarget(account, name); ok {
		if err := s.authorizeKey(withAccess(ctx, keyAccess{action: "kms:DeleteAlias"}), id, ""); err != nil {
			return err
		}
	}
	return s.propose(ctx, encode(cmdDeleteAlias, aliasCmd{Name: name, Account: account}))
}

// AliasInfo is one ListAliases entry.
type AliasInfo struct {
	Name      string
	KeyID     wrap.KeyID
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ListAliases lists the caller's account's aliases sorted by name, all of them or those of
// the key keyRef names, a page at a time; the marker is the last alias name of the previous
// page.
func (s *Service) ListAliases(ctx context.Context, keyRef string, limit int, marker string) ([]AliasInfo, string, error) {
	if err := s.authorizeAccount(ctx, "kms:ListAliases", nil); err != nil {
		return nil, "", err
	}
	if limit == 0 {
		limit = 100
	}
	if err := checkRange("limit", limit, 1, 100); err != nil {
		return nil, "", err
	}
	var filter wrap.KeyID
	if keyRef != "" {
		// The key is looked up in the caller's account like any other reference.
		id, err := s.resolve(withAccess(ctx, keyAccess{action: "kms:ListAliases"}), keyRef, false)
		if err != nil {
			return nil, "", err
		}
		filter = id
	}
	if marker != "" && !strings.HasPrefix(marker, "alias/") {
		return nil, "", errorf(ErrInvalidMarker, "Invalid marker '%s'", marker)
	}
	account := s.CallerAccount(ctx)
	var all []*Alias
	s.st.View(func(v *View) {
		for _, a := range v.Aliases(account) {
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
