package domain

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// validationf builds AWS's one-field validation message.
func validationf(field, value, constraint string) error {
	return errorf(ErrValidation, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

func checkLen(field string, n, lo, hi int) error {
	if n < lo {
		return errorf(ErrValidation, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", field, lo)
	}
	if n > hi {
		return errorf(ErrValidation, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, hi)
	}
	return nil
}

func checkRange(field string, v, lo, hi int) error {
	if v < lo || v > hi {
		return validationf(field, fmt.Sprint(v), fmt.Sprintf("Member must have value between %d and %d", lo, hi))
	}
	return nil
}

func checkContext(ec map[string]string) error {
	n := 0
	for k, v := range ec {
		if k == "" {
			return errorf(ErrValidation, "Encryption context keys must not be empty")
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return errorf(ErrValidation, "Encryption context keys and values must be valid UTF-8")
		}
		n += len(k) + len(v)
	}
	if n > MaxEncryptionContext {
		return errorf(ErrValidation, "Encryption context must not exceed %d bytes", MaxEncryptionContext)
	}
	return nil
}

var aliasPattern = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]+$`)

// checkAliasName applies AWS's alias rules; aliases under alias/aws/ are reserved for keys the
// service manages.
func checkAliasName(name string) error {
	if err := checkLen("aliasName", len(name), 1, MaxAliasName); err != nil {
		return err
	}
	if !strings.HasPrefix(name, "alias/") {
		return errorf(ErrInvalidAliasName, "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
	}
	if !aliasPattern.MatchString(name) {
		return validationf("aliasName", name, "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return errorf(ErrInvalidAliasName, "Cannot create alias with prefix 'alias/aws/'")
	}
	return nil
}

func checkTag(k, v string) error {
	if len(k) < 1 || len(k) > MaxTagKey || !utf8.ValidString(k) {
		return errorf(ErrTag, "Tag keys must be 1 to %d Unicode characters", MaxTagKey)
	}
	if len(v) > MaxTagValue || !utf8.ValidString(v) {
		return errorf(ErrTag, "Tag values must be 0 to %d Unicode characters", MaxTagValue)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return errorf(ErrTag, "Tags beginning with aws: are reserved")
	}
	return nil
}
