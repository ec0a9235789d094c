package wrap

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func sampleBlob() Blob {
	b := Blob{KeyID: KeyID{1, 2, 3, 4, 5, 6, 0x47, 8, 0x89, 10, 11, 12, 13, 14, 15, 16}, KeyVersion: 0x01020304}
	for i := range b.Salt {
		b.Salt[i] = byte(0xa0 + i)
	}
	for i := range b.Nonce {
		b.Nonce[i] = byte(0xc0 + i)
	}
	b.Ciphertext = bytes.Repeat([]byte{0xee}, 20)
	return b
}

func TestBlobLayout(t *testing.T) {
	b := sampleBlob()
	m := b.Marshal()
	if len(m) != BlobHeaderSize+len(b.Ciphertext) {
		t.Fatalf("len: got %d, want %d", len(m), BlobHeaderSize+len(b.Ciphertext))
	}
	fields := []struct {
		name     string
		off, end int
		want     []byte
	}{
		{"version", 0, 1, []byte{0x01}},
		{"key id", 1, 17, b.KeyID[:]},
		{"key version", 17, 21, []byte{1, 2, 3, 4}},
		{"salt", 21, 37, b.Salt[:]},
		{"nonce", 37, 49, b.Nonce[:]},
		{"ciphertext", 49, len(m), b.Ciphertext},
	}
	for _, f := range fields {
		if got := m[f.off:f.end]; !bytes.Equal(got, f.want) {
			t.Errorf("%s at [%d:%d]: got %x, want %x", f.name, f.off, f.end, got, f.want)
		}
	}
}

func TestParseBlobRoundTrip(t *testing.T) {
	b := sampleBlob()
	m := b.Marshal()
	got, err := ParseBlob(m)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, b) {
		t.Errorf("ParseBlob(Marshal(b)): got %+v, want %+v", got, b)
	}
	if again := got.Marshal(); !bytes.Equal(again, m) {
		t.Errorf("Marshal(ParseBlob(x)): got %x, want %x", again, m)
	}
	m[len(m)-1] ^= 1
	if got.Ciphertext[len(got.Ciphertext)-1] == m[len(m)-1] {
		t.Error("parsed Blob aliases its input")
	}
}

func TestParseBlobBounds(t *testing.T) {
	tests := []struct {
		name string
		n    int
		ok   bool
	}{
		{"empty", 0, false},
		{"one byte", 1, false},
		{"header only", BlobHeaderSize, false},
		{"one short of a tag", MinBlobSize - 1, false},
		{"empty plaintext", MinBlobSize, true},
		{"max plaintext", MinBlobSize + MaxPlaintext, true},
		{"max blob", MaxBlobSize, true},
		{"over max", MaxBlobSize + 1, false},
	}
	for _, tt := range tests {
		in := make([]byte, tt.n)
		if tt.n > 0 {
			in[0] = blobVersion
		}
		_, err := ParseBlob(in)
		if tt.ok && err != nil || !tt.ok && !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("%s (%d bytes): got %v, want ok=%v", tt.name, tt.n, err, tt.ok)
		}
		_, _, perr := PeekKey(in)
		if (perr == nil) != (err == nil) {
			t.Errorf("%s: PeekKey got %v, ParseBlob got %v; want the same verdict", tt.name, perr, err)
		}
	}
}

func TestParseBlobVersionByte(t *testing.T) {
	m := sampleBlob().Marshal()
	for v := range 256 {
		m[0] = byte(v)
		_, err := ParseBlob(m)
		if v == blobVersion && err != nil || v != blobVersion && !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("version byte %#x: got %v", v, err)
		}
	}
}

func TestPeekKey(t *testing.T) {
	b := sampleBlob()
	id, v, err := PeekKey(b.Marshal())
	if err != nil || id != b.KeyID || v != b.KeyVersion {
		t.Errorf("PeekKey: got %v, %d, %v, want %v, %d, nil", id, v, err, b.KeyID, b.KeyVersion)
	}
}
