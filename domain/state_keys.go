package domain

import (
	"sync"

	"github.com/keyhold/keyhold/wrap"
)

// This file keeps the key map and the creation order together. Apply changes a key only through
// editKey: a Snapshot holds the *Key values it captured and encodes them while later commands
// apply, so a stored Key is never changed in place (copy-on-write). That lets a snapshot of a
// million keys copy one pointer per key instead of the keys.

// addKey stores a new key at the end of the creation order.
func (s *State) addKey(k *Key) {
	internKeyStrings(k)
	k.pos = uint32(len(s.order))
	s.keys[k.ID] = k
	s.order = append(s.order, k)
}

// editKey replaces k, which must be stored, by a private copy that Apply may change, and returns
// the copy.
func (s *State) editKey(k *Key) *Key {
	c := k.clone()
	s.keys[k.ID] = c
	s.order[c.pos] = c
	return c
}

// removeKey deletes the key with id. Its slot in the order stays until enough slots are dead
// that dropping them all costs no more, amortised, than the deletions did.
func (s *State) removeKey(id wrap.KeyID) {
	k, ok := s.keys[id]
	if !ok {
		return
	}
	delete(s.keys, id)
	s.order[k.pos] = nil
	s.dead++
	if s.dead >= 1024 && s.dead*2 >= len(s.order) {
		s.compactOrder()
	}
}

// compactOrder drops the slots of deleted keys and renumbers the live keys' positions. Only pos
// changes, which no snapshot encodes, so the keys are updated in place.
func (s *State) compactOrder() {
	live := make([]*Key, 0, len(s.keys))
	for _, k := range s.order {
		if k != nil {
			k.pos = uint32(len(live))
			live = append(live, k)
		}
	}
	s.order, s.dead = live, 0
}

// liveKeys returns the keys in creation order.
func (s *State) liveKeys() []*Key {
	out := make([]*Key, 0, len(s.keys))
	for _, k := range s.order {
		if k != nil {
			out = append(out, k)
		}
	}
	return out
}

// keyStrings maps every spelling of a key spec, key usage and origin keyhold accepts to one
// shared copy, so that a million keys decoded from commands or a snapshot do not each carry their
// own copies of the same few strings.
var keyStrings = func() map[string]string {
	m := map[string]string{OriginAWSKMS: OriginAWSKMS, KeySpecSymmetricDefault: KeySpecSymmetricDefault,
		KeyUsageEncryptDecrypt: KeyUsageEncryptDecrypt}
	for spec, info := range keySpecs {
		m[spec] = spec
		for _, u := range info.usages {
			m[u] = u
		}
	}
	return m
}()

func internKeyStrings(k *Key) {
	if v, ok := keyStrings[k.KeySpec]; ok {
		k.KeySpec = v
	}
	if v, ok := keyStrings[k.KeyUsage]; ok {
		k.KeyUsage = v
	}
	if v, ok := keyStrings[k.Origin]; ok {
		k.Origin = v
	}
	k.Account = internAccount(k.Account)
}

// accountStrings holds one copy of each account id that owns keys. Accounts are few and never
// forgotten, so the map stays small; it is a sync.Map because Restore decodes aside from the
// state's lock.
var accountStrings sync.Map

// internAccount returns the shared copy of account.
func internAccount(account string) string {
	if account == "" {
		return ""
	}
	v, _ := accountStrings.LoadOrStore(account, account)
	return v.(string)
}
