package iam

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// The checks below are IAM's parameter constraints for roles, with its ValidationError wording
// ("1 validation error detected: Value 'x' at 'roleName' failed to satisfy constraint: ...").
// Apply runs them (a forwarded command is checked like a local one); the API layer runs them
// first so that a client learns of a bad parameter without a raft round trip.

func roleConstraint(field, value, constraint string) error {
	if utf8.RuneCountInString(value) > 64 {
		value = string([]rune(value)[:64]) + "..."
	}
	return errorf(ErrValidation, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member %s", value, field, constraint)
}

// roleNameChar is IAM's [\w+=,.@-] (entity and policy names, session names).
func roleNameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' ||
		r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-'
}

// CheckNamePattern checks an IAM name of at most max characters matching [\w+=,.@-]+ (field names
// the parameter in the message).
func CheckNamePattern(field, v string, min, max int) error {
	n := utf8.RuneCountInString(v)
	if n < min {
		return roleConstraint(field, v, fmt.Sprintf("must have length greater than or equal to %d", min))
	}
	if n > max {
		return roleConstraint(field, v, fmt.Sprintf("must have length less than or equal to %d", max))
	}
	for _, r := range v {
		if !roleNameChar(r) {
			return roleConstraint(field, v, `must satisfy regular expression pattern: [\w+=,.@-]+`)
		}
	}
	return nil
}

// CheckRoleName checks a role name or a role policy name (1 to 64 or 128 characters).
func CheckRoleName(field, v string) error {
	max := 64
	if field == "policyName" {
		max = 128
	}
	return CheckNamePattern(field, v, 1, max)
}

// CheckRolePath checks a path: "/" or "/a/b/" of printable ASCII, at most 512 characters.
func CheckRolePath(p string) error {
	if len(p) > 512 {
		return roleConstraint("path", p, "must have length less than or equal to 512")
	}
	ok := len(p) >= 1 && p[0] == '/' && p[len(p)-1] == '/'
	for i := 0; ok && i < len(p); i++ {
		ok = p[i] >= 0x21 && p[i] <= 0x7e
	}
	if !ok {
		return roleConstraint("path", p, `must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	return nil
}

// CheckRoleDescription checks a description: at most 1000 characters of tab, newline, CR,
// printable ASCII and Latin-1.
func CheckRoleDescription(d string) error {
	if utf8.RuneCountInString(d) > 1000 {
		return roleConstraint("description", d, "must have length less than or equal to 1000")
	}
	for _, r := range d {
		if !(r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0x7e || r >= 0xa1 && r <= 0xff) {
			return roleConstraint("description", d, `must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`)
		}
	}
	return nil
}

// CheckMaxSessionDuration checks a role's maximum session duration.
func CheckMaxSessionDuration(sec int) error {
	if sec < MinRoleSession || sec > MaxRoleSession {
		return errorf(ErrValidation, "The requested MaxSessionDuration %d exceeds the limits: it must be between %d and %d seconds.", sec, MinRoleSession, MaxRoleSession)
	}
	return nil
}

// roleTagChar is IAM's tag pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]*.
func roleTagChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.In(r, unicode.Z) || unicode.IsNumber(r) ||
		r == '_' || r == '.' || r == ':' || r == '/' || r == '=' || r == '+' || r == '-' || r == '@'
}

// CheckRoleTags checks tag keys (1 to 128 characters, not "aws:"-prefixed) and values (0 to
// 256) and refuses a key given twice (keys are case-insensitive).
func CheckRoleTags(tags []Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 {
			return roleConstraint("tags.member.key", t.Key, "must have length between 1 and 128")
		}
		if n := utf8.RuneCountInString(t.Value); n > 256 {
			return roleConstraint("tags.member.value", t.Value, "must have length less than or equal to 256")
		}
		for _, r := range t.Key {
			if !roleTagChar(r) {
				return roleConstraint("tags.member.key", t.Key, `must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
			}
		}
		for _, r := range t.Value {
			if !roleTagChar(r) {
				return roleConstraint("tags.member.value", t.Value, `must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
			}
		}
		if len(t.Key) >= 4 && roleLower(t.Key[:4]) == "aws:" {
			return errorf(ErrInvalidInput, "User-entered tag keys cannot start with 'aws:'.")
		}
		k := roleLower(t.Key)
		if seen[k] {
			return errorf(ErrInvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

func roleLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
