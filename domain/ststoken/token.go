// Package ststoken is the format of keyhold's STS session tokens: everything a role session is
// (the ASIA access key id and its secret, the role, the session name, the expiry, session tags
// and session policies) sealed with AES-256-GCM under the domain's STS session key, so that
// AssumeRole writes nothing to raft and any node can verify a session by opening its token.
//
// A token is, before base64 (standard alphabet, padded, as AWS's tokens are):
//
//	"KHS" | version (1 byte, 1) | key version (4 bytes, big endian) | nonce (12) | ciphertext+tag
//
// with additional data "keyhold sts session" | version | key version | access key id, so a token
// opens only for the access key id it was issued with. The plaintext is a fixed sequence of
// length-prefixed fields (Encode/Decode), parsed strictly: bounded lengths and counts, valid
// UTF-8, no trailing bytes. The format carries its version so that a later one can be read next
// to it; a token of an unknown version is refused, never guessed at.
//
// The package holds no key and reads no clock: the domain opens the sealing key (a credential
// record sealed under the domain key) and checks expiry, the role and its id.
package ststoken

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Version is the format this package writes.
const Version = 1

// Limits of the format: a token is at most MaxTokenLen characters of base64; its plaintext at
// most MaxPlaintext bytes.
const (
	MaxPlaintext = 6 << 10
	MaxTokenLen  = (3+1+4+12+MaxPlaintext+16+2)/3*4 + 4
	maxTags      = 50
	maxARNs      = 10
	maxField     = 4096
)

// ErrInvalid is any token that does not open or parse. Callers answer with AWS's "invalid
// security token" and never say which check failed.
var ErrInvalid = errors.New("ststoken: invalid session token")

// ErrTooLarge is a session whose tags and policies do not fit in a token (STS's
// PackedPolicyTooLarge).
var ErrTooLarge = errors.New("ststoken: session too large")

// Tag is a session tag.
type Tag struct{ Key, Value string }

// Claims is a role session.
type Claims struct {
	AccessKeyID string // ASIA...
	Secret      string // the secret access key
	Account     string // the role's account
	RoleName    string
	RolePath    string
	RoleID      string // AROA...; a role deleted and re-created has another
	SessionName string
	Issued      time.Time // second precision
	Expires     time.Time // second precision
	// SourceIdentity is AssumeRole's SourceIdentity ("" when not given).
	SourceIdentity string
	// Tags are the session tags; Transitive the keys among them that pass on through role
	// chaining.
	Tags       []Tag
	Transitive []string
	// Policy is the inline session policy's text ("" for none); PolicyARNs the managed session
	// policies.
	Policy     string
	PolicyARNs []string
	// Federated is the OIDC provider of a web identity session ("" otherwise).
	Federated string
}

var magic = [3]byte{'K', 'H', 'S'}

