package wrap

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"maps"
	"strconv"
	"testing"
)

func TestCanonicalEncoding(t *testing.T) {
	tests := []struct {
		name string
		ec   EncryptionContext
		want string // hex
	}{
		{"nil", nil, "00000000"},
		{"empty", EncryptionContext{}, "00000000"},
		{"one", EncryptionContext{"a": "bc"}, "00000001" + "00000001" + "61" + "00000002" + "6263"},
		{"empty strings", EncryptionContext{"": ""}, "00000001" + "00000000" + "00000000"},
		{"sorted bytewise", EncryptionContext{"b": "2", "B": "1", "a": "3"},
			"00000003" + "00000001" + "42" + "00000001" + "31" + "00000001" + "61" + "00000001" + "33" +
				"00000001" + "62" + "00000001" + "32"},
	}
	for _, tt := range tests {
		got := hex.EncodeToString(tt.ec.Canonical())
		if got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestCanonicalUnambiguous(t *testing.T) {
	// Pairs that a naive concatenation would confuse; all must differ.
	pairs := [][2]EncryptionContext{
		{{"ab": "c"}, {"a": "bc"}},
		{{"a": "b", "c": "d"}, {"a": "bc", "": "d"}},
		{{"a": ""}, {"": "a"}},
		{{}, {"": ""}},
		{{"a": "b"}, {"a": "b", "": ""}},
		{{"k": "v\x00\x00\x00\x01x"}, {"k": "v", "x": ""}},
	}
	for _, p := range pairs {
		if bytes.Equal(p[0].Canonical(), p[1].Canonical()) {
			t.Errorf("%v and %v encode the same", p[0], p[1])
		}
	}
}

func TestCanonicalDeterministic(t *testing.T) {
	ec := EncryptionContext{}
	for i := range 50 {
		ec[string(rune('a'+i%26))+string(rune('0'+i/26))] = "v"
	}
	first := ec.Canonical()
	for range 20 {
		// Map iteration order varies from call to call; the encoding must not.
		if got := maps.Clone(ec).Canonical(); !bytes.Equal(got, first) {
			t.Fatal("Canonical changed between calls")
		}
	}
	back, err := parseCanonical(first)
	if err != nil || !maps.Equal(back, ec) {
		t.Errorf("parseCanonical(Canonical(ec)): got %v, %v, want %v", back, err, ec)
	}
}

func TestCheckedLen(t *testing.T) {
	ec := EncryptionContext{"purpose": "test", "tenant": "a"}
	n, ok := ec.checkedLen()
	if !ok || n != len(ec.Canonical()) {
		t.Errorf("checkedLen: got %d, %v, want %d, true", n, ok, len(ec.Canonical()))
	}
	big := EncryptionContext{"k": string(make([]byte, MaxContextBytes))}
	if _, ok := big.checkedLen(); ok {
		t.Error("checkedLen of a context over MaxContextBytes: got ok, want not ok")
	}
	many := EncryptionContext{}
	for i := range MaxContextEntries + 1 {
		many[strconv.Itoa(i)] = ""
	}
	if _, ok := many.checkedLen(); ok {
		t.Error("checkedLen of a context over MaxContextEntries: got ok, want not ok")
	}
	k, id := mustKey(t), mustID(t)
	if _, err := Seal(k, id, 1, nil, many); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Seal with too many entries: got %v, want ErrInvalidArgument", err)
	}
	edge := EncryptionContext{"k": string(make([]byte, MaxContextBytes-1))}
	if _, ok := edge.checkedLen(); !ok {
		t.Error("checkedLen of a context of exactly MaxContextBytes: got not ok, want ok")
	}
}

var errBadCanonical = errors.New("test: bad canonical encoding")

// parseCanonical inverts Canonical; it exists to prove injectivity (a decoder that recovers
// the map from the bytes), and rejects non-canonical input (unsorted or duplicate keys).
func parseCanonical(b []byte) (EncryptionContext, error) {
	next := func() (string, bool) {
		if len(b) < 4 {
			return "", false
		}
		n := int(binary.BigEndian.Uint32(b))
		if n > len(b)-4 {
			return "", false
		}
		s := string(b[4 : 4+n])
		b = b[4+n:]
		return s, true
	}
	if len(b) < 4 {
		return nil, errBadCanonical
	}
	count := int(binary.BigEndian.Uint32(b))
	b = b[4:]
	ec := EncryptionContext{}
	prev := ""
	for i := range count {
		k, ok1 := next()
		v, ok2 := next()
		if !ok1 || !ok2 || (i > 0 && k <= prev) {
			return nil, errBadCanonical
		}
		ec[k], prev = v, k
	}
	if len(b) != 0 {
		return nil, errBadCanonical
	}
	return ec, nil
}
