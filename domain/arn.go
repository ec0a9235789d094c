package domain

import (
	"strings"

	"github.com/keyhold/keyhold/wrap"
)

// ARNs builds and parses the ARNs keyhold hands out. Region and account are configuration: a
// cluster presents itself as one account in one region.
type ARNs struct {
	Partition string // "aws"
	Region    string
	Account   string
}

func (a ARNs) prefix() string {
	return "arn:" + a.Partition + ":kms:" + a.Region + ":" + a.Account + ":"
}

// Key returns the key ARN for id.
func (a ARNs) Key(id wrap.KeyID) string { return a.prefix() + "key/" + id.String() }

// Alias returns the alias ARN for a full alias name ("alias/x").
func (a ARNs) Alias(name string) string { return a.prefix() + name }

// keyRef is a parsed reference to a key: a key id, or an alias name.
type keyRef struct {
	id    wrap.KeyID
	alias string // full alias name when the reference names an alias
}

// parseKeyRef accepts a key id, a key ARN, an alias name or an alias ARN, as AWS does. An ARN for
// another partition or region names nothing here, so it is reported as not found. An ARN of
// any account parses: the caller decides what another account's ARN may reach (resolve).
func (a ARNs) parseKeyRef(ref string) (keyRef, error) {
	if ref == "" {
		return keyRef{}, errorf(ErrValidation, "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	if len(ref) > 2048 {
		return keyRef{}, errorf(ErrValidation, "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048")
	}
	if strings.HasPrefix(ref, "arn:") {
		parts := strings.SplitN(ref, ":", 6)
		if len(parts) < 6 {
			return keyRef{}, errorf(ErrNotFound, "Invalid arn %s", ref)
		}
		if parts[1] != a.Partition || parts[2] != "kms" || parts[3] != a.Region || !validAccountID(parts[4]) {
			return keyRef{}, errorf(ErrNotFound, "Key '%s' does not exist", ref)
		}
		rest := parts[5]
		if !strings.HasPrefix(rest, "key/") && !strings.HasPrefix(rest, "alias/") {
			return keyRef{}, errorf(ErrNotFound, "Invalid arn %s", ref)
		}
		ref = strings.TrimPrefix(rest, "key/")
	}
	if strings.HasPrefix(ref, "alias/") {
		return keyRef{alias: ref}, nil
	}
	id, err := wrap.ParseKeyID(ref)
	if err != nil {
		return keyRef{}, errorf(ErrNotFound, "Invalid keyId '%s'", ref)
	}
	return keyRef{id: id}, nil
}

// validAccountID reports whether s is a 12-digit account id.
func validAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
