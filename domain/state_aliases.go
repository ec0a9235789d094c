package domain

import (
	"slices"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// This file keeps the alias map and its index by key together. Authorization reads a key's
// aliases on every request a policy decides (kms:ResourceAliases) and DeleteKey drops a key's
// aliases, so both look them up by key instead of walking every alias of every account.

// putAlias stores a new alias.
func (s *State) putAlias(aid aliasID, a *Alias) {
	s.aliases[aid] = a
	s.aliasesByKey[a.KeyID] = append(s.aliasesByKey[a.KeyID], aid)
	if isServiceAlias(a.Name) {
		s.serviceAliases[aid] = struct{}{}
	}
}

// retargetAlias points the alias aid at key id as of at. The stored Alias is replaced, never
// changed: a snapshot keeps the *Alias values it captured (copy-on-write, as keys).
func (s *State) retargetAlias(aid aliasID, a *Alias, id wrap.KeyID, at time.Time) {
	s.unindexAlias(aid, a.KeyID)
	n := *a
	n.KeyID, n.UpdatedAt = id, at
	s.aliases[aid] = &n
	s.aliasesByKey[id] = append(s.aliasesByKey[id], aid)
}

// dropAlias deletes the alias aid.
func (s *State) dropAlias(aid aliasID) {
	if a := s.aliases[aid]; a != nil {
		s.unindexAlias(aid, a.KeyID)
	}
	delete(s.aliases, aid)
	delete(s.serviceAliases, aid)
}

func (s *State) unindexAlias(aid aliasID, id wrap.KeyID) {
	ids := slices.DeleteFunc(s.aliasesByKey[id], func(x aliasID) bool { return x == aid })
	if len(ids) == 0 {
		delete(s.aliasesByKey, id)
		return
	}
	s.aliasesByKey[id] = ids
}

// dropKeyAliases deletes every alias of key id (the key is being deleted).
func (s *State) dropKeyAliases(id wrap.KeyID) {
	for _, aid := range slices.Clone(s.aliasesByKey[id]) {
		s.dropAlias(aid)
	}
}

// indexAliases builds the by-key index of aliases (restore).
func indexAliases(aliases map[aliasID]*Alias) map[wrap.KeyID][]aliasID {
	idx := make(map[wrap.KeyID][]aliasID, len(aliases))
	for aid, a := range aliases {
		idx[a.KeyID] = append(idx[a.KeyID], aid)
	}
	return idx
}
