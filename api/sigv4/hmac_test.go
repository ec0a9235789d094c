package sigv4

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"testing"
)

// TestHMACSHA256 checks the stack HMAC of Verify against crypto/hmac for every message length
// up to past the stack limit, and random keys, including the empty message.
func TestHMACSHA256(t *testing.T) {
	msg := make([]byte, hmacSHA256Max+70)
	_, _ = rand.Read(msg)
	for n := 0; n <= len(msg); n++ {
		var key [32]byte
		_, _ = rand.Read(key[:])
		m := hmac.New(sha256.New, key[:])
		m.Write(msg[:n])
		want := m.Sum(nil)
		got := hmacSHA256(&key, msg[:n])
		if !hmac.Equal(got[:], want) {
			t.Fatalf("message of %d bytes: got %x, want %x", n, got, want)
		}
	}
}
