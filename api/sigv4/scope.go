package sigv4

import (
	"net/http"
	"strings"
)

// ScopeService returns the service named by the request's credential scope (the fourth
// component of Credential=AKID/date/region/service/aws4_request, from the Authorization
// header or a presigned query's X-Amz-Credential), or "" when the request carries none. It
// only routes: Verify checks the scope and the signature, so a request routed on a forged
// scope is refused by the service it reached.
func ScopeService(r *http.Request) string {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
		_, rest, ok := strings.Cut(h, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ = strings.Cut(rest, ",")
	} else if q := r.URL.Query().Get("X-Amz-Credential"); q != "" {
		cred = q
	}
	// AKID/date/region/service/aws4_request: the fourth of exactly five parts. Cut, not
	// Split, because every request is routed by it.
	rest := strings.TrimSpace(cred)
	var part [5]string
	for i := range part {
		var ok bool
		part[i], rest, ok = strings.Cut(rest, "/")
		if !ok {
			if i != len(part)-1 {
				return ""
			}
			return part[3]
		}
	}
	return "" // a sixth part
}
