package wrap

import "errors"

// Errors of package wrap. Callers match them with errors.Is; messages never carry key,
// plaintext, ciphertext or encryption-context bytes.
var (
	// ErrInvalidCiphertext is every failure to parse or open a blob: a bad format, a flipped
	// bit, a wrong key or a different encryption context all look the same, so that a caller
	// learns nothing from the failure (it maps to InvalidCiphertextException).
	ErrInvalidCiphertext = errors.New("wrap: invalid ciphertext")
	// ErrInvalidKeyToken is every failure to open a key token. When the domain key could not
	// be found or the HSM failed, the cause is wrapped too, for the log.
	ErrInvalidKeyToken = errors.New("wrap: invalid key token")
	// ErrInvalidKeyID is a key id that is not a canonical UUID, or is the nil UUID.
	ErrInvalidKeyID = errors.New("wrap: invalid key id")
	// ErrInvalidArgument is a caller's mistake when sealing: an oversized plaintext, secret,
	// binding or encryption context, an invalid kind, or a nil key.
	ErrInvalidArgument = errors.New("wrap: invalid argument")
	// ErrKeyUnusable is a backing key that was destroyed or never initialised. Seeing it is a
	// bug in the caller (a key used after Destroy), never a client error.
	ErrKeyUnusable = errors.New("wrap: backing key destroyed or uninitialised")
)
