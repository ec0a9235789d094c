package wrap

import (
	"errors"
	"strings"
	"testing"
)

func TestNewKeyIDIsRandomV4(t *testing.T) {
	seen := make(map[KeyID]bool)
	for range 1000 {
		id := mustID(t)
		if seen[id] {
			t.Fatalf("NewKeyID repeated %v", id)
		}
		seen[id] = true
		if id.IsZero() {
			t.Fatal("NewKeyID returned the zero id")
		}
		s := id.String()
		if s[14] != '4' {
			t.Errorf("version digit of %s: got %c, want 4", s, s[14])
		}
		if !strings.ContainsRune("89ab", rune(s[19])) {
			t.Errorf("variant digit of %s: got %c, want one of 89ab", s, s[19])
		}
		back, err := ParseKeyID(s)
		if err != nil || back != id {
			t.Errorf("ParseKeyID(%q): got %v, %v, want %v, nil", s, back, err, id)
		}
	}
}

func TestKeyIDString(t *testing.T) {
	id := KeyID{0x12, 0x34, 0xab, 0xcd, 0xef, 0x01, 0x42, 0x23, 0x84, 0x56, 0x00, 0xff, 0x10, 0x20, 0x30, 0x40}
	const want = "1234abcd-ef01-4223-8456-00ff10203040"
	if got := id.String(); got != want {
		t.Errorf("String: got %q, want %q", got, want)
	}
}

func TestParseKeyID(t *testing.T) {
	want := KeyID{0x12, 0x34, 0xab, 0xcd, 0xef, 0x01, 0x42, 0x23, 0x84, 0x56, 0x00, 0xff, 0x10, 0x20, 0x30, 0x40}
	tests := []struct {
		in string
		ok bool
	}{
		{"1234abcd-ef01-4223-8456-00ff10203040", true},
		{"1234ABCD-EF01-4223-8456-00FF10203040", true},
		{"1234abcd-EF01-4223-8456-00ff10203040", false}, // mixed case
		{"1234abcd-ef01-4223-8456-00ff1020304", false},  // short
		{"1234abcd-ef01-4223-8456-00ff102030400", false},
		{"1234abcdef01-4223-8456-00ff10203040-", false}, // hyphen misplaced
		{"1234abcd-ef01-4223-8456_00ff10203040", false},
		{"{234abcd-ef01-4223-8456-00ff1020304}", false},
		{"1234abcg-ef01-4223-8456-00ff10203040", false}, // not hex
		{"1234abcd-ef01-4223-8456-00ff1020304 ", false},
		{"1234abcd+ef01+4223+8456+00ff10203040", false},
		{"urn:uuid:1234abcd-ef01-4223-8456-00ff", false},
		{"1234abcdef014223845600ff10203040", false}, // no hyphens
		{"00000000-0000-0000-0000-000000000000", false},
		{"", false},
		{"-", false},
		{"1234abcd-ef01-4223-8456-00ff102030\x00\x00", false},
		{"1234abcd-ef01-4223-8456-00ff1020304é", false},
	}
	for _, tt := range tests {
		got, err := ParseKeyID(tt.in)
		if !tt.ok {
			if !errors.Is(err, ErrInvalidKeyID) {
				t.Errorf("ParseKeyID(%q): got %v, %v, want ErrInvalidKeyID", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseKeyID(%q): got %v, %v, want %v", tt.in, got, err, want)
		}
	}
}

func TestParseKeyIDAcceptsAnyVersion(t *testing.T) {
	// Ids of imported keys need not be version 4.
	if _, err := ParseKeyID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"); err != nil {
		t.Errorf("version-1 UUID: got %v, want nil", err)
	}
}

func TestKindValid(t *testing.T) {
	tests := []struct {
		k    Kind
		ok   bool
		name string
	}{
		{KindInvalid, false, "Kind(0)"},
		{KindSymmetric, true, "symmetric"},
		{KindPrivateKey, true, "private-key"},
		{KindHMAC, true, "hmac"},
		{KindCredential, true, "credential"},
		{kindEnd, false, "Kind(5)"},
		{255, false, "Kind(255)"},
	}
	for _, tt := range tests {
		if got := tt.k.Valid(); got != tt.ok {
			t.Errorf("%v.Valid(): got %v, want %v", tt.k, got, tt.ok)
		}
		if got := tt.k.String(); got != tt.name {
			t.Errorf("Kind(%d).String(): got %q, want %q", uint8(tt.k), got, tt.name)
		}
	}
}
