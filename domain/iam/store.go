package iam

import (
	"sort"
	"strings"
)

// nameKey identifies an entity of one kind in an account. IAM names are unique within an
// account regardless of case ("app1" and "App1" cannot both exist), so the name is lowercased.
type nameKey struct{ account, name string }

func keyOf(account, name string) nameKey { return nameKey{account, strings.ToLower(name)} }

// Store is the identity model of every account in the domain.
type Store struct {
	partition string
	first     string // the domain's first account, which exists without a record
	accounts  map[string]*Account
	users     map[nameKey]*User
	groups    map[nameKey]*Group
	roles     map[nameKey]*Role
	policies  map[nameKey]*ManagedPolicy
	// gen counts applied changes, so a reader can cache what it derived (a caller's effective
	// policies) and know when to derive it again.
	gen uint64
}

// NewStore returns an empty model for a domain whose first account is first, in partition
// ("aws").
func NewStore(partition, first string) *Store {
	return &Store{
		partition: partition, first: first,
		accounts: make(map[string]*Account),
		users:    make(map[nameKey]*User),
		groups:   make(map[nameKey]*Group),
		roles:    make(map[nameKey]*Role),
		policies: make(map[nameKey]*ManagedPolicy),
	}
}

// Generation changes whenever an applied command changes the model.
func (s *Store) Generation() uint64 { return s.gen }

// FirstAccount is the domain's first account id.
func (s *Store) FirstAccount() string { return s.first }

// Account returns the account with id, or nil. The first account always exists.
func (s *Store) Account(id string) *Account {
	if a, ok := s.accounts[id]; ok {
		return a
	}
	if id == s.first && id != "" {
		return &Account{ID: id, Name: "default"}
	}
	return nil
}

// Accounts lists every account, the first one first, then by id.
func (s *Store) Accounts() []*Account {
	out := []*Account{s.Account(s.first)}
	ids := make([]string, 0, len(s.accounts))
	for id := range s.accounts {
		if id != s.first {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		out = append(out, s.accounts[id])
	}
	return out
}

// User returns the user name (any case) of account, or nil.
func (s *Store) User(account, name string) *User { return s.users[keyOf(account, name)] }

// Group returns the group name of account, or nil.
func (s *Store) Group(account, name string) *Group { return s.groups[keyOf(account, name)] }

// Role returns the role name of account, or nil.
func (s *Store) Role(account, name string) *Role { return s.roles[keyOf(account, name)] }

// Policy returns the managed policy name of account, or nil.
func (s *Store) Policy(account, name string) *ManagedPolicy {
	return s.policies[keyOf(account, name)]
}

// sortedBy returns the values of m in account, sorted by lowercased name: IAM lists entities
// in name order, which also makes pagination markers stable.
func sortedBy[T any](m map[nameKey]*T, account string) []*T {
	keys := make([]nameKey, 0)
	for k := range m {
		if k.account == account {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].name < keys[j].name })
	out := make([]*T, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// countIn counts the entries of account in m, for the per-account quotas: a quota check on
// every create must not sort and copy the account's entities (5,000 users) as listing does.
func countIn[T any](m map[nameKey]*T, account string) int {
	n := 0
	for k := range m {
		if k.account == account {
			n++
		}
	}
	return n
}

// Users lists the users of account in name order.
func (s *Store) Users(account string) []*User { return sortedBy(s.users, account) }

// Groups lists the groups of account in name order.
func (s *Store) Groups(account string) []*Group { return sortedBy(s.groups, account) }

// Roles lists the roles of account in name order.
func (s *Store) Roles(account string) []*Role { return sortedBy(s.roles, account) }

// Policies lists the managed policies of account in name order.
func (s *Store) Policies(account string) []*ManagedPolicy { return sortedBy(s.policies, account) }
