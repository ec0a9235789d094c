package policy

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// globRegexp is the obviously-correct reference for wildcard matching: `*` is `.*`, `?` is one
// character, everything else literal.
func globRegexp(pat string, fold bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	if fold {
		b.WriteString(`(?i)`)
	}
	for _, r := range pat {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// FuzzGlob checks the allocation-free matcher against regexp on arbitrary patterns and strings.
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"*", ""}, {"a*b?c", "aXXbYc"}, {"*?", "é"}, {"??", "é"}, {"kms:gen*", "kms:GenerateDataKey"},
		{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaa"}, {"*x*", "yyxyy"}, {"", ""}, {"?*?", "ab"},
	} {
		f.Add(s[0], s[1], false)
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, pat, s string, fold bool) {
		if !utf8.ValidString(pat) || !utf8.ValidString(s) {
			return // policies and request values are valid UTF-8
		}
		if fold {
			// Actions are ASCII; the matcher folds ASCII only.
			for i := 0; i < len(pat); i++ {
				if pat[i] >= utf8.RuneSelf {
					return
				}
			}
			for i := 0; i < len(s); i++ {
				if s[i] >= utf8.RuneSelf {
					return
				}
			}
			pat = strings.ToLower(pat)
		}
		p, err := compilePattern(pat, withWildcards)
		if err != nil {
			t.Fatal(err)
		}
		got := p.match(s, fold, nil) == matched
		want := globRegexp(pat, fold).MatchString(s)
		if got != want {
			t.Fatalf("match(%q, %q, fold=%v) = %v, regexp says %v", pat, s, fold, got, want)
		}
	})
}

// TestARNComponents: ARN patterns match component by component, so a wildcard never crosses one
// of the first five colons, and a policy variable containing a colon does not split.
func TestARNComponents(t *testing.T) {
	c := NewContext()
	c.Set("aws:username", "al:ice")
	tests := []struct {
		pat, arn string
		want     matchResult
	}{
		{"arn:aws:kms:*:111122223333:key/*", keyARN, matched},
		{"arn:aws:kms:*:*:key/*", keyARN, matched},
		{"arn:aws:kms:*", keyARN, matched}, // fewer than six parts: whole-string glob
		// Fewer than six parts: the pattern is an ordinary glob over the whole string, so its
		// stars may cross colons (only ArnLike values can be like this; Parse requires Resource
		// ARNs to have six parts).
		{"arn:aws:kms*:111122223333:key/*", keyARN, matched},
		{"arn:aws:*:111122223333:key/*", keyARN, matched},
		{"arn:aws:*:111122223333:alias/*", keyARN, noMatch},
		// Six parts: each matched on its own.
		{"arn:aws:kms:*:111122223333:alias/*", keyARN, noMatch},
		{"arn:aws:*:us-east-2:*:*", keyARN, matched},
		{"arn:aws:*:*:444455556666:*", keyARN, noMatch},
		{"arn:aws:kms:us-east-2:1111*:*", keyARN, matched},
		{"arn:aws:kms:us-east-*:*", keyARN, matched}, // four colons: a whole-string glob
		{"arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", keyARN, matched},
		{"arn:aws:kms:us-east-2:111122223333:KEY/*", keyARN, noMatch}, // case-sensitive
		{"arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/al:ice/x", matched},
		{"arn:aws:s3:::b/${aws:userid}/*", "arn:aws:s3:::b/x/y", unresolved},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/a:b:c", matched}, // the resource part keeps its colons
		{"arn:aws:s3:::b/*", "arn:aws:s3", noMatch},
	}
	for _, tt := range tests {
		a, err := compileARN(tt.pat, withWildcards|withVariables)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.match(tt.arn, c); got != tt.want {
			t.Errorf("%s vs %s: %v, want %v", tt.pat, tt.arn, got, tt.want)
		}
	}
}
