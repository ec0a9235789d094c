package domain

import (
	"slices"
	"unicode"
)

// This file indexes the access-key registry (State.principals) by owner. CreateAccessKey checks
// the owner's key quota and DeleteUser looks for the user's keys: walking every access key of
// every account for that made each of them O(access keys) on the FSM goroutine, which applies
// every write in turn (10,000 users with a key each: 0.3 ms per CreateAccessKey, quadratic in
// all). The index only narrows the walk: every record it yields is checked with ownedBy, as
// the walk checked it, so a stale entry changes no answer. It must hold every record that
// ownedBy could accept, which putPrincipal guarantees for the writes of this package's apply
// files; a write elsewhere (a ceremony adding an account's root key) changes the registry's
// size, and owners rebuilds the index when that size is not the one it last saw.

// ownerKey names an owner in the index: the account, and "" for the root or the user's name
// folded as strings.EqualFold folds it.
type ownerKey struct{ account, user string }

// principalIndex is the by-owner index; nil until first needed (and after a restore).
type principalIndex struct {
	// byOwner lists access key ids by owner: a short list (IAM allows two keys per owner),
	// cheaper than a set per owner.
	byOwner map[ownerKey][]string
	// size is len(State.principals) as of the last change the index saw.
	size int
}

// ownerOf is the index key of p: ownedBy(p, account, user) implies ownerOf(p) ==
// ownerKey{account, foldName(user)}.
func (s *State) ownerOf(p *Principal) ownerKey {
	if p.Root {
		return ownerKey{s.keyAccount(p), ""}
	}
	return ownerKey{s.keyAccount(p), foldName(p.User)}
}

// foldName maps names that strings.EqualFold holds equal to one string: each rune becomes the
// smallest rune of its case-folding orbit (invalid bytes become U+FFFD, as EqualFold decodes
// them).
func foldName(name string) string {
	b := make([]rune, 0, len(name))
	for _, r := range name {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b = append(b, m)
	}
	return string(b)
}

// owners returns the index, building it from the registry when it is missing or when the
// registry changed size behind its back. It may write the state, so it and everything that
// calls it (putPrincipal, deletePrincipal, principalsOf, keysOf) run under the write lock:
// Apply's, never a View's.
func (s *State) owners() *principalIndex {
	if s.principalIdx != nil && s.principalIdx.size == len(s.principals) {
		return s.principalIdx
	}
	ix := &principalIndex{byOwner: make(map[ownerKey][]string), size: len(s.principals)}
	for id, p := range s.principals {
		ix.add(s.ownerOf(p), id)
	}
	s.principalIdx = ix
	return ix
}

func (ix *principalIndex) add(o ownerKey, id string) {
	if !slices.Contains(ix.byOwner[o], id) {
		ix.byOwner[o] = append(ix.byOwner[o], id)
	}
}

// putPrincipal stores p (new, or replacing the record of its access key id) and indexes it.
func (s *State) putPrincipal(p *Principal) {
	ix := s.owners()
	s.principals[p.AccessKeyID] = p
	ix.add(s.ownerOf(p), p.AccessKeyID)
	ix.size = len(s.principals)
}

// deletePrincipal removes the record of access key id.
func (s *State) deletePrincipal(id string) {
	ix := s.owners()
	if p := s.principals[id]; p != nil {
		o := s.ownerOf(p)
		if ids := slices.DeleteFunc(ix.byOwner[o], func(x string) bool { return x == id }); len(ids) > 0 {
			ix.byOwner[o] = ids
		} else {
			delete(ix.byOwner, o)
		}
	}
	delete(s.principals, id)
	ix.size = len(s.principals)
}

// principalsOf calls fn with every record owned by user ("" = the root) of account.
func (s *State) principalsOf(account, user string, fn func(*Principal)) {
	for _, id := range s.owners().byOwner[ownerKey{account, foldName(user)}] {
		if p := s.principals[id]; p != nil && s.ownedBy(p, account, user) {
			fn(p)
		}
	}
}
