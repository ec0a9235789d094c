package wrap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestKeyBinding(t *testing.T) {
	id := KeyID{0: 0xaa, 15: 0xbb}
	got := KeyBinding(id, 0x01020304)
	want := append(append([]byte(nil), id[:]...), 1, 2, 3, 4)
	if !bytes.Equal(got, want) {
		t.Errorf("got %x, want %x", got, want)
	}
}

func TestKeyTokenRoundTrip(t *testing.T) {
	dk1, dk2 := newSoftAEAD(t), newSoftAEAD(t)
	r := ring{1: dk1, 2: dk2}
	secrets := map[Kind][]byte{
		KindSymmetric:  bytes.Repeat([]byte{1}, BackingKeySize),
		KindPrivateKey: bytes.Repeat([]byte{2}, 2400),
		KindHMAC:       bytes.Repeat([]byte{3}, 64),
		KindCredential: []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
	}
	for kind, secret := range secrets {
		for v, dk := range map[uint32]AEAD{1: dk1, 2: dk2} {
			binding := []byte("binding-" + kind.String())
			tok, err := SealKeyToken(dk, v, kind, binding, secret)
			if err != nil {
				t.Fatalf("%v: %v", kind, err)
			}
			if tok[0] != 0x01 || Kind(tok[1]) != kind || binary.BigEndian.Uint32(tok[2:6]) != v {
				t.Errorf("%v header: got %x, want 01 %02x %08x", kind, tok[:6], byte(kind), v)
			}
			if got, err := KeyTokenDomainVersion(tok); err != nil || got != v {
				t.Errorf("%v KeyTokenDomainVersion: got %d, %v, want %d", kind, got, err, v)
			}
			if got, err := KeyTokenKind(tok); err != nil || got != kind {
				t.Errorf("KeyTokenKind: got %v, %v, want %v", got, err, kind)
			}
			got, err := OpenKeyToken(r.lookup, kind, binding, tok)
			if err != nil || !bytes.Equal(got, secret) {
				t.Errorf("%v under DK %d: got %x, %v, want the secret", kind, v, got, err)
			}
		}
	}
}

func TestKeyTokenAAD(t *testing.T) {
	rec := &recordingAEAD{AEAD: newSoftAEAD(t)}
	if _, err := SealKeyToken(rec, 0x0a0b0c0d, KindHMAC, []byte("bind"), []byte("s")); err != nil {
		t.Fatal(err)
	}
	want := []byte("keyhold key token v1\x01\x03\x0a\x0b\x0c\x0d\x00\x00\x00\x04bind")
	if len(rec.ads) != 1 || !bytes.Equal(rec.ads[0], want) {
		t.Errorf("AAD: got %q, want %q", rec.ads, want)
	}
}

func TestKeyTokenBinding(t *testing.T) {
	dk := newSoftAEAD(t)
	r := ring{1: dk}
	id := mustID(t)
	bk := mustKey(t)
	tok, err := SealBackingKey(dk, 1, id, 4, bk)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenBackingKey(r.lookup, id, 4, tok)
	if err != nil || !got.Equal(bk) {
		t.Fatalf("OpenBackingKey: got %v, want the key", err)
	}
	tests := []struct {
		name    string
		kind    Kind
		binding []byte
	}{
		{"other version", KindSymmetric, KeyBinding(id, 5)},
		{"other key", KindSymmetric, KeyBinding(mustID(t), 4)},
		{"no binding", KindSymmetric, nil},
		{"binding prefix", KindSymmetric, KeyBinding(id, 4)[:19]},
		{"binding extended", KindSymmetric, append(KeyBinding(id, 4), 0)},
		{"other kind", KindHMAC, KeyBinding(id, 4)},
		{"invalid kind", KindInvalid, KeyBinding(id, 4)},
		{"huge binding", KindSymmetric, make([]byte, MaxKeyTokenBinding+1)},
	}
	for _, tt := range tests {
		if s, err := OpenKeyToken(r.lookup, tt.kind, tt.binding, tok); !errors.Is(err, ErrInvalidKeyToken) || s != nil {
			t.Errorf("%s: got %x, %v, want ErrInvalidKeyToken", tt.name, s, err)
		}
	}
}

func TestKeyTokenKindIsAuthenticated(t *testing.T) {
	// Rewriting the kind byte (to pass the header check) must still fail: it is in the AAD.
	dk := newSoftAEAD(t)
	tok, _ := SealKeyToken(dk, 1, KindHMAC, []byte("b"), bytes.Repeat([]byte{9}, 32))
	tok[1] = byte(KindSymmetric)
	if _, err := OpenKeyToken(ring{1: dk}.lookup, KindSymmetric, []byte("b"), tok); !errors.Is(err, ErrInvalidKeyToken) {
		t.Errorf("got %v, want ErrInvalidKeyToken", err)
	}
}

