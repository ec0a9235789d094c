package iam

import (
	"strings"
	"unicode"
)

// IAM's quotas for an account, as AWS documents them ("IAM and AWS STS quotas"), at their
// default values. keyhold has no quota-increase process, so the defaults are the limits.
const (
	MaxUsers             = 5000 // users per account
	MaxGroups            = 300  // groups per account
	MaxManagedPolicies   = 1500 // customer managed policies per account
	MaxGroupsPerUser     = 10   // groups a user can be a member of
	MaxAttachedPerEntity = 10   // managed policies attached to a user, group or role
	MaxPolicyVersions    = 5    // versions of a managed policy
	MaxTags              = 50   // tags on a user, role or policy
	MaxUserInlineChars   = 2048 // all inline policies of a user together (white space not counted)
	MaxGroupInlineChars  = 5120 // all inline policies of a group together
	MaxPolicyDescription = 1000 // characters of a managed policy's description
	MaxUserNameLen       = 64   // user names
	MaxGroupNameLen      = 128  // group names
	MaxPolicyNameLen     = 128  // managed and inline policy names
	MaxPathLen           = 512  // entity paths
	MaxTagKeyLen         = 128  // tag keys
	MaxTagValueLen       = 256  // tag values
	MaxAccessKeysPerUser = 2    // access keys of one user (or of an account's root)
)

// checkName checks an IAM entity name: 1 to max characters of [\w+=,.@-] (AWS's pattern).
func checkName(what, name string, max int) error {
	if name == "" || len(name) > max {
		return errorf(ErrValidation, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length between 1 and %d", name, what, max)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_+=,.@-", r)) {
			return errorf(ErrValidation, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", name, what)
		}
	}
	return nil
}

// checkPath checks an entity path: "/" alone, or "/" + segments + "/" of printable ASCII
// (AWS's pattern (\u002F)|(\u002F[\u0021-\u007E]+\u002F)), at most 512 characters.
func checkPath(what, path string) error {
	if len(path) > MaxPathLen {
		return errorf(ErrValidation, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", path, what, MaxPathLen)
	}
	ok := path == "/" || len(path) >= 3 && path[0] == '/' && path[len(path)-1] == '/'
	for i := 0; ok && i < len(path); i++ {
		ok = path[i] >= 0x21 && path[i] <= 0x7E
	}
	if !ok {
		return errorf(ErrValidation, "The specified value for %s is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.", what)
	}
	return nil
}

// checkTags checks tags to be added to set (tags already on the entity): key and value lengths,
// the characters AWS allows, no key twice in one request, the aws: prefix reserved, and at
// most MaxTags on the entity afterwards.
func checkTags(set []Tag, add []Tag) error {
	seen := map[string]bool{}
	for _, t := range add {
		if t.Key == "" || len([]rune(t.Key)) > MaxTagKeyLen {
			return errorf(ErrValidation, "1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and %d", t.Key, MaxTagKeyLen)
		}
		if len([]rune(t.Value)) > MaxTagValueLen {
			return errorf(ErrValidation, "1 validation error detected: Value at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to %d", MaxTagValueLen)
		}
		if !tagChars(t.Key) || !tagChars(t.Value) {
			return errorf(ErrValidation, "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*")
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return errorf(ErrInvalidInput, "User and role tags cannot use the reserved prefix aws:.")
		}
		lk := strings.ToLower(t.Key)
		if seen[lk] {
			return errorf(ErrInvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[lk] = true
	}
	n := len(mergeTags(set, add))
	if n > MaxTags {
		return errorf(ErrLimitExceeded, "Cannot exceed quota for TagsPerUser: %d.", MaxTags)
	}
	return nil
}

func tagChars(s string) bool {
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Z, r) || strings.ContainsRune("_.:/=+-@", r)) {
			return false
		}
	}
	return true
}

// mergeTags returns set with add applied: a key already present (in any case) takes the new
// value, keeping its original spelling as AWS does; new keys are appended. The result is new.
func mergeTags(set, add []Tag) []Tag {
	out := append([]Tag(nil), set...)
	for _, t := range add {
		found := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i].Value, found = t.Value, true
				break
			}
		}
		if !found {
			out = append(out, t)
		}
	}
	return out
}

// removeTags returns set without the keys named (any case). The result is new.
func removeTags(set []Tag, keys []string) []Tag {
	out := make([]Tag, 0, len(set))
	for _, t := range set {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// docChars counts a document's characters as IAM does for its size quotas: white space is not
// counted.
func docChars(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// checkID checks a generated unique id: prefix + 16 characters of [A-Z2-7], the shape the
// service generates. Apply refuses anything else, so a replica never stores a malformed id.
func checkID(id, prefix string) error {
	if len(id) != len(prefix)+16 || !strings.HasPrefix(id, prefix) {
		return errorf(ErrRejected, "malformed id %q", id)
	}
	for _, c := range id[len(prefix):] {
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return errorf(ErrRejected, "malformed id %q", id)
		}
	}
	return nil
}
