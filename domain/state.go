package domain

import (
	"sort"
	"sync"

	"github.com/keyhold/keyhold/domain/ceremony"
	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"

	"github.com/keyhold/keyhold/wrap"
)

// State is the replicated state. All mutation goes through Apply; reads take the read lock
// through View. A State is safe for concurrent use.
type State struct {
	mu      sync.RWMutex
	arn     ARNs
	domain  *ceremony.Domain
	keys    map[wrap.KeyID]*Key
	aliases map[aliasID]*Alias
	// aliasesByKey indexes aliases by their key (state_aliases.go); derived, rebuilt on restore.
	aliasesByKey map[wrap.KeyID][]aliasID
	principals   map[string]*Principal
	// principalIdx indexes principals by owner (state_principals.go); derived, nil until used.
	principalIdx *principalIndex
	// proposals holds ceremony proposals, pending and recent (proposals.go).
	proposals proposalLog
	buckets   map[string]*Bucket
	// bucketPols holds the compiled bucket policies, by bucket name (bucketpolicy.go).
	bucketPols map[string]*policy.Policy
	// grants holds every grant (grant.go).
	grants *grantTable
	// keyPols holds compiled key policies (keypolicy.go), derived from keys.
	keyPols *keyPolicies
	// iam is the identity model: accounts, users, groups, roles, managed policies (domain/iam).
	iam *iam.Store
	// serviceAliases indexes the names of the aliases under alias/aws/, so that telling a key
	// behind one needs no walk over every alias. It is derived from aliases (Restore rebuilds it).
	serviceAliases map[aliasID]struct{}
	// order lists the keys in creation order so that ListKeys pages are stable without sorting
	// the whole key set on every call, and a snapshot captures the keys by one sequential scan.
	// It holds the stored *Key (editKey replaces the slot with the copy). Each key knows its
	// index (Key.pos), so a page after a marker starts there instead of scanning. A deleted key
	// leaves a nil slot (dead counts them) until compactOrder drops them.
	order []*Key
	dead  int
	// keyChanged, when set, is told (under the write lock) about every applied change that makes
	// a key's cached material stale or unusable: disable, scheduled deletion, deletion.
	keyChanged func(wrap.KeyID)
}

func (s *State) setKeyChanged(fn func(wrap.KeyID)) {
	s.mu.Lock()
	s.keyChanged = fn
	s.mu.Unlock()
}

func (s *State) notifyKeyChanged(id wrap.KeyID) {
	if s.keyChanged != nil {
		s.keyChanged(id)
	}
}

// NewState returns an empty state whose error messages and listings use arn's partition, region
// and account.
func NewState(arn ARNs) *State {
	return &State{
		arn:          arn,
		keys:         make(map[wrap.KeyID]*Key),
		aliases:      make(map[aliasID]*Alias),
		aliasesByKey: make(map[wrap.KeyID][]aliasID),
		principals:   make(map[string]*Principal),
		buckets:      make(map[string]*Bucket),
		iam:          iam.NewStore(arn.Partition, arn.Account),
		keyPols:      newKeyPolicies(),
		grants:       newGrantTable(),
		bucketPols:   make(map[string]*policy.Policy),

		serviceAliases: make(map[aliasID]struct{}),
	}
}

// View runs fn with a read-only view of the state. fn must not retain pointers it reads past its
// return, nor call Apply.
func (s *State) View(fn func(v *View)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(&View{s: s})
}

// View is read access to the state, valid only inside State.View.
type View struct{ s *State }

// Domain returns the domain record, or nil before initialisation.
func (v *View) Domain() *ceremony.Domain { return v.s.domain }

// Key returns the key with id, or nil.
func (v *View) Key(id wrap.KeyID) *Key { return v.s.keys[id] }

// IAM returns the identity model (read-only: valid only inside State.View).
func (v *View) IAM() *iam.Store { return v.s.iam }

// Alias returns the alias with the full name ("alias/...") in the domain's first account, or
// nil. Callers serving a request use AliasIn with the caller's account.
func (v *View) Alias(name string) *Alias { return v.AliasIn("", name) }

// Principal returns the principal with that access key id, or nil.
func (v *View) Principal(accessKeyID string) *Principal { return v.s.principals[accessKeyID] }

// KeyCount is the number of keys, in any state.
func (v *View) KeyCount() int { return len(v.s.keys) }

// KeysAfter calls fn for keys in creation order, starting after the key with id after (from the
// beginning when after is the zero id), until fn returns false. It costs O(keys visited): a
// marker is found through its key's position, not by scanning the order. A marker that names no
// key visits nothing.
func (v *View) KeysAfter(after wrap.KeyID, fn func(*Key) bool) {
	start := 0
	if after != (wrap.KeyID{}) {
		k := v.s.keys[after]
		if k == nil {
			return
		}
		start = int(k.pos) + 1
	}
	for i := start; i < len(v.s.order); i++ {
		k := v.s.order[i]
		if k == nil {
			continue // the slot of a deleted key
		}
		if !fn(k) {
			return
		}
	}
}

// Aliases returns the aliases of account sorted by name.
func (v *View) Aliases(account string) []*Alias {
	account = v.s.account(account)
	out := make([]*Alias, 0, len(v.s.aliases))
	for k, a := range v.s.aliases {
		if k.account == account {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AliasesOf returns the names of the aliases pointing at id, sorted.
func (v *View) AliasesOf(id wrap.KeyID) []string {
	var out []string
	for _, aid := range v.s.aliasesByKey[id] {
		out = append(out, aid.name)
	}
	sort.Strings(out)
	return out
}

// Principals returns every principal, sorted by access key id.
func (v *View) Principals() []*Principal {
	out := make([]*Principal, 0, len(v.s.principals))
	for _, p := range v.s.principals {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AccessKeyID < out[j].AccessKeyID })
	return out
}
