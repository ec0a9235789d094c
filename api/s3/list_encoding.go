package s3

import (
	"net/url"
	"strings"
)

// listEncodingURL is a listing's encoding-type=url: every key, prefix, delimiter and marker in
// the response is URL-encoded, so that keys with characters XML 1.0 cannot carry survive.
type listEncodingURL bool

// listEncoding reads encoding-type: absent, or "url" (S3 knows no other).
func listEncoding(q url.Values) (listEncodingURL, error) {
	v, ok := q["encoding-type"]
	if !ok {
		return false, nil
	}
	if len(v) != 1 || !strings.EqualFold(v[0], "url") {
		return false, s3Err(errInvalidArgument, "Invalid Encoding Method specified in Request")
	}
	return true, nil
}

// apply encodes the listing's names in place.
func (e listEncodingURL) apply(res *listBucketResult) {
	if !e {
		return
	}
	res.EncodingType = "url"
	res.Prefix, res.Delimiter = s3URLEncode(res.Prefix), s3URLEncode(res.Delimiter)
	res.StartAfter, res.NextMarker = s3URLEncode(res.StartAfter), s3URLEncode(res.NextMarker)
	if res.Marker != nil {
		m := s3URLEncode(*res.Marker)
		res.Marker = &m
	}
	for i := range res.Contents {
		res.Contents[i].Key = s3URLEncode(res.Contents[i].Key)
	}
	for i := range res.CommonPrefixes {
		res.CommonPrefixes[i].Prefix = s3URLEncode(res.CommonPrefixes[i].Prefix)
	}
}

// applyVersions encodes a ListObjectVersions page's names in place.
func (e listEncodingURL) applyVersions(res *listVersionsResult) {
	if !e {
		return
	}
	res.EncodingType = "url"
	res.Prefix, res.Delimiter = s3URLEncode(res.Prefix), s3URLEncode(res.Delimiter)
	res.KeyMarker, res.NextKeyMarker = s3URLEncode(res.KeyMarker), s3URLEncode(res.NextKeyMarker)
	for i := range res.Versions {
		res.Versions[i].Key = s3URLEncode(res.Versions[i].Key)
	}
	for i := range res.CommonPrefixes {
		res.CommonPrefixes[i].Prefix = s3URLEncode(res.CommonPrefixes[i].Prefix)
	}
}

// s3URLEncode percent-encodes every byte but the unreserved characters and '/', as S3 encodes
// listed names (a space is %20, '+' is %2B).
func s3URLEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// skipCommonPrefix continues a delimited listing after a marker that is itself a common prefix
// (the NextMarker or continuation token of a page that ended on one) past every key it rolls up,
// so that the next page does not return that common prefix again.
func skipCommonPrefix(prefix, delim, after string) string {
	if delim == "" || !strings.HasPrefix(after, prefix) || !strings.HasSuffix(after, delim) {
		return after
	}
	if i := strings.Index(after[len(prefix):], delim); i >= 0 && len(prefix)+i+len(delim) == len(after) {
		return after + "\U0010FFFF"
	}
	return after
}

// listOwners adds each listed object's owner: always in ListObjects (v1), in ListObjectsV2
// only with fetch-owner=true. Every object belongs to its bucket's owner (owner enforced).
func (s *Server) listOwners(c *s3Call, res *listBucketResult, v2 bool) {
	if v2 && c.q.Get("fetch-owner") != "true" {
		return
	}
	owner := c.who.Principal
	if b, ok := s.svc.Bucket(c.bucket); ok && b.Owner != "" {
		owner = b.Owner
	}
	o := &s3Owner{ID: owner, DisplayName: owner}
	for i := range res.Contents {
		res.Contents[i].Owner = o
	}
}
