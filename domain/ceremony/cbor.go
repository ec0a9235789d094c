package ceremony

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Signed records (proposals, signed proposals, domain tokens) are CBOR in the Core Deterministic
// Encoding of RFC 8949 section 4.2.1: maps with integer keys in canonical order, shortest-form
// integers and lengths, no indefinite lengths. Why CBOR and not JSON: one byte string per value,
// so what is hashed and signed has exactly one encoding (the choice tailscale's tka makes).
//
// Decoding is strict: duplicate map keys, indefinite lengths, unknown fields and trailing bytes
// are refused, and the bytes must re-encode to themselves, so a record has no second encoding
// that verifies the same (non-malleable).
var (
	cborEnc cbor.EncMode
	cborDec cbor.DecMode
)

func init() {
	eo := cbor.CoreDetEncOptions()
	eo.Time = cbor.TimeRFC3339Nano
	eo.IndefLength = cbor.IndefLengthForbidden
	var err error
	if cborEnc, err = eo.EncMode(); err != nil {
		panic(err)
	}
	cborDec, err = cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		MaxNestedLevels:   16,
		MaxArrayElements:  maxCBORElements,
		MaxMapPairs:       maxCBORElements,
		TagsMd:            cbor.TagsForbidden,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// ErrMalformed is the cause of every refusal of a signed record's bytes.
var ErrMalformed = errors.New("domain: malformed ceremony record")

func Marshal(v any) []byte {
	b, err := cborEnc.Marshal(v)
	if err != nil {
		// Only this package's plain structs are encoded; failing is a bug.
		panic(fmt.Sprintf("domain: encode %T: %v", v, err))
	}
	return b
}

// unmarshalStrict decodes b into v (a pointer), refusing anything not canonical.
func UnmarshalStrict(b []byte, max int, v any) error {
	if len(b) == 0 || len(b) > max {
		return fmt.Errorf("%w: %d bytes, want 1 to %d", ErrMalformed, len(b), max)
	}
	rest, err := cborDec.UnmarshalFirst(b, v)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(rest))
	}
	again, err := cborEnc.Marshal(v)
	if err != nil || !bytes.Equal(again, b) {
		return fmt.Errorf("%w: not in canonical encoding", ErrMalformed)
	}
	return nil
}
