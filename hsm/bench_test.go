package hsm

import (
	"testing"
)

func BenchmarkEncrypt32(b *testing.B) {
	tok, _ := newTestToken(b, Options{Sessions: 1})
	k, err := tok.GenerateAESKey("bench")
	if err != nil {
		b.Fatal(err)
	}
	pt := make([]byte, 32)
	b.SetBytes(32)
	for b.Loop() {
		if _, err := k.Encrypt(pt, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt32(b *testing.B) {
	tok, _ := newTestToken(b, Options{Sessions: 1})
	k, err := tok.GenerateAESKey("bench")
	if err != nil {
		b.Fatal(err)
	}
	ct, err := k.Encrypt(make([]byte, 32), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(32)
	for b.Loop() {
		if _, err := k.Decrypt(ct, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRandom32(b *testing.B) {
	tok, _ := newTestToken(b, Options{Sessions: 1})
	b.SetBytes(32)
	for b.Loop() {
		if _, err := tok.Random(32); err != nil {
			b.Fatal(err)
		}
	}
}
