package iam

import (
	"errors"
	"strings"
	"testing"
)

// TestNameAndPathRules: IAM's name pattern [\w+=,.@-] and lengths, and its path shape.
func TestNameAndPathRules(t *testing.T) {
	for _, ok := range []string{"a", "app1", "A_b+c=d,e.f@g-h", strings.Repeat("x", 64)} {
		if err := checkName("userName", ok, MaxUserNameLen); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", strings.Repeat("x", 65), "a/b", "a b", "a:b", "ü", "a*"} {
		if err := checkName("userName", bad, MaxUserNameLen); !errors.Is(err, ErrValidation) {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
	for _, ok := range []string{"/", "/a/", "/a/b/", "/division_abc/subdivision_xyz/"} {
		if err := checkPath("path", ok); err != nil {
			t.Errorf("path %q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a", "/a", "a/", "//x y/", "/" + strings.Repeat("a", 511) + "/", "/\x00/"} {
		if err := checkPath("path", bad); !errors.Is(err, ErrValidation) {
			t.Errorf("path %q accepted: %v", bad, err)
		}
	}
}

// TestTagRules: a key given twice (in any case) in one request, the aws: prefix, over-long
// keys and values and more than 50 tags are refused; an existing key keeps its spelling and
// takes the new value.
func TestTagRules(t *testing.T) {
	cases := []struct {
		add  []Tag
		kind error
	}{
		{[]Tag{{"a", "1"}, {"A", "2"}}, ErrInvalidInput},
		{[]Tag{{"aws:team", "x"}}, ErrInvalidInput},
		{[]Tag{{"", "x"}}, ErrValidation},
		{[]Tag{{strings.Repeat("k", 129), "x"}}, ErrValidation},
		{[]Tag{{"k", strings.Repeat("v", 257)}}, ErrValidation},
		{[]Tag{{"k", "bad\x00"}}, ErrValidation},
	}
	for _, c := range cases {
		if err := checkTags(nil, c.add); !errors.Is(err, c.kind) {
			t.Errorf("%v: got %v, want %v", c.add, err, c.kind)
		}
	}
	var fifty []Tag
	for i := 0; i < 50; i++ {
		fifty = append(fifty, Tag{Key: "k" + strings.Repeat("x", i), Value: "v"})
	}
	if err := checkTags(fifty, []Tag{{"K", "overwrite"}}); err != nil {
		t.Errorf("overwriting one of 50 tags: %v", err)
	}
	if err := checkTags(fifty, []Tag{{"new", "v"}}); !errors.Is(err, ErrLimitExceeded) {
		t.Errorf("a 51st tag: %v", err)
	}
	got := mergeTags([]Tag{{"Team", "a"}}, []Tag{{"team", "b"}})
	if len(got) != 1 || got[0] != (Tag{"Team", "b"}) {
		t.Errorf("merge: %v", got)
	}
}

// TestCheckID: Apply accepts only ids of the shape the service generates.
func TestCheckID(t *testing.T) {
	if err := checkID("AIDAABCDEFGHIJKLMN23", "AIDA"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "AIDA", "AGPAABCDEFGHIJKLMN23", "AIDAabcdefghijklmn23", "AIDAABCDEFGHIJKLMN01", "AIDAABCDEFGHIJKLMN234"} {
		if err := checkID(bad, "AIDA"); !errors.Is(err, ErrRejected) {
			t.Errorf("%q accepted", bad)
		}
	}
}
