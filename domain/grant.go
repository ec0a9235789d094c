package domain

import (
	"maps"
	"slices"
	"time"

	"github.com/keyhold/keyhold/domain/policy"
	"github.com/keyhold/keyhold/wrap"
)

// Grant lets a principal use a key for some operations, optionally only with a given
// encryption context: KMS's narrow, revocable delegation. It is replicated: a grant is in
// force on every node once CreateGrant returns (the command is committed), so keyhold needs
// no eventual-consistency window and its grant tokens carry no authority of their own.
type Grant struct {
	ID                string // 64 hex digits
	KeyID             wrap.KeyID
	Name              string `json:",omitempty"`
	GranteePrincipal  string
	RetiringPrincipal string `json:",omitempty"`
	IssuingAccount    string // arn:aws:iam::ACCOUNT:root
	Operations        []string
	Constraints       *GrantConstraints `json:",omitempty"`
	CreatedAt         time.Time
}

// GrantConstraints limit a grant to requests whose encryption context equals, or contains,
// the given pairs.
type GrantConstraints struct {
	EncryptionContextEquals map[string]string `json:",omitempty"`
	EncryptionContextSubset map[string]string `json:",omitempty"`
}

// MaxGrantsPerKey is KMS's quota of grants on one key.
const MaxGrantsPerKey = 50000

// GrantOperations are the operations a grant may allow, as KMS names them.
var GrantOperations = []string{
	"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom",
	"ReEncryptTo", "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey",
	"GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac",
	"DeriveSharedSecret",
}

// contextFreeOperations take no encryption context, so a constrained grant cannot allow them.
var contextFreeOperations = map[string]bool{
	"Sign": true, "Verify": true, "GetPublicKey": true, "DescribeKey": true, "GenerateMac": true,
	"VerifyMac": true, "DeriveSharedSecret": true,
}

// allowsOperation reports whether g allows op.
func (g *Grant) allowsOperation(op string) bool { return slices.Contains(g.Operations, op) }

// matchesGrantee reports whether the principal is g's grantee: the grantee ARN names it, or
// names the role a session was made from.
func (g *Grant) matchesGrantee(p policy.Principal) bool {
	return g.GranteePrincipal == p.ARN || p.RoleARN != "" && g.GranteePrincipal == p.RoleARN
}

