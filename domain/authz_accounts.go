package domain

import (
	"github.com/keyhold/keyhold/wrap"
)

// Accounts own resources.
//
// Keys, aliases and buckets belong to an account: Key.Account, Alias.Account, Bucket.Account.
// Records written before accounts existed carry none ("") and belong to the domain's first
// account, the configured ARNs.Account: they are read that way (keyAccount, bucketAccount,
// aliasID) rather than rewritten, so old raft logs and snapshots load unchanged and Apply stays
// deterministic. Alias names are per account, as in AWS (two accounts may both have
// alias/app); bucket names are global, as in S3.

// aliasID is the key of State.aliases: an alias name within its account.
type aliasID struct {
	account string
	name    string
}

// account returns acct, or the domain's first account for a record that names none.
func (s *State) account(acct string) string {
	if acct == "" {
		return s.arn.Account
	}
	return acct
}

func (s *State) cmkAccount(k *Key) string       { return s.account(k.Account) }
func (s *State) bucketAccount(b *Bucket) string { return s.account(b.Account) }
func (s *State) aliasKey(a *Alias) aliasID      { return aliasID{s.account(a.Account), a.Name} }

// KeyAccount returns the account that owns k.
func (v *View) KeyAccount(k *Key) string { return v.s.cmkAccount(k) }

// BucketAccount returns the account that owns b.
func (v *View) BucketAccount(b *Bucket) string { return v.s.bucketAccount(b) }

// AliasIn returns the alias with the full name ("alias/...") in account, or nil.
func (v *View) AliasIn(account, name string) *Alias {
	return v.s.aliases[aliasID{v.s.account(account), name}]
}

// In returns the ARN builder for account (the domain's first account when account is "").
func (a ARNs) In(account string) ARNs {
	if account != "" {
		a.Account = account
	}
	return a
}

// KeyARN returns the ARN of key id with its owning account (the domain's first account for a
// key that does not exist).
func (s *Service) KeyARN(id wrap.KeyID) string {
	acct := ""
	s.st.View(func(v *View) {
		if k := v.Key(id); k != nil {
			acct = v.KeyAccount(k)
		}
	})
	return s.cfg.ARNs.In(acct).Key(id)
}
