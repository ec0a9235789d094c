package wrap

import (
	"encoding/binary"
	"slices"
)

// EncryptionContext is AWS KMS's encryption context: non-secret key-value pairs bound to a
// ciphertext as AAD. A nil and an empty context are the same context.
type EncryptionContext map[string]string

// Canonical returns the context's unambiguous encoding, the part of a blob's AAD that binds
// the context:
//
//	uint32 count || for each entry sorted by key (bytewise):
//	    uint32 len(key) || key || uint32 len(value) || value
//
// Every length is prefixed, so no two different contexts share an encoding: {"ab":"c"} and
// {"a":"bc"} differ (local-kms concatenated them and let one authenticate the other). The
// encoding is injective for contexts within MaxContextEntries and MaxContextBytes, which Seal
// and Open enforce.
func (ec EncryptionContext) Canonical() []byte {
	n, _ := ec.checkedLen()
	return ec.appendCanonical(make([]byte, 0, n))
}

// appendCanonical appends the canonical encoding to dst, so Seal builds its AAD in one buffer.
func (ec EncryptionContext) appendCanonical(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(ec)))
	switch len(ec) {
	case 0:
		return dst
	case 1:
		// The common case needs no sort and no key slice.
		for k, v := range ec {
			dst = appendString(dst, k)
			dst = appendString(dst, v)
		}
		return dst
	}
	var small [8]string
	keys := small[:0]
	for k := range ec {
		keys = append(keys, k)
	}
	// Go compares strings bytewise, which is the order the format fixes.
	slices.Sort(keys)
	for _, k := range keys {
		dst = appendString(dst, k)
		dst = appendString(dst, ec[k])
	}
	return dst
}

// appendString appends a uint32 length prefix and s.
func appendString(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

// checkedLen is len(ec.Canonical()) and whether ec is within MaxContextEntries and
// MaxContextBytes, the bounds Seal and Open enforce.
func (ec EncryptionContext) checkedLen() (int, bool) {
	if len(ec) > MaxContextEntries {
		return 0, false
	}
	n, sum := 4, 0
	for k, v := range ec {
		sum += len(k) + len(v)
		n += 4 + len(k) + 4 + len(v)
	}
	return n, sum <= MaxContextBytes
}
