package ststoken

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func testKey(t testing.TB) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func sample() *Claims {
	now := time.Unix(1_800_000_000, 0).UTC()
	return &Claims{
		AccessKeyID: "ASIAABCDEFGHIJKLMNOP", Secret: "s3cr3t/with+chars0123456789abcdefghijklm",
		Account: "111122223333", RoleName: "key-admins", RolePath: "/ops/", RoleID: "AROAABCDEFGHIJKLMNOP",
		SessionName: "ops@example.com", Issued: now, Expires: now.Add(time.Hour),
		SourceIdentity: "alice", Tags: []Tag{{"team", "cats"}, {"env", ""}}, Transitive: []string{"team"},
		Policy:     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`,
		PolicyARNs: []string{"arn:aws:iam::111122223333:policy/p1"},
	}
}

// TestSealOpenRoundTrip: what Seal writes, Open returns unchanged, for the access key id it
// was issued with only.
func TestSealOpenRoundTrip(t *testing.T) {
	key := testKey(t)
	c := sample()
	tok, err := Seal(key, 7, c)
	if err != nil {
		t.Fatal(err)
	}
	if kv, ok := KeyVersion(tok); !ok || kv != 7 {
		t.Fatalf("KeyVersion = %d %v", kv, ok)
	}
	got, err := Open(key, c.AccessKeyID, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("got %+v\nwant %+v", got, c)
	}
	if _, err := Open(key, "ASIAOTHEROTHEROTHER0", tok); !errors.Is(err, ErrInvalid) {
		t.Fatalf("other access key id: %v", err)
	}
	if _, err := Open(testKey(t), c.AccessKeyID, tok); !errors.Is(err, ErrInvalid) {
		t.Fatalf("other key: %v", err)
	}
}

// TestOpenRefusesTampering: flipping any bit of a token, truncating it or extending it makes
// it invalid; so does a header naming another key version (it is bound as associated data).
func TestOpenRefusesTampering(t *testing.T) {
	key := testKey(t)
	c := sample()
	tok, err := Seal(key, 1, c)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(tok)
	for i := range raw {
		for _, bit := range []byte{1, 0x80} {
			b := bytes.Clone(raw)
			b[i] ^= bit
			if _, err := Open(key, c.AccessKeyID, base64.StdEncoding.EncodeToString(b)); !errors.Is(err, ErrInvalid) {
				t.Fatalf("byte %d bit %x flipped: %v", i, bit, err)
			}
		}
	}
	for _, bad := range []string{"", tok[:len(tok)-4], tok + "AAAA", strings.ToLower(tok), "KHS", tok + "\n"} {
		if _, err := Open(key, c.AccessKeyID, bad); !errors.Is(err, ErrInvalid) {
			t.Fatalf("%.20q: %v", bad, err)
		}
	}
}

// TestEncodeBounds: a session too large for a token is refused when it is made, and Decode
// refuses trailing bytes and truncations of a valid plaintext.
func TestEncodeBounds(t *testing.T) {
	c := sample()
	c.Policy = strings.Repeat("x", MaxPlaintext)
	if _, err := Encode(c); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
	c = sample()
	for i := 0; i < maxTags+1; i++ {
		c.Tags = append(c.Tags, Tag{"k", "v"})
	}
	if _, err := Encode(c); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too many tags: %v", err)
	}
	pt, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(append(bytes.Clone(pt), 0)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("trailing byte: %v", err)
	}
	for n := 0; n < len(pt); n++ {
		if _, err := Decode(pt[:n]); !errors.Is(err, ErrInvalid) {
			t.Fatalf("truncated to %d: %v", n, err)
		}
	}
}

// FuzzDecode: the plaintext parser never panics, and what it accepts encodes back to the same
// bytes (one encoding per session: no two plaintexts mean the same thing).
func FuzzDecode(f *testing.F) {
	pt, _ := Encode(sample())
	f.Add(pt)
	f.Add([]byte{})
	f.Add([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Encode(c)
		if err != nil {
			t.Fatalf("decoded claims do not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, b)
		}
	})
}

// FuzzOpen: the token parser never panics on any string and opens nothing it was not given.
func FuzzOpen(f *testing.F) {
	key := make([]byte, 32)
	tok, _ := Seal(key, 1, sample())
	f.Add(tok)
	f.Add("")
	f.Add("S0hTAQAAAAE=")
	f.Fuzz(func(t *testing.T, s string) {
		KeyVersion(s)
		c, err := Open(key, "ASIAABCDEFGHIJKLMNOP", s)
		if err == nil && s != tok && c.AccessKeyID != "ASIAABCDEFGHIJKLMNOP" {
			t.Fatal("opened a token for another access key id")
		}
	})
}
