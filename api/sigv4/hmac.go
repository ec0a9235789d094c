package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
)

// hmacSHA256 is HMAC-SHA256(key, msg) for the 32-byte SigV4 signing key. It is crypto/hmac on
// purpose: the signature check authenticates every request, so it stays inside Go's FIPS 140-3
// module rather than in a hand-built HMAC over SHA-256 that would save the few allocations
// hmac.New makes per request.
func hmacSHA256(key *[32]byte, msg []byte) [32]byte {
	m := hmac.New(sha256.New, key[:])
	m.Write(msg)
	var out [32]byte
	m.Sum(out[:0])
	return out
}
