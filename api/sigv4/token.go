package sigv4

import "net/http"

// sessionToken returns the request's X-Amz-Security-Token: the query parameter of a presigned
// URL, else the header. Either is covered by the signature: the query is part of the
// canonical request, and checkSignedHeaders refuses an x-amz-* header that is not signed.
func sessionToken(r *http.Request, a *requestAuth) string {
	if a.presigned {
		for _, p := range a.query {
			if p.key == "X-Amz-Security-Token" {
				return p.value
			}
		}
		return ""
	}
	return r.Header.Get("X-Amz-Security-Token")
}
