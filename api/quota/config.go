package quota

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Config is the quotas section of the node configuration:
//
//	"quotas": {
//	  "enabled": true,
//	  "rates": {"kms:CreateKey": 20, "s3:write": 0},
//	  "accounts": {"444455556666": {"kms:cryptographic-symmetric": 2000}}
//	}
//
// Rates override Defaults for every account; Accounts override both for one account. A rate is
// requests per second; 0 is unlimited. Off (the zero Config) nothing is throttled.
type Config struct {
	Enabled  bool                          `json:"enabled"`
	Rates    map[string]float64            `json:"rates,omitempty"`
	Accounts map[string]map[string]float64 `json:"accounts,omitempty"`
}

// Validate reports every override that cannot work: an unknown quota name, a negative or
// non-finite rate, an account id that is not 12 digits. Messages name the key.
func (c Config) Validate() error {
	var errs []error
	check := func(where string, rates map[string]float64) {
		for _, name := range sortedKeys(rates) {
			r := rates[name]
			if _, ok := Defaults[Name(name)]; !ok {
				errs = append(errs, fmt.Errorf("quotas: %s: unknown quota %q (known: kms:cryptographic-symmetric, kms:CreateKey, s3:read, ...; see Defaults)", where, name))
			} else if r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
				errs = append(errs, fmt.Errorf("quotas: %s: %s: rate %v must be a non-negative number (0 = unlimited)", where, name, r))
			}
		}
	}
	check("rates", c.Rates)
	for _, acct := range sortedKeys(c.Accounts) {
		if len(acct) != 12 || strings.Trim(acct, "0123456789") != "" {
			errs = append(errs, fmt.Errorf("quotas: accounts: %q is not a 12-digit account id", acct))
			continue
		}
		check("accounts."+acct, c.Accounts[acct])
	}
	return errors.Join(errs...)
}

// rate is the configured rate of q for account: the account's override, else the global
// override, else the default.
func (c Config) rate(account string, q Name) float64 {
	if r, ok := c.Accounts[account][string(q)]; ok {
		return r
	}
	if r, ok := c.Rates[string(q)]; ok {
		return r
	}
	return Defaults[q]
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
