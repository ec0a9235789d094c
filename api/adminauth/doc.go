// Package adminauth authenticates keyhold's admin API: every admin call that changes state or
// returns domain material is signed with an operator's Ed25519 key, the same key that signs
// ceremony approvals. keyholdctl signs (Sign); the ops listener verifies (Verifier). It imports
// nothing of keyhold, so that the CLI can use it without pulling in the server.
//
// # Header
//
// One Authorization header, exactly (no optional spaces, fields in this order):
//
//	Authorization: Keyhold-Ed25519 key=<K>,ts=<T>,nonce=<N>,sig=<S>
//
//	K = standard base64 (padded) of the 32-byte Ed25519 public key
//	T = the signing time, Unix seconds, decimal, no sign, no leading zeros (1-19 digits)
//	N = 32 lowercase hex digits: 16 random bytes chosen per request
//	S = standard base64 (padded) of the 64-byte Ed25519 signature
//
// Anything else (another scheme, a missing, repeated, reordered or extra field, a space, upper
// case hex, unpadded base64, a second Authorization header) is malformed. ParseHeader then
// String gives the input back byte for byte (FuzzParseHeader).
//
// # String to sign
//
// The signature is Ed25519 (RFC 8032, pure, no pre-hash) over these bytes, each line ended by one
// LF (0x0a), the last one too:
//
//	keyhold admin request v1
//	<METHOD>            the HTTP method as sent, e.g. POST
//	<HOST>              the Host header as sent (host[:port]), e.g. 127.0.0.1:8101
//	<PATH>              the escaped path as sent, e.g. /v1/admin/proposals/3f2a/approve
//	<QUERY>             the raw query as sent, without "?" (empty line when none)
//	<T>                 as in the header
//	<N>                 as in the header
//	<BODY-SHA256>       64 lowercase hex digits: SHA-256 of the request body (of "" when none)
//
// No field can contain LF: a request line cannot, T and N are digits, and the hash is hex; so
// the encoding is unambiguous. Binding method, host, path, query and body means a captured
// signature authorises exactly that request to exactly that node: another body, path or node
// fails the signature. A proxy or tunnel in front of the ops listener must therefore pass the
// Host header, path and query through unchanged (SSH port forwarding does).
//
// # Freshness and replay
//
// The server refuses T further than MaxSkew from its clock, and remembers (key, N) of every
// request it accepted for 2*MaxSkew, refusing a repeat: a request can be replayed neither within
// the window (nonce) nor after it (time). The cache is bounded (MaxNonces); when full it refuses
// new requests until entries age out rather than forget one early. Only requests whose
// signature verified and whose signer is allowed enter it, so an unauthenticated caller cannot
// fill it.
//
// Who may sign is the caller's decision (Verifier.Verify's allowed): for keyhold, the current
// operators of the domain, or before a domain exists the configured bootstrap and recovery keys.
package adminauth
