package wrap

import (
	"crypto/rand"
	"encoding/hex"
)

// KeyID is a CMK's id: 16 bytes, shown as a lowercase UUID (8-4-4-4-12 hex digits). The zero
// KeyID is "no key": NewKeyID never returns it and ParseKeyID rejects it.
//
// KeyID deliberately has no text or binary marshalers: it is stored by value (gob, raft
// commands) as its 16 raw bytes.
type KeyID [KeyIDSize]byte

// uuidLen is the length of a canonical UUID string.
const uuidLen = 36

// NewKeyID returns a random id with the UUID version 4 / RFC 9562 variant bits set, so that
// tools that inspect UUIDs see a well-formed random UUID. 122 random bits make collisions
// negligible for any number of keys a cluster holds.
func NewKeyID() (KeyID, error) {
	var id KeyID
	// crypto/rand.Read never fails on supported platforms since Go 1.24 (it crashes the
	// process instead); the check stays for the contract.
	if _, err := rand.Read(id[:]); err != nil {
		return KeyID{}, err
	}
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // variant 10xx
	return id, nil
}

// ParseKeyID parses the canonical 36-character form of a UUID, all lowercase or all
// uppercase (as AWS tools print ids). Anything else (braces, a "urn:uuid:" prefix, missing or
// misplaced hyphens, mixed case, the nil UUID) is ErrInvalidKeyID. Any UUID version is
// accepted, as ids of imported or migrated keys need not be version 4.
func ParseKeyID(s string) (KeyID, error) {
	var id KeyID
	if len(s) != uuidLen {
		return KeyID{}, ErrInvalidKeyID
	}
	var lower, upper bool
	j := 0
	for i := 0; i < uuidLen; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return KeyID{}, ErrInvalidKeyID
			}
			i++
			continue
		}
		hi, lo := s[i], s[i+1]
		h, ok1 := fromHex(hi, &lower, &upper)
		l, ok2 := fromHex(lo, &lower, &upper)
		if !ok1 || !ok2 {
			return KeyID{}, ErrInvalidKeyID
		}
		id[j] = h<<4 | l
		j++
		i += 2
	}
	if lower && upper || id == (KeyID{}) {
		return KeyID{}, ErrInvalidKeyID
	}
	return id, nil
}

// fromHex decodes one hex digit and records which letter case it used.
func fromHex(c byte, lower, upper *bool) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		*lower = true
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		*upper = true
		return c - 'A' + 10, true
	}
	return 0, false
}

// String returns the lowercase canonical UUID form, as AWS KMS shows key ids.
func (id KeyID) String() string {
	var b [uuidLen]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], id[10:16])
	return string(b[:])
}

// IsZero reports whether id is the zero KeyID ("no key").
func (id KeyID) IsZero() bool { return id == KeyID{} }
