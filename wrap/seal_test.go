package wrap

import (
	"bytes"
	"errors"
	"testing"
)

// decrypt is what the data plane does with a CiphertextBlob: parse, then open.
func decrypt(k *BackingKey, raw []byte, ec EncryptionContext) ([]byte, error) {
	b, err := ParseBlob(raw)
	if err != nil {
		return nil, err
	}
	return Open(k, b, ec)
}

func TestSealOpenRoundTrip(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	ecs := []EncryptionContext{nil, {}, {"purpose": "test"}, {"a": "1", "b": "2", "": "", "ü": "\x00"}}
	for _, n := range []int{0, 1, 15, 16, 17, 32, 1000, MaxPlaintext} {
		for _, ec := range ecs {
			pt := bytes.Repeat([]byte{byte(n)}, n)
			raw, err := Seal(k, id, 7, pt, ec)
			if err != nil {
				t.Fatalf("Seal %d bytes: %v", n, err)
			}
			if len(raw) != MinBlobSize+n {
				t.Errorf("blob of %d bytes: got len %d, want %d", n, len(raw), MinBlobSize+n)
			}
			gotID, gotV, err := PeekKey(raw)
			if err != nil || gotID != id || gotV != 7 {
				t.Errorf("PeekKey: got %v, %d, %v, want %v, 7, nil", gotID, gotV, err, id)
			}
			got, err := decrypt(k, raw, ec)
			if err != nil || !bytes.Equal(got, pt) {
				t.Errorf("decrypt %d bytes, ec %v: got %x, %v, want %x", n, ec, got, err, pt)
			}
		}
	}
}

func TestSealIsRandomised(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	a, _ := Seal(k, id, 1, []byte("same"), nil)
	b, _ := Seal(k, id, 1, []byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Error("two Seals of one plaintext gave the same blob")
	}
	pa, _ := ParseBlob(a)
	pb, _ := ParseBlob(b)
	if pa.Salt == pb.Salt || pa.Nonce == pb.Nonce {
		t.Error("two Seals share a salt or a nonce")
	}
}

func TestNilAndEmptyContextAreTheSame(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	raw, _ := Seal(k, id, 1, []byte("x"), nil)
	if _, err := decrypt(k, raw, EncryptionContext{}); err != nil {
		t.Errorf("sealed with nil, opened with empty: got %v, want nil", err)
	}
}

func TestEveryBitFlipFails(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	ec := EncryptionContext{"tenant": "a"}
	raw, err := Seal(k, id, 3, []byte("hi"), ec)
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(raw) * 8 {
		m := bytes.Clone(raw)
		m[i/8] ^= 1 << (i % 8)
		if pt, err := decrypt(k, m, ec); !errors.Is(err, ErrInvalidCiphertext) || pt != nil {
			t.Errorf("bit %d (byte %d) flipped: got %x, %v, want ErrInvalidCiphertext", i, i/8, pt, err)
		}
	}
}

func TestEveryTruncationFails(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	raw, _ := Seal(k, id, 3, []byte("a secret of some length"), nil)
	for n := range len(raw) {
		if _, err := decrypt(k, raw[:n], nil); !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("truncated to %d bytes: got %v, want ErrInvalidCiphertext", n, err)
		}
		if _, _, err := PeekKey(raw[:n]); n < MinBlobSize && !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("PeekKey of %d bytes: got %v, want ErrInvalidCiphertext", n, err)
		}
	}
	if _, err := decrypt(k, append(bytes.Clone(raw), 0), nil); !errors.Is(err, ErrInvalidCiphertext) {
		t.Errorf("one byte appended: got %v, want ErrInvalidCiphertext", err)
	}
}

func TestContextMismatchFails(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	tests := []struct {
		name       string
		seal, open EncryptionContext
	}{
		{"different value", EncryptionContext{"tenant": "a"}, EncryptionContext{"tenant": "b"}},
		{"different key", EncryptionContext{"tenant": "a"}, EncryptionContext{"Tenant": "a"}},
		{"extra entry", EncryptionContext{"tenant": "a"}, EncryptionContext{"tenant": "a", "x": "y"}},
		{"missing entry", EncryptionContext{"tenant": "a", "x": "y"}, EncryptionContext{"tenant": "a"}},
		{"none given", EncryptionContext{"tenant": "a"}, nil},
		{"unexpected", nil, EncryptionContext{"tenant": "a"}},
		{"split ab|c vs a|bc", EncryptionContext{"ab": "c"}, EncryptionContext{"a": "bc"}},
		{"split a|bc vs ab|c", EncryptionContext{"a": "bc"}, EncryptionContext{"ab": "c"}},
		{"empty entry", nil, EncryptionContext{"": ""}},
	}
	for _, tt := range tests {
		raw, err := Seal(k, id, 1, []byte("x"), tt.seal)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decrypt(k, raw, tt.open); !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("%s: got %v, want ErrInvalidCiphertext", tt.name, err)
		}
	}
}

