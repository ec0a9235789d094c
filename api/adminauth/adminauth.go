package adminauth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Scheme is the Authorization scheme of a signed admin request.
const Scheme = "Keyhold-Ed25519"

// stringToSignVersion is the first line of the string to sign; a new scheme gets a new line.
const stringToSignVersion = "keyhold admin request v1"

// MaxHeaderLen bounds the Authorization value ParseHeader reads: the longest valid one is 219
// bytes, the rest is slack.
const MaxHeaderLen = 512

// Errors Verify returns; every one means the request is not authenticated (HTTP 401).
var (
	ErrMissing      = errors.New("adminauth: the request is not signed: an operator key must sign admin calls")
	ErrMalformed    = errors.New("adminauth: malformed Authorization header")
	ErrStale        = errors.New("adminauth: the request time is outside the allowed clock skew")
	ErrBadSignature = errors.New("adminauth: the signature does not match the request")
	ErrNotAllowed   = errors.New("adminauth: the signing key is not an operator of this domain")
	ErrReplay       = errors.New("adminauth: the request was already used (replay)")
)

// Auth is a parsed Authorization header.
type Auth struct {
	Key   ed25519.PublicKey
	Time  int64 // Unix seconds
	Nonce [16]byte
	Sig   []byte
}

// String returns the header value, the exact inverse of ParseHeader.
func (a *Auth) String() string {
	return Scheme + " key=" + base64.StdEncoding.EncodeToString(a.Key) +
		",ts=" + strconv.FormatInt(a.Time, 10) +
		",nonce=" + hex.EncodeToString(a.Nonce[:]) +
		",sig=" + base64.StdEncoding.EncodeToString(a.Sig)
}

// ParseHeader parses an Authorization value strictly (see the package doc).
func ParseHeader(v string) (*Auth, error) {
	if len(v) > MaxHeaderLen {
		return nil, fmt.Errorf("%w: too long", ErrMalformed)
	}
	rest, ok := strings.CutPrefix(v, Scheme+" ")
	if !ok {
		return nil, fmt.Errorf("%w: want scheme %s", ErrMalformed, Scheme)
	}
	parts := strings.Split(rest, ",")
	names := [...]string{"key", "ts", "nonce", "sig"}
	if len(parts) != len(names) {
		return nil, fmt.Errorf("%w: want the fields key, ts, nonce, sig", ErrMalformed)
	}
	var val [4]string
	for i, p := range parts {
		name, value, ok := strings.Cut(p, "=")
		if !ok || name != names[i] {
			return nil, fmt.Errorf("%w: field %d must be %s=", ErrMalformed, i+1, names[i])
		}
		val[i] = value
	}
	var a Auth
	key, err := strictBase64(val[0], ed25519.PublicKeySize)
	if err != nil {
		return nil, fmt.Errorf("%w: key: %v", ErrMalformed, err)
	}
	a.Key = key
	if len(val[1]) == 0 || len(val[1]) > 19 || strings.Trim(val[1], "0123456789") != "" || (len(val[1]) > 1 && val[1][0] == '0') {
		return nil, fmt.Errorf("%w: ts must be decimal Unix seconds", ErrMalformed)
	}
	if a.Time, err = strconv.ParseInt(val[1], 10, 64); err != nil {
		return nil, fmt.Errorf("%w: ts: %v", ErrMalformed, err)
	}
	if len(val[2]) != 2*len(a.Nonce) || strings.ToLower(val[2]) != val[2] {
		return nil, fmt.Errorf("%w: nonce must be 32 lowercase hex digits", ErrMalformed)
	}
	if _, err := hex.Decode(a.Nonce[:], []byte(val[2])); err != nil {
		return nil, fmt.Errorf("%w: nonce: %v", ErrMalformed, err)
	}
	if a.Sig, err = strictBase64(val[3], ed25519.SignatureSize); err != nil {
		return nil, fmt.Errorf("%w: sig: %v", ErrMalformed, err)
	}
	return &a, nil
}

// strictBase64 decodes padded standard base64 of exactly n bytes, refusing non-canonical forms
// (nonzero padding bits), so that one value has one encoding.
func strictBase64(s string, n int) ([]byte, error) {
	// The decoder skips CR and LF even in strict mode: the exact length refuses them.
	if len(s) != base64.StdEncoding.EncodedLen(n) {
		return nil, fmt.Errorf("%d characters, want %d", len(s), base64.StdEncoding.EncodedLen(n))
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(b) != n {
		return nil, fmt.Errorf("%d bytes, want %d", len(b), n)
	}
	return b, nil
}

// StringToSign returns the bytes an operator signs for one request (see the package doc).
func StringToSign(method, host, path, rawQuery string, ts int64, nonce [16]byte, body []byte) []byte {
	h := sha256.Sum256(body)
	var b bytes.Buffer
	for _, line := range []string{stringToSignVersion, method, host, path, rawQuery,
		strconv.FormatInt(ts, 10), hex.EncodeToString(nonce[:]), hex.EncodeToString(h[:])} {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// requestHost is the Host a request carries on the wire: net/http sends req.Host, or the URL's
// host when it is empty, and the server reads the same into r.Host.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// Sign signs r, whose body is body, with the operator key priv at now: it sets the
// Authorization header. The body must be sent unchanged.
func Sign(r *http.Request, body []byte, priv ed25519.PrivateKey, now time.Time) error {
	a := Auth{Key: priv.Public().(ed25519.PublicKey), Time: now.Unix()}
	if _, err := rand.Read(a.Nonce[:]); err != nil {
		return err
	}
	a.Sig = ed25519.Sign(priv, StringToSign(r.Method, requestHost(r), r.URL.EscapedPath(), r.URL.RawQuery, a.Time, a.Nonce, body))
	r.Header.Set("Authorization", a.String())
	return nil
}