func TestKeyTokenDomainVersionLookup(t *testing.T) {
	dk1, dk2 := newSoftAEAD(t), newSoftAEAD(t)
	tok, _ := SealKeyToken(dk2, 2, KindCredential, []byte("AKID"), []byte("secret"))
	var asked []uint32
	lookup := func(v uint32) (AEAD, error) {
		asked = append(asked, v)
		return ring{1: dk1, 2: dk2}.lookup(v)
	}
	if _, err := OpenKeyToken(lookup, KindCredential, []byte("AKID"), tok); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != 2 {
		t.Errorf("lookup calls: got %v, want [2]", asked)
	}
	// The header names DK 2 but DK 1 is what a lying header would pick: it must not open.
	bad := bytes.Clone(tok)
	binary.BigEndian.PutUint32(bad[2:6], 1)
	if _, err := OpenKeyToken(ring{1: dk1, 2: dk2}.lookup, KindCredential, []byte("AKID"), bad); !errors.Is(err, ErrInvalidKeyToken) {
		t.Errorf("version rewritten: got %v, want ErrInvalidKeyToken", err)
	}
	// Same key under both version numbers: the version is still authenticated.
	if _, err := OpenKeyToken(ring{1: dk2}.lookup, KindCredential, []byte("AKID"), bad); !errors.Is(err, ErrInvalidKeyToken) {
		t.Errorf("version rewritten, same DK: got %v, want ErrInvalidKeyToken", err)
	}
	// Unknown version: ErrInvalidKeyToken, with the lookup's error kept for the log.
	_, err := OpenKeyToken(ring{1: dk1}.lookup, KindCredential, []byte("AKID"), tok)
	if !errors.Is(err, ErrInvalidKeyToken) || !errors.Is(err, errUnknownDK) {
		t.Errorf("unknown DK: got %v, want ErrInvalidKeyToken wrapping the lookup error", err)
	}
	nilLookup := func(uint32) (AEAD, error) { return nil, nil }
	if _, err := OpenKeyToken(nilLookup, KindCredential, []byte("AKID"), tok); !errors.Is(err, ErrInvalidKeyToken) {
		t.Errorf("lookup returned nil: got %v, want ErrInvalidKeyToken", err)
	}
	if _, err := OpenKeyToken(nil, KindCredential, []byte("AKID"), tok); !errors.Is(err, ErrInvalidKeyToken) {
		t.Errorf("nil lookup: got %v, want ErrInvalidKeyToken", err)
	}
}

func TestKeyTokenHSMFailure(t *testing.T) {
	hsmDown := errors.New("hsm: device removed")
	if _, err := SealKeyToken(failingAEAD{hsmDown}, 1, KindHMAC, nil, []byte("s")); !errors.Is(err, hsmDown) {
		t.Errorf("Seal: got %v, want the HSM's error", err)
	}
	tok, _ := SealKeyToken(newSoftAEAD(t), 1, KindHMAC, nil, []byte("s"))
	_, err := OpenKeyToken(ring{1: failingAEAD{hsmDown}}.lookup, KindHMAC, nil, tok)
	if !errors.Is(err, ErrInvalidKeyToken) || !errors.Is(err, hsmDown) {
		t.Errorf("Open: got %v, want ErrInvalidKeyToken wrapping the HSM's error", err)
	}
}

func TestKeyTokenEveryBitFlipFails(t *testing.T) {
	dk := newSoftAEAD(t)
	r := ring{1: dk, 0x01000001: dk, 3: dk}
	tok, _ := SealKeyToken(dk, 1, KindCredential, []byte("AKID"), []byte("secret"))
	for i := range len(tok) * 8 {
		m := bytes.Clone(tok)
		m[i/8] ^= 1 << (i % 8)
		for _, kind := range []Kind{KindCredential, Kind(m[1])} {
			if s, err := OpenKeyToken(r.lookup, kind, []byte("AKID"), m); !errors.Is(err, ErrInvalidKeyToken) {
				t.Errorf("bit %d flipped, kind %v: got %q, %v, want ErrInvalidKeyToken", i, kind, s, err)
			}
		}
	}
}

func TestKeyTokenTruncations(t *testing.T) {
	dk := newSoftAEAD(t)
	tok, _ := SealKeyToken(dk, 1, KindHMAC, []byte("b"), []byte("secret"))
	for n := range len(tok) {
		if _, err := OpenKeyToken(ring{1: dk}.lookup, KindHMAC, []byte("b"), tok[:n]); !errors.Is(err, ErrInvalidKeyToken) {
			t.Errorf("truncated to %d: got %v, want ErrInvalidKeyToken", n, err)
		}
		_, err := KeyTokenDomainVersion(tok[:n])
		if n <= keyTokenHeaderSize && !errors.Is(err, ErrInvalidKeyToken) {
			t.Errorf("KeyTokenDomainVersion of %d bytes: got %v, want ErrInvalidKeyToken", n, err)
		}
	}
}