// admits reports whether the request's encryption context satisfies g's constraints.
func (g *Grant) admits(ec map[string]string) bool {
	c := g.Constraints
	if c == nil {
		return true
	}
	if c.EncryptionContextEquals != nil && !maps.Equal(c.EncryptionContextEquals, ec) {
		return false
	}
	for k, v := range c.EncryptionContextSubset {
		if got, ok := ec[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func (g *Grant) clone() *Grant {
	c := *g
	c.Operations = slices.Clone(g.Operations)
	if g.Constraints != nil {
		cc := GrantConstraints{EncryptionContextEquals: maps.Clone(g.Constraints.EncryptionContextEquals),
			EncryptionContextSubset: maps.Clone(g.Constraints.EncryptionContextSubset)}
		c.Constraints = &cc
	}
	return &c
}

// sameRequest reports whether two grants were made by the same CreateGrant parameters, for
// KMS's idempotency by Name.
func (g *Grant) sameRequest(o *Grant) bool {
	return g.Name == o.Name && g.GranteePrincipal == o.GranteePrincipal && g.RetiringPrincipal == o.RetiringPrincipal &&
		slices.Equal(g.Operations, o.Operations) && sameConstraints(g.Constraints, o.Constraints)
}

func sameConstraints(a, b *GrantConstraints) bool {
	if a == nil || b == nil {
		return a == b
	}
	return maps.Equal(a.EncryptionContextEquals, b.EncryptionContextEquals) && maps.Equal(a.EncryptionContextSubset, b.EncryptionContextSubset)
}

// grantTable holds every grant, by key and by id. Guarded by the State lock.
type grantTable struct {
	byKey map[wrap.KeyID][]*Grant // in creation order
	byID  map[string]*Grant
	// byGrantee indexes grants by key and grantee principal, so that authorization looks at a
	// caller's own grants only: a key may hold 50,000 grants, and a refused caller must not
	// make every request walk them.
	byGrantee map[granteeKey][]*Grant
}

type granteeKey struct {
	key     wrap.KeyID
	grantee string
}

func newGrantTable() *grantTable {
	return &grantTable{byKey: make(map[wrap.KeyID][]*Grant), byID: make(map[string]*Grant),
		byGrantee: make(map[granteeKey][]*Grant)}
}

func (t *grantTable) add(g *Grant) {
	t.byKey[g.KeyID] = append(t.byKey[g.KeyID], g)
	t.byID[g.ID] = g
	gk := granteeKey{g.KeyID, g.GranteePrincipal}
	t.byGrantee[gk] = append(t.byGrantee[gk], g)
}

func (t *grantTable) unindexGrantee(g *Grant) {
	gk := granteeKey{g.KeyID, g.GranteePrincipal}
	list := slices.DeleteFunc(slices.Clone(t.byGrantee[gk]), func(x *Grant) bool { return x == g })
	if len(list) == 0 {
		delete(t.byGrantee, gk)
	} else {
		t.byGrantee[gk] = list
	}
}

func (t *grantTable) remove(id string) {
	g := t.byID[id]
	if g == nil {
		return
	}
	delete(t.byID, id)
	t.unindexGrantee(g)
	list := t.byKey[g.KeyID]
	i := slices.Index(list, g)
	if i >= 0 {
		list = slices.Delete(slices.Clone(list), i, i+1)
	}
	if len(list) == 0 {
		delete(t.byKey, g.KeyID)
	} else {
		t.byKey[g.KeyID] = list
	}
}

func (t *grantTable) removeKey(id wrap.KeyID) {
	for _, g := range t.byKey[id] {
		delete(t.byID, g.ID)
		delete(t.byGrantee, granteeKey{id, g.GranteePrincipal})
	}
	delete(t.byKey, id)
}

// Grants returns the grants on key id, in creation order (read-only).
func (v *View) Grants(id wrap.KeyID) []*Grant { return v.s.grants.byKey[id] }

// Grant returns the grant with id, or nil.
func (v *View) Grant(id string) *Grant { return v.s.grants.byID[id] }

// GrantToCreate returns a grant on key id that lets the principal create child, or nil: a
// grant that allows CreateGrant lets its grantee create only grants with the same or fewer
// operations and the same or stricter constraints (KMS), so a narrow delegation cannot be
// widened by passing it on.
func (v *View) GrantToCreate(id wrap.KeyID, p policy.Principal, child *Grant) *Grant {
	for _, g := range v.s.grants.byKey[id] {
		if g.matchesGrantee(p) && g.allowsOperation("CreateGrant") && child.within(g) {
			return g
		}
	}
	return nil
}

// within reports whether g allows nothing parent does not: its operations are among parent's,
// and every encryption context g admits, parent admits too.
func (g *Grant) within(parent *Grant) bool {
	for _, op := range g.Operations {
		if !parent.allowsOperation(op) {
			return false
		}
	}
	pc := parent.Constraints
	if pc == nil {
		return true
	}
	c := g.Constraints
	if c != nil && c.EncryptionContextEquals != nil {
		// g admits at most the one context it equals.
		return parent.admits(c.EncryptionContextEquals)
	}
	// g admits every context that contains its subset pairs: parent must not ask for more
	// than those pairs, and cannot ask for one exact context.
	if pc.EncryptionContextEquals != nil {
		return false
	}
	var sub map[string]string
	if c != nil {
		sub = c.EncryptionContextSubset
	}
	for k, v := range pc.EncryptionContextSubset {
		if got, ok := sub[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// GrantFor returns a grant on key id that lets the principal perform op with encryption context
// ec, or nil: a grant to the principal itself, or to the role a session was made from. Only the
// principal's own grants are looked at; authorization calls it only when the policies did not
// allow.
func (v *View) GrantFor(id wrap.KeyID, p policy.Principal, op string, ec map[string]string) *Grant {
	for _, grantee := range [2]string{p.ARN, p.RoleARN} {
		if grantee == "" {
			continue
		}
		for _, g := range v.s.grants.byGrantee[granteeKey{id, grantee}] {
			if g.allowsOperation(op) && g.admits(ec) {
				return g
			}
		}
	}
	return nil
}
