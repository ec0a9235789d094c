package sigv4

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Wire names and bounds of SigV4 authentication.
const (
	sigv4Algorithm = "AWS4-HMAC-SHA256"
	amzDateFormat  = "20060102T150405Z"

	// maxAuthorizationLen bounds the Authorization header we parse; a real one with a few
	// dozen signed headers is well under 2 KiB.
	maxAuthorizationLen = 16 << 10
	// maxSignedHeaders bounds the SignedHeaders list.
	maxSignedHeaders = 128
	// maxAccessKeyIDLen is AWS's bound on an access key id.
	maxAccessKeyIDLen = 128
	// maxPresignExpires is AWS's bound on X-Amz-Expires: 7 days.
	maxPresignExpires = 7 * 24 * 60 * 60
)

// Presigned URL query parameters.
const (
	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qExpires       = "X-Amz-Expires"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
)

// requestAuth is what a request says about its signature, from either form.
type requestAuth struct {
	accessKeyID           string
	date, region, service string // credential scope
	signedHeaders         string // ';'-separated, lower case, strictly ascending, includes "host"
	signature             [32]byte
	signatureHex          string
	amzDate               string    // signing time as in the string to sign
	time                  time.Time // the same, parsed
	presigned             bool
	expires               time.Duration // presigned only
	query                 []queryParam  // decoded query, X-Amz-Signature excluded
}

// queryParam is one decoded query parameter.
type queryParam struct{ key, value string }

// parseRequestAuth finds and parses the request's SigV4 authentication: exactly one of an
// Authorization header and a presigned query.
func parseRequestAuth(r *http.Request) (*requestAuth, error) {
	query, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	authz := r.Header["Authorization"]
	presigned := false
	for _, p := range query {
		switch p.key {
		case qAlgorithm, qCredential, qSignature:
			presigned = true
		}
	}
	switch {
	case len(authz) == 0 && !presigned:
		return nil, ErrMissingAuth
	case len(authz) > 0 && presigned:
		return nil, errMalformed("both an Authorization header and a presigned query")
	case len(authz) > 1:
		return nil, errMalformed("more than one Authorization header")
	case presigned:
		return parsePresigned(query)
	}
	a, err := parseAuthorization(authz[0])
	if err != nil {
		return nil, err
	}
	a.query = query
	if err := a.headerTime(r.Header); err != nil {
		return nil, err
	}
	return a, nil
}

// parseAuthorization parses
//
//	AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=<64 hex>
//
// strictly: each of the three components exactly once, in any order, nothing else.
func parseAuthorization(h string) (*requestAuth, error) {
	if len(h) > maxAuthorizationLen {
		return nil, errMalformed("Authorization header too long")
	}
	rest, ok := strings.CutPrefix(h, sigv4Algorithm+" ")
	if !ok {
		return nil, errMalformed("unsupported authorization algorithm")
	}
	var cred, signed, sig string
	var seen [3]bool
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.Trim(part, " "), "=")
		if !ok {
			return nil, errMalformed("Authorization component without '='")
		}
		var i int
		switch k {
		case "Credential":
			i, cred = 0, v
		case "SignedHeaders":
			i, signed = 1, v
		case "Signature":
			i, sig = 2, v
		default:
			return nil, errMalformed("unknown Authorization component")
		}
		if seen[i] {
			return nil, errMalformed("repeated Authorization component")
		}
		seen[i] = true
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return nil, errMalformed("Authorization lacks Credential, SignedHeaders or Signature")
	}
	a := &requestAuth{}
	if err := a.parseCredential(cred); err != nil {
		return nil, err
	}
	if err := a.parseSignedHeaders(signed); err != nil {
		return nil, err
	}
	if err := a.parseSignature(sig); err != nil {
		return nil, err
	}
	return a, nil
}

// parsePresigned reads the X-Amz-* parameters of a presigned URL; each must appear once.
func parsePresigned(query []queryParam) (*requestAuth, error) {
	var vals [6]string
	var seen [6]bool
	names := [6]string{qAlgorithm, qCredential, qDate, qExpires, qSignedHeaders, qSignature}
	kept := query[:0:0]
	for _, p := range query {
		i := indexOf(names[:], p.key)
		if i < 0 {
			kept = append(kept, p)
			continue
		}
		if seen[i] {
			return nil, errMalformed("repeated presign parameter " + p.key)
		}
		seen[i], vals[i] = true, p.value
		if p.key != qSignature {
			kept = append(kept, p)
		}
	}
	for i, ok := range seen {
		if !ok {
			return nil, errMalformed("presigned URL lacks " + names[i])
		}
	}
	if vals[0] != sigv4Algorithm {
		return nil, errMalformed("unsupported X-Amz-Algorithm")
	}
	a := &requestAuth{presigned: true, query: kept}
	if err := a.parseCredential(vals[1]); err != nil {
		return nil, err
	}
	if err := a.parseAmzDate(vals[2]); err != nil {
		return nil, err
	}
	n, err := strconv.ParseUint(vals[3], 10, 32)
	if err != nil || n == 0 || n > maxPresignExpires || vals[3][0] == '0' {
		return nil, errMalformed("X-Amz-Expires must be 1 to 604800 seconds")
	}
	a.expires = time.Duration(n) * time.Second
	if err := a.parseSignedHeaders(vals[4]); err != nil {
		return nil, err
	}
	if err := a.parseSignature(vals[5]); err != nil {
		return nil, err
	}
	return a, nil
}

