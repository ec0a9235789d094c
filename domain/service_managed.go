package domain

import (
	"context"
	"errors"

	"github.com/keyhold/keyhold/wrap"
)

// ManagedKey returns the id of the AWS managed key behind alias (such as "alias/aws/s3"),
// creating the key and alias on first use. Aliases under alias/aws/ are reserved for such keys,
// so clients cannot create them; ManagedKey is how they come to exist. A key behind the alias
// that an earlier version created unmarked is marked on the way (managed.go). Managed keys are
// per account, as in AWS: the key is the caller's account's (the domain's first account for
// keyhold's own work), created the first time that account needs it. Creating it is keyhold's
// work, not the caller's: it needs no kms:CreateKey permission.
func (s *Service) ManagedKey(ctx context.Context, alias, description string) (wrap.KeyID, error) {
	if !isServiceAlias(alias) {
		return wrap.KeyID{}, errorf(ErrInvalidAliasName, "a managed key's alias must start with %s", serviceAliasPrefix)
	}
	account := s.CallerAccount(ctx)
	if id, ok := s.markedAliasTarget(ctx, account, alias); ok {
		return id, nil
	}
	s.managedMu.Lock()
	defer s.managedMu.Unlock()
	if id, ok := s.markedAliasTarget(ctx, account, alias); ok {
		return id, nil
	}
	k, err := s.createKeyIn(ctx, account, CreateKeyInput{Description: description}, true)
	if err != nil {
		return wrap.KeyID{}, err
	}
	err = s.propose(ctx, encode(cmdCreateAlias, aliasCmd{Name: alias, ID: k.ID, At: s.now(), AWSManaged: true, Account: account}))
	if errors.Is(err, ErrAlreadyExists) {
		// Another node created it first; its key wins and ours stays unused.
		if id, ok := s.aliasTarget(account, alias); ok {
			return id, nil
		}
	}
	if err != nil {
		return wrap.KeyID{}, err
	}
	return k.ID, nil
}

// markedAliasTarget returns the key behind alias, marking it AWS managed first if an earlier
// version created it unmarked. A failed marking is logged and retried by the next call or Tick:
// the service refuses management calls on the key meanwhile all the same.
func (s *Service) markedAliasTarget(ctx context.Context, account, alias string) (wrap.KeyID, bool) {
	var id wrap.KeyID
	var ok, marked bool
	s.st.View(func(v *View) {
		if a := v.AliasIn(account, alias); a != nil {
			id, ok = a.KeyID, true
			k := v.Key(a.KeyID)
			marked = k != nil && k.AWSManaged
		}
	})
	if ok && !marked {
		if err := s.markManaged(ctx, account, alias, id); err != nil {
			s.log.Warn("could not mark a managed key made by an earlier version", "alias", alias, "key_id", id.String(), "err", err)
		}
	}
	return id, ok
}

// MarkManagedKeys marks AWS managed every key behind an alias under alias/aws/ that is not
// marked yet: keys the versions before Key.AWSManaged created. Tick runs it on the leader; it
// proposes nothing once every such key is marked.
func (s *Service) MarkManagedKeys(ctx context.Context) error {
	type target struct {
		account, alias string
		id             wrap.KeyID
	}
	var todo []target
	s.st.View(func(v *View) {
		for aid := range v.s.serviceAliases {
			a := v.s.aliases[aid]
			if k := v.s.keys[a.KeyID]; k != nil && !k.AWSManaged {
				todo = append(todo, target{a.Account, a.Name, a.KeyID})
			}
		}
	})
	var errs []error
	for _, t := range todo {
		if err := s.markManaged(ctx, t.account, t.alias, t.id); err != nil {
			errs = append(errs, err)
			continue
		}
		s.log.Info("marked a managed key made by an earlier version", "alias", t.alias, "key_id", t.id.String())
	}
	return errors.Join(errs...)
}

// markManaged proposes the CreateAlias that marks the existing alias's target AWS managed.
func (s *Service) markManaged(ctx context.Context, account, alias string, id wrap.KeyID) error {
	return s.propose(ctx, encode(cmdCreateAlias, aliasCmd{Name: alias, ID: id, At: s.now(), AWSManaged: true, Account: account}))
}
