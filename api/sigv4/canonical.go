package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
)

// canonicalRequest builds SigV4's canonical request:
//
//	METHOD \n canonical URI \n canonical query \n name:value\n ... \n signed;headers \n payload hash
//
// The URI is the path as the client sent it: S3 clients sign it as is (an object key such as
// "a//b/../c" names that exact object), other services' clients URI-encode it once more (the
// "double encoding" of the SigV4 spec). Neither is dot-segment normalised, matching the AWS SDKs.
func canonicalRequest(b []byte, r *http.Request, a *requestAuth, service, payload string) []byte {
	b = append(b, r.Method...)
	b = append(b, '\n')

	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	if service == "s3" {
		b = append(b, path...)
	} else {
		b = appendURIEncode(b, path, false)
	}
	b = append(b, '\n')

	b = appendCanonicalQuery(b, a.query)
	b = append(b, '\n')

	for name := range strings.SplitSeq(a.signedHeaders, ";") {
		b = append(b, name...)
		b = append(b, ':')
		b = appendHeaderValue(b, r, name)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, a.signedHeaders...)
	b = append(b, '\n')
	b = append(b, payload...)
	return b
}

// stringToSign is AWS4-HMAC-SHA256 \n time \n scope \n hex(sha256(canonical request)).
// It appends to dst, which a caller may give stack room.
func stringToSign(dst, canonical []byte, amzDate, scope string) []byte {
	sum := sha256.Sum256(canonical)
	b := append(dst, sigv4Algorithm...)
	b = append(b, '\n')
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = append(b, scope...)
	b = append(b, '\n')
	return hex.AppendEncode(b, sum[:])
}

// appendCanonicalQuery encodes every name and value, then sorts by encoded name and value: the
// spec sorts after encoding, and the two orders differ ("a-b" < "a/b" but "a%2Fb" < "a-b").
func appendCanonicalQuery(b []byte, query []queryParam) []byte {
	if len(query) == 0 {
		return b
	}
	enc := make([]queryParam, len(query))
	for i, p := range query {
		enc[i] = queryParam{
			string(appendURIEncode(nil, p.key, true)),
			string(appendURIEncode(nil, p.value, true)),
		}
	}
	slices.SortFunc(enc, func(x, y queryParam) int {
		if c := strings.Compare(x.key, y.key); c != 0 {
			return c
		}
		return strings.Compare(x.value, y.value)
	})
	for i, p := range enc {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		b = append(b, '=')
		b = append(b, p.value...)
	}
	return b
}

// appendHeaderValue appends a signed header's canonical value: every value of the header, each
// trimmed and with runs of spaces collapsed to one (as the AWS SDKs do), joined with ','. Go
// moves Host, and for client-built requests Content-Length and Transfer-Encoding, out of the
// header map, so those come from the request fields. A signed header the request lacks is
// empty, and the signature will not match unless the client signed it empty too.
func appendHeaderValue(b []byte, r *http.Request, name string) []byte {
	var values []string
	switch name {
	case "host":
		h := r.Host
		if h == "" {
			h = r.URL.Host
		}
		return appendTrimmed(b, h)
	case "content-length":
		values = r.Header.Values("Content-Length")
		if len(values) == 0 && r.ContentLength >= 0 {
			return strconv.AppendInt(b, r.ContentLength, 10)
		}
	case "transfer-encoding":
		values = r.Header.Values("Transfer-Encoding")
		if len(values) == 0 {
			values = r.TransferEncoding
		}
	default:
		values = headerValues(r.Header, name)
	}
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTrimmed(b, v)
	}
	return b
}

// headerValues looks up a lower-case header name in its canonical MIME form (the form
// net/http stores), falling back to the name as given. The canonical key is built on the stack:
// this runs for every signed header of every request.
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) > len(buf) {
		if v := h[textproto.CanonicalMIMEHeaderKey(name)]; v != nil {
			return v
		}
		return h[name]
	}
	k := buf[:len(name)]
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		k[i] = c
		upper = c == '-'
	}
	if v := h[string(k)]; v != nil {
		return v
	}
	return h[name]
}

// appendTrimmed appends v without leading or trailing white space and with every run of spaces
// inside it written as one space.
func appendTrimmed(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	return b
}

// appendURIEncode percent-encodes every byte but A-Z a-z 0-9 - . _ ~ (and '/' unless
// encodeSlash), with upper-case hex: SigV4's UriEncode.
func appendURIEncode(b []byte, s string, encodeSlash bool) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (c == '/' && !encodeSlash) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
	}
	return b
}

func isUnreserved(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