// parseCredential parses AKID/yyyymmdd/region/service/aws4_request.
func (a *requestAuth) parseCredential(c string) error {
	var parts [5]string
	rest := c
	for i := range parts {
		var ok bool
		parts[i], rest, ok = strings.Cut(rest, "/")
		if ok != (i < 4) {
			return errMalformed("credential must be AKID/date/region/service/aws4_request")
		}
	}
	if parts[4] != "aws4_request" {
		return errMalformed("credential must be AKID/date/region/service/aws4_request")
	}
	id := parts[0]
	if id == "" || len(id) > maxAccessKeyIDLen || !isAlnum(id) {
		return errMalformed("invalid access key id")
	}
	if len(parts[1]) != 8 || !isDigits(parts[1]) {
		return errMalformed("invalid credential date")
	}
	if !isScopeToken(parts[2]) || !isScopeToken(parts[3]) {
		return errMalformed("invalid credential region or service")
	}
	a.accessKeyID, a.date, a.region, a.service = id, parts[1], parts[2], parts[3]
	return nil
}

// parseSignedHeaders parses "host;x-amz-date": lower-case names, strictly ascending, with host.
func (a *requestAuth) parseSignedHeaders(s string) error {
	if strings.Count(s, ";") >= maxSignedHeaders {
		return errMalformed("too many signed headers")
	}
	host, prev := false, ""
	for n := range strings.SplitSeq(s, ";") {
		if !isHeaderToken(n) {
			return errMalformed("invalid signed header name")
		}
		if prev != "" && prev >= n {
			return errMalformed("signed headers must be sorted and unique")
		}
		host = host || n == "host"
		prev = n
	}
	if !host {
		return errMalformed("the host header must be signed")
	}
	a.signedHeaders = s
	return nil
}

// parseSignature takes the 64 lower-case hex digits AWS sends, nothing else, so that one
// signature has one spelling.
func (a *requestAuth) parseSignature(s string) error {
	if !isLowerHex(s, 64) {
		return errMalformed("signature must be 64 lower-case hex digits")
	}
	_, _ = hex.Decode(a.signature[:], []byte(s))
	a.signatureHex = s
	return nil
}

// parseAmzDate parses an ISO 8601 basic timestamp, whose day must be the credential's.
func (a *requestAuth) parseAmzDate(s string) error {
	t, err := time.Parse(amzDateFormat, s)
	if err != nil || len(s) != len(amzDateFormat) {
		return errMalformed("invalid X-Amz-Date")
	}
	a.amzDate, a.time = s, t
	if s[:8] != a.date {
		return errMalformed("credential date is not the X-Amz-Date day")
	}
	return nil
}

// headerTime finds the signing time of a header-signed request: X-Amz-Date, else Date (RFC
// 7231). Whichever is used must be signed.
func (a *requestAuth) headerTime(h http.Header) error {
	if v, ok := singleHeader(h, "X-Amz-Date"); ok {
		if !a.signs("x-amz-date") {
			return errMalformed("x-amz-date must be signed")
		}
		return a.parseAmzDate(v)
	}
	v, ok := singleHeader(h, "Date")
	if !ok {
		return errMalformed("missing X-Amz-Date")
	}
	if !a.signs("date") {
		return errMalformed("date must be signed")
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return errMalformed("invalid Date")
	}
	return a.parseAmzDate(t.UTC().Format(amzDateFormat))
}

func (a *requestAuth) signs(name string) bool {
	for n := range strings.SplitSeq(a.signedHeaders, ";") {
		if n == name {
			return true
		}
	}
	return false
}

// parseQuery decodes a raw query into its parameters in order. Empty segments are skipped and a
// key without '=' has an empty value, as url.ParseQuery has it; a bad escape is malformed.
func parseQuery(raw string) ([]queryParam, error) {
	var out []queryParam
	for seg := range strings.SplitSeq(raw, "&") {
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			return nil, errMalformed("bad escape in query")
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			return nil, errMalformed("bad escape in query")
		}
		out = append(out, queryParam{dk, dv})
	}
	return out, nil
}

// singleHeader returns a header's values joined with ',' (as the canonical form joins them) and
// whether the header is present. name must be in canonical MIME form.
func singleHeader(h http.Header, name string) (string, bool) {
	v := h[name]
	if len(v) == 0 {
		return "", false
	}
	return strings.Join(v, ","), true
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// isScopeToken accepts a region or service name: 1-64 of [a-z0-9-].
func isScopeToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && c != '-' {
			return false
		}
	}
	return true
}

// isHeaderToken accepts a lower-case HTTP header name (RFC 9110 token, no upper case).
func isHeaderToken(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func formatMinutes(d time.Duration) string {
	return strconv.FormatFloat(d.Minutes(), 'f', -1, 64)
}