func TestHeaderBindsKey(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	raw, _ := Seal(k, id, 5, []byte("x"), nil)
	orig, _ := ParseBlob(raw)
	other := mustID(t)
	edits := []struct {
		name string
		edit func(*Blob)
	}{
		{"other key id", func(b *Blob) { b.KeyID = other }},
		{"version+1", func(b *Blob) { b.KeyVersion++ }},
		{"version 0", func(b *Blob) { b.KeyVersion = 0 }},
		{"other salt", func(b *Blob) { b.Salt[0] ^= 0x80 }},
		{"other nonce", func(b *Blob) { b.Nonce[11] ^= 0x01 }},
		{"empty ciphertext", func(b *Blob) { b.Ciphertext = nil }},
		{"tag only", func(b *Blob) { b.Ciphertext = b.Ciphertext[1:] }},
		{"oversized", func(b *Blob) { b.Ciphertext = make([]byte, MaxBlobSize) }},
	}
	for _, e := range edits {
		b := orig
		b.Ciphertext = bytes.Clone(orig.Ciphertext)
		e.edit(&b)
		if _, err := Open(k, b, nil); !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("%s: got %v, want ErrInvalidCiphertext", e.name, err)
		}
	}
	// The key id and version are in the HKDF info too: re-sealing the same plaintext with
	// the same salt and nonce under another id gives another ciphertext, not just another AAD.
	a, _ := seal(k, id, 5, orig.Salt, orig.Nonce, []byte("x"), nil)
	b, _ := seal(k, other, 5, orig.Salt, orig.Nonce, []byte("x"), nil)
	c, _ := seal(k, id, 6, orig.Salt, orig.Nonce, []byte("x"), nil)
	if bytes.Equal(a[BlobHeaderSize:], b[BlobHeaderSize:]) || bytes.Equal(a[BlobHeaderSize:], c[BlobHeaderSize:]) {
		t.Error("key id or version does not change the derived key")
	}
}

func TestOpenWrongKeyFails(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	raw, _ := Seal(k, id, 1, []byte("x"), nil)
	if _, err := decrypt(mustKey(t), raw, nil); !errors.Is(err, ErrInvalidCiphertext) {
		t.Errorf("other key: got %v, want ErrInvalidCiphertext", err)
	}
}

func TestOpenUnusableKey(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	raw, _ := Seal(k, id, 1, []byte("x"), nil)
	b, _ := ParseBlob(raw)
	dead := mustKey(t)
	dead.Destroy()
	for name, key := range map[string]*BackingKey{"nil": nil, "zero": {}, "destroyed": dead} {
		_, err := Open(key, b, nil)
		if !errors.Is(err, ErrInvalidCiphertext) || !errors.Is(err, ErrKeyUnusable) {
			t.Errorf("%s key: got %v, want ErrInvalidCiphertext and ErrKeyUnusable", name, err)
		}
	}
}

func TestSealRejects(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	tests := []struct {
		name string
		k    *BackingKey
		pt   []byte
		ec   EncryptionContext
		want error
	}{
		{"nil key", nil, []byte("x"), nil, ErrKeyUnusable},
		{"zero key", &BackingKey{}, []byte("x"), nil, ErrKeyUnusable},
		{"plaintext too long", k, make([]byte, MaxPlaintext+1), nil, ErrInvalidArgument},
		{"context too large", k, []byte("x"), EncryptionContext{"k": string(make([]byte, MaxContextBytes))}, ErrInvalidArgument},
	}
	for _, tt := range tests {
		if _, err := Seal(tt.k, id, 1, tt.pt, tt.ec); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestOpenRejectsHugeContext(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	raw, _ := Seal(k, id, 1, []byte("x"), nil)
	huge := EncryptionContext{"k": string(make([]byte, MaxContextBytes))}
	if _, err := decrypt(k, raw, huge); !errors.Is(err, ErrInvalidCiphertext) {
		t.Errorf("got %v, want ErrInvalidCiphertext", err)
	}
}

func TestErrorsCarryNoData(t *testing.T) {
	k, id := mustKey(t), mustID(t)
	raw, _ := Seal(k, id, 1, []byte("x"), EncryptionContext{"secret-ctx": "v"})
	_, err := decrypt(k, raw, EncryptionContext{"secret-ctx": "w"})
	if err == nil || err.Error() != "wrap: invalid ciphertext" {
		t.Errorf("got %q, want exactly %q", err, "wrap: invalid ciphertext")
	}
}
