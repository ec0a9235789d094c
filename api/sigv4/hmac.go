package sigv4

import "crypto/sha256"

// hmacSHA256Max is the longest message hmacSHA256 handles on the stack: a KMS or S3 string to
// sign (algorithm, time, scope and a hex hash) is about 150 bytes; a longer one (a long
// region in the scope) takes one allocation.
const hmacSHA256Max = 512

// hmacSHA256 is HMAC-SHA256(key, msg) (RFC 2104) for the 32-byte SigV4 signing key, computed
// with sha256.Sum256 over stack buffers: crypto/hmac.New allocates its two digests, the key
// pads and the result on every request, which on the data plane is a measurable share of a
// request's allocations. The key is shorter than SHA-256's block, so it is only zero-padded.
// The pads hold the key (XORed with a constant) and are cleared before returning.
// TestHMACSHA256 checks it against crypto/hmac.
func hmacSHA256(key *[32]byte, msg []byte) [32]byte {
	const block = sha256.BlockSize
	var stack [block + hmacSHA256Max]byte
	inner := stack[:]
	if len(msg) > hmacSHA256Max {
		inner = make([]byte, block+len(msg))
	}
	inner = inner[:block+len(msg)]
	var outer [block + sha256.Size]byte
	defer clear(inner[:block])
	defer clear(outer[:block])
	for i := range block {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		inner[i] = k ^ 0x36
		outer[i] = k ^ 0x5c
	}
	copy(inner[block:], msg)
	ih := sha256.Sum256(inner)
	copy(outer[block:], ih[:])
	return sha256.Sum256(outer[:])
}