func aad(keyVersion uint32, accessKeyID string) []byte {
	b := append([]byte("keyhold sts session"), Version)
	b = binary.BigEndian.AppendUint32(b, keyVersion)
	return append(b, accessKeyID...)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("ststoken: sealing key is %d bytes, want 32", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// Seal encodes c and seals it under key (32 bytes) of version keyVersion.
func Seal(key []byte, keyVersion uint32, c *Claims) (string, error) {
	pt, err := Encode(c)
	if err != nil {
		return "", err
	}
	defer clear(pt)
	a, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	out := make([]byte, 0, 3+1+4+12+len(pt)+16)
	out = append(out, magic[:]...)
	out = append(out, Version)
	out = binary.BigEndian.AppendUint32(out, keyVersion)
	nonce := make([]byte, 12)
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return "", fmt.Errorf("ststoken: nonce: %w", err)
	}
	out = append(out, nonce...)
	out = a.Seal(out, nonce, pt, aad(keyVersion, c.AccessKeyID))
	return base64.StdEncoding.EncodeToString(out), nil
}

// KeyVersion returns the sealing key version a token names, so the caller can pick the key;
// ok is false for anything that is not a token of this format.
func KeyVersion(token string) (uint32, bool) {
	if len(token) < 12 || len(token) > MaxTokenLen {
		return 0, false
	}
	var hdr [9]byte
	n, err := base64.StdEncoding.Decode(hdr[:], []byte(token[:12]))
	if err != nil || n != 9 || [3]byte(hdr[:3]) != magic || hdr[3] != Version {
		return 0, false
	}
	return binary.BigEndian.Uint32(hdr[4:8]), true
}

// Open opens token for accessKeyID under key and parses its claims. Every failure is
// ErrInvalid.
func Open(key []byte, accessKeyID, token string) (*Claims, error) {
	// The decoder skips CR and LF; a token carrying them is not one Seal wrote.
	if len(token) > MaxTokenLen || strings.ContainsAny(token, "\r\n") {
		return nil, ErrInvalid
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) < 3+1+4+12+16 || [3]byte(raw[:3]) != magic || raw[3] != Version {
		return nil, ErrInvalid
	}
	kv := binary.BigEndian.Uint32(raw[4:8])
	a, err := newAEAD(key)
	if err != nil {
		return nil, ErrInvalid
	}
	pt, err := a.Open(nil, raw[8:20], raw[20:], aad(kv, accessKeyID))
	if err != nil {
		return nil, ErrInvalid
	}
	defer clear(pt)
	c, err := Decode(pt)
	if err != nil || c.AccessKeyID != accessKeyID {
		return nil, ErrInvalid
	}
	return c, nil
}

// Encode writes c's plaintext form: each string as a uvarint length and its bytes, each list
// as a uvarint count and its items, times as uvarint Unix seconds, in the order of Claims.
func Encode(c *Claims) ([]byte, error) {
	if len(c.Tags) > maxTags || len(c.Transitive) > maxTags || len(c.PolicyARNs) > maxARNs {
		return nil, ErrTooLarge
	}
	if c.Issued.Unix() < 0 || c.Expires.Unix() < 0 {
		return nil, fmt.Errorf("ststoken: time before 1970")
	}
	b := make([]byte, 0, 512)
	for _, s := range []string{c.AccessKeyID, c.Secret, c.Account, c.RoleName, c.RolePath, c.RoleID, c.SessionName} {
		b = putString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(c.Issued.Unix()))
	b = binary.AppendUvarint(b, uint64(c.Expires.Unix()))
	b = putString(b, c.SourceIdentity)
	b = binary.AppendUvarint(b, uint64(len(c.Tags)))
	for _, t := range c.Tags {
		b = putString(putString(b, t.Key), t.Value)
	}
	b = binary.AppendUvarint(b, uint64(len(c.Transitive)))
	for _, k := range c.Transitive {
		b = putString(b, k)
	}
	b = putString(b, c.Policy)
	b = binary.AppendUvarint(b, uint64(len(c.PolicyARNs)))
	for _, a := range c.PolicyARNs {
		b = putString(b, a)
	}
	b = putString(b, c.Federated)
	if len(b) > MaxPlaintext {
		clear(b)
		return nil, ErrTooLarge
	}
	return b, nil
}

func putString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// reader reads the fields of a plaintext; the first failure sticks.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uvarint(max uint64) uint64 {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	// A non-minimal encoding (0x80 0x00 for 0) is refused: one plaintext per session.
	if n <= 0 || v > max || n != uvarintLen(v) {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) str() string {
	n := r.uvarint(maxField)
	if r.bad || uint64(len(r.b)) < n {
		r.bad = true
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	if !utf8.ValidString(s) {
		r.bad = true
	}
	return s
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// maxUnix bounds times so that time.Unix stays meaningful (year 9999).
const maxUnix = 253402300799

// Decode parses a plaintext written by Encode. It never panics and refuses anything Encode
// could not have written.
func Decode(b []byte) (*Claims, error) {
	if len(b) > MaxPlaintext {
		return nil, ErrInvalid
	}
	r := &reader{b: b}
	c := &Claims{}
	for _, p := range []*string{&c.AccessKeyID, &c.Secret, &c.Account, &c.RoleName, &c.RolePath, &c.RoleID, &c.SessionName} {
		*p = r.str()
	}
	c.Issued = time.Unix(int64(r.uvarint(maxUnix)), 0).UTC()
	c.Expires = time.Unix(int64(r.uvarint(maxUnix)), 0).UTC()
	c.SourceIdentity = r.str()
	if n := r.uvarint(maxTags); n > 0 {
		c.Tags = make([]Tag, 0, n)
		for i := uint64(0); i < n && !r.bad; i++ {
			k := r.str()
			c.Tags = append(c.Tags, Tag{Key: k, Value: r.str()})
		}
	}
	if n := r.uvarint(maxTags); n > 0 {
		c.Transitive = make([]string, 0, n)
		for i := uint64(0); i < n && !r.bad; i++ {
			c.Transitive = append(c.Transitive, r.str())
		}
	}
	c.Policy = r.str()
	if n := r.uvarint(maxARNs); n > 0 {
		c.PolicyARNs = make([]string, 0, n)
		for i := uint64(0); i < n && !r.bad; i++ {
			c.PolicyARNs = append(c.PolicyARNs, r.str())
		}
	}
	c.Federated = r.str()
	if r.bad || len(r.b) != 0 {
		return nil, ErrInvalid
	}
	return c, nil
}