func TestKeyTokenDomainVersionRejects(t *testing.T) {
	valid := []byte{1, byte(KindHMAC), 0, 0, 0, 9, 0xff}
	tests := []struct {
		name string
		tok  []byte
	}{
		{"empty", nil},
		{"header only", valid[:6]},
		{"version 0", append([]byte{0}, valid[1:]...)},
		{"version 2", append([]byte{2}, valid[1:]...)},
		{"kind 0", []byte{1, 0, 0, 0, 0, 9, 0xff}},
		{"kind 5", []byte{1, 5, 0, 0, 0, 9, 0xff}},
		{"too long", append([]byte{1, 1, 0, 0, 0, 9}, make([]byte, MaxKeyTokenSize)...)},
	}
	for _, tt := range tests {
		if _, err := KeyTokenDomainVersion(tt.tok); !errors.Is(err, ErrInvalidKeyToken) {
			t.Errorf("%s: got %v, want ErrInvalidKeyToken", tt.name, err)
		}
		if _, err := KeyTokenKind(tt.tok); !errors.Is(err, ErrInvalidKeyToken) {
			t.Errorf("KeyTokenKind %s: got %v, want ErrInvalidKeyToken", tt.name, err)
		}
	}
	if v, err := KeyTokenDomainVersion(valid); err != nil || v != 9 {
		t.Errorf("valid header: got %d, %v, want 9, nil", v, err)
	}
}

func TestSealKeyTokenRejects(t *testing.T) {
	dk := newSoftAEAD(t)
	tests := []struct {
		name    string
		dk      AEAD
		kind    Kind
		binding []byte
		secret  []byte
	}{
		{"nil dk", nil, KindHMAC, nil, []byte("s")},
		{"kind 0", dk, KindInvalid, nil, []byte("s")},
		{"kind 5", dk, kindEnd, nil, []byte("s")},
		{"empty secret", dk, KindHMAC, nil, nil},
		{"huge secret", dk, KindPrivateKey, nil, make([]byte, MaxKeyTokenSecret+1)},
		{"short backing key", dk, KindSymmetric, nil, make([]byte, 31)},
		{"long backing key", dk, KindSymmetric, nil, make([]byte, 33)},
		{"huge binding", dk, KindHMAC, make([]byte, MaxKeyTokenBinding+1), []byte("s")},
	}
	for _, tt := range tests {
		if _, err := SealKeyToken(tt.dk, 1, tt.kind, tt.binding, tt.secret); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: got %v, want ErrInvalidArgument", tt.name, err)
		}
	}
	if _, err := SealKeyToken(rawAEAD{make([]byte, MaxKeyTokenSize)}, 1, KindHMAC, nil, []byte("s")); err == nil {
		t.Error("oversized domain key output: got nil error, want one")
	}
	dead := mustKey(t)
	dead.Destroy()
	if _, err := SealBackingKey(dk, 1, mustID(t), 1, dead); !errors.Is(err, ErrKeyUnusable) {
		t.Errorf("SealBackingKey of a destroyed key: got %v, want ErrKeyUnusable", err)
	}
}

func TestOpenKeyTokenRejectsMalformedSecret(t *testing.T) {
	// An authenticated backing key of the wrong size (a sealing bug) is still refused.
	tok := []byte{1, byte(KindSymmetric), 0, 0, 0, 1, 0xaa}
	if _, err := OpenKeyToken(ring{1: rawAEAD{make([]byte, 31)}}.lookup, KindSymmetric, nil, tok); !errors.Is(err, ErrInvalidKeyToken) {
		t.Errorf("31-byte backing key: got %v, want ErrInvalidKeyToken", err)
	}
	if _, err := OpenBackingKey(ring{1: rawAEAD{make([]byte, 33)}}.lookup, KeyID{}, 0, tok); !errors.Is(err, ErrInvalidKeyToken) {
		t.Errorf("OpenBackingKey of 33 bytes: got %v, want ErrInvalidKeyToken", err)
	}
}

func TestKeyTokenErrorsCarryNoSecret(t *testing.T) {
	secret := "wJalrXUtnFEMI-SECRET"
	_, err := SealKeyToken(newSoftAEAD(t), 1, KindInvalid, []byte("b"), []byte(secret))
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("error %q carries the secret", err)
	}
}
