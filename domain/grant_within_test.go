package domain

import "testing"

// TestGrantWithin: a grant created through another grant must ask for no operation the parent
// lacks and admit no encryption context the parent refuses.
func TestGrantWithin(t *testing.T) {
	ops := func(o ...string) []string { return o }
	sub := func(kv ...string) *GrantConstraints {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return &GrantConstraints{EncryptionContextSubset: m}
	}
	eq := func(kv ...string) *GrantConstraints {
		return &GrantConstraints{EncryptionContextEquals: sub(kv...).EncryptionContextSubset}
	}
	for _, c := range []struct {
		name          string
		parent, child *Grant
		want          bool
	}{
		{"same", &Grant{Operations: ops("CreateGrant", "Encrypt")}, &Grant{Operations: ops("Encrypt")}, true},
		{"more operations", &Grant{Operations: ops("CreateGrant", "Encrypt")}, &Grant{Operations: ops("Decrypt")}, false},
		{"drops the constraint", &Grant{Operations: ops("Encrypt"), Constraints: sub("a", "1")}, &Grant{Operations: ops("Encrypt")}, false},
		{"other pair", &Grant{Operations: ops("Encrypt"), Constraints: sub("a", "1")}, &Grant{Operations: ops("Encrypt"), Constraints: sub("b", "1")}, false},
		{"more pairs", &Grant{Operations: ops("Encrypt"), Constraints: sub("a", "1")}, &Grant{Operations: ops("Encrypt"), Constraints: sub("a", "1", "b", "2")}, true},
		{"equals within subset", &Grant{Operations: ops("Encrypt"), Constraints: sub("a", "1")}, &Grant{Operations: ops("Encrypt"), Constraints: eq("a", "1", "b", "2")}, true},
		{"equals outside subset", &Grant{Operations: ops("Encrypt"), Constraints: sub("a", "1")}, &Grant{Operations: ops("Encrypt"), Constraints: eq("a", "2")}, false},
		{"subset under equals", &Grant{Operations: ops("Encrypt"), Constraints: eq("a", "1")}, &Grant{Operations: ops("Encrypt"), Constraints: sub("a", "1")}, false},
		{"same equals", &Grant{Operations: ops("Encrypt"), Constraints: eq("a", "1")}, &Grant{Operations: ops("Encrypt"), Constraints: eq("a", "1")}, true},
		{"other equals", &Grant{Operations: ops("Encrypt"), Constraints: eq("a", "1")}, &Grant{Operations: ops("Encrypt"), Constraints: eq("a", "1", "b", "2")}, false},
		{"unconstrained parent", &Grant{Operations: ops("Encrypt")}, &Grant{Operations: ops("Encrypt"), Constraints: sub("x", "y")}, true},
	} {
		if got := c.child.within(c.parent); got != c.want {
			t.Errorf("%s: within = %v, want %v", c.name, got, c.want)
		}
	}
}
