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
// another partition, region or account names nothing here, so it is reported as not found.
func (a ARNs) parseKeyRef(ref string) (keyRef, error) {
	if ref == "" {
		return keyRef{}, errorf(ErrValidation, "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	if len(ref) > 2048 {
		return keyRef{}, errorf(ErrValidation, "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048")
	}
	if strings.HasPrefix(ref, "arn:") {
		rest, ok := strings.CutPrefix(ref, a.prefix())
		if !ok {
			if strings.Count(ref, ":") < 5 {
				return keyRef{}, errorf(ErrNotFound, "Invalid arn %s", ref)
			}
			return keyRef{}, errorf(ErrNotFound, "Key '%s' does not exist", ref)
		}
		ref = rest
		if !strings.HasPrefix(ref, "key/") && !strings.HasPrefix(ref, "alias/") {
			return keyRef{}, errorf(ErrNotFound, "Invalid arn %s", a.prefix()+ref)
		}
		ref = strings.TrimPrefix(ref, "key/")
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
