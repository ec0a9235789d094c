package adminauth

import (
	"crypto/ed25519"
	"testing"
)

// FuzzParseHeader: the parser never panics, and what it accepts marshals back to the same bytes
// (one request has one header; no malleable variants).
func FuzzParseHeader(f *testing.F) {
	a := Auth{Key: make(ed25519.PublicKey, 32), Time: 1800000000, Sig: make([]byte, 64)}
	f.Add(a.String())
	f.Add(Scheme + " key=,ts=,nonce=,sig=")
	f.Add("Keyhold-Ed25519 key=AAAA,ts=0,nonce=00,sig=AA==")
	f.Fuzz(func(t *testing.T, v string) {
		a, err := ParseHeader(v)
		if err != nil {
			return
		}
		if got := a.String(); got != v {
			t.Fatalf("round trip: %q -> %q", v, got)
		}
	})
}
