package iam

import (
	"time"

	"github.com/keyhold/keyhold/domain/policy"
)

// Account is a tenant: its own root principal, IAM entities, keys, aliases and buckets. The
// domain's first account exists from initialisation; operators create more by ceremony.
type Account struct {
	ID        string // 12 digits
	Name      string
	CreatedAt time.Time
}

// Tag is a key-value pair on a user or role (aws:PrincipalTag/<Key> in policies).
type Tag struct {
	Key, Value string
}

// InlinePolicy is a policy embedded in one user, group or role.
type InlinePolicy struct {
	Name     string
	Document string // the text the client sent, returned by Get*Policy
	compiled *policy.Policy
}

// Compiled returns the parsed policy (nil only for a document a newer parser refused on
// restore; such a policy grants nothing).
func (p *InlinePolicy) Compiled() *policy.Policy { return p.compiled }

// User is an IAM user. Its access keys live in the domain's key registry.
type User struct {
	Account   string
	Name      string
	Path      string
	ID        string // AIDA...
	CreatedAt time.Time
	Tags      []Tag
	Inline    []*InlinePolicy // sorted by name
	Attached  []string        // managed policy ARNs, sorted
	Groups    []string        // group names, sorted (case as created)
}

// Group is an IAM group; its members are the users that list it.
type Group struct {
	Account   string
	Name      string
	Path      string
	ID        string // AGPA...
	CreatedAt time.Time
	Inline    []*InlinePolicy
	Attached  []string
}

// Role is an IAM role: a trust policy saying who may assume it, and permissions for its sessions.
type Role struct {
	Account            string
	Name               string
	Path               string
	ID                 string // AROA...
	Description        string
	CreatedAt          time.Time
	MaxSessionDuration int    // seconds, 3600..43200
	TrustPolicy        string // the text the client sent
	trust              *policy.Policy
	Tags               []Tag
	Inline             []*InlinePolicy
	Attached           []string
}

// Trust returns the compiled trust policy.
func (r *Role) Trust() *policy.Policy { return r.trust }

// ManagedPolicy is a customer managed policy with its versions.
type ManagedPolicy struct {
	Account        string
	Name           string
	Path           string
	ID             string // ANPA...
	Description    string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DefaultVersion string // "v1", ...
	Versions       []*PolicyVersion
	Tags           []Tag
	// NextVersion is the number of the next version: ids are never reused after a delete.
	NextVersion int `json:",omitempty"`
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID        string // "v1"
	Document  string
	CreatedAt time.Time
	compiled  *policy.Policy
}

// Compiled returns the parsed version (see InlinePolicy.Compiled).
func (v *PolicyVersion) Compiled() *policy.Policy { return v.compiled }

// Default returns the default version, or nil.
func (p *ManagedPolicy) Default() *PolicyVersion {
	for _, v := range p.Versions {
		if v.ID == p.DefaultVersion {
			return v
		}
	}
	return nil
}
