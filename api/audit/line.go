package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
)

// Errors of ParseLine. The verifier wraps them with the file and line they were found at.
var (
	ErrMalformed    = errors.New("audit: malformed record")
	ErrHashMismatch = errors.New("audit: record hash does not match its bytes")
)

// MaxLineBytes bounds one record line. Records are built from request fields that the API
// already bounds (key ids, bucket and object names, encryption contexts), so a longer line is
// corruption.
const MaxLineBytes = 1 << 20

const (
	seqPrefix  = `{"seq":`
	prevPrefix = `,"prev":"`
	hashPrefix = `,"hash":"`
	hashSuffix = len(hashPrefix) + 2*sha256.Size + len(`"}`)
)

// Link is what the chain needs from one line: its sequence number, the hash it claims for the
// previous record, and its own hash (checked against its bytes by ParseLine).
type Link struct {
	Seq  uint64
	Prev [sha256.Size]byte
	Hash [sha256.Size]byte
}

// ParseLine checks one line (without its LF) against the format in doc.go and returns its link.
// It never re-encodes: the hash is recomputed over the bytes as given. It returns ErrMalformed
// or ErrHashMismatch, wrapped with a reason; it never panics.
func ParseLine(line []byte) (Link, error) {
	var l Link
	if len(line) > MaxLineBytes {
		return l, malformed("line longer than %d bytes", MaxLineBytes)
	}
	if len(line) < len(seqPrefix)+1+len(prevPrefix)+2*sha256.Size+1+hashSuffix {
		return l, malformed("line too short")
	}
	canonical := line[:len(line)-hashSuffix]
	tail := line[len(canonical):]
	if !bytes.HasPrefix(tail, []byte(hashPrefix)) || !bytes.HasSuffix(tail, []byte(`"}`)) {
		return l, malformed(`line does not end with ,"hash":"<64 hex>"}`)
	}
	if err := decodeHex(l.Hash[:], tail[len(hashPrefix):len(hashPrefix)+2*sha256.Size]); err != nil {
		return l, malformed("hash is not 64 lowercase hex digits")
	}
	rest, ok := bytes.CutPrefix(canonical, []byte(seqPrefix))
	if !ok {
		return l, malformed(`line does not start with {"seq":`)
	}
	i := 0
	for i < len(rest) && i <= 20 && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || i > 20 || rest[0] == '0' {
		return l, malformed("seq is not a positive decimal number")
	}
	seq, err := strconv.ParseUint(string(rest[:i]), 10, 64)
	if err != nil {
		return l, malformed("seq is out of range")
	}
	l.Seq = seq
	rest, ok = bytes.CutPrefix(rest[i:], []byte(prevPrefix))
	if !ok || len(rest) < 2*sha256.Size+1 || rest[2*sha256.Size] != '"' {
		return l, malformed(`seq is not followed by ,"prev":"<64 hex>"`)
	}
	if err := decodeHex(l.Prev[:], rest[:2*sha256.Size]); err != nil {
		return l, malformed("prev is not 64 lowercase hex digits")
	}
	// The fields after prev must make a JSON object: closing the canonical bytes must be valid.
	obj := make([]byte, 0, len(canonical)+1)
	obj = append(append(obj, canonical...), '}')
	if !json.Valid(obj) {
		return l, malformed("record is not a JSON object")
	}
	if chainHash(l.Prev, canonical) != l.Hash {
		return l, ErrHashMismatch
	}
	return l, nil
}

// chainHash is SHA-256(prev || canonical), the hash doc.go defines.
func chainHash(prev [sha256.Size]byte, canonical []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(canonical)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// decodeHex decodes lowercase hex only, so that each hash has exactly one spelling.
func decodeHex(dst, src []byte) error {
	for _, c := range src {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return ErrMalformed
		}
	}
	_, err := hex.Decode(dst, src)
	return err
}

func malformed(format string, args ...any) error {
	return &reasonError{ErrMalformed, format, args}
}
