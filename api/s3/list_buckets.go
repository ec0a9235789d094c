package s3

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/keyhold/keyhold/domain"
)

// maxBucketsPage is S3's bound on ListBuckets' max-buckets.
const maxBucketsPage = 10000

// pageBuckets fills res with the page of buckets ListBuckets' prefix, continuation-token and
// max-buckets select (buckets sorted by name). Without max-buckets every bucket is listed, as in
// S3; the continuation token is the last listed name, base64url.
func pageBuckets(q url.Values, buckets []*domain.Bucket, res *listAllMyBucketsResult) error {
	limit := -1
	if v, ok := q["max-buckets"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > maxBucketsPage {
			return s3Err(errInvalidArgument, "Argument max-buckets must be an integer between 1 and 10000.")
		}
		limit = n
	}
	after := ""
	if v, ok := q["continuation-token"]; ok {
		raw, err := base64.RawURLEncoding.DecodeString(v[0])
		if err != nil || v[0] == "" {
			return s3Err(errInvalidArgument, "The continuation token provided is incorrect")
		}
		after = string(raw)
	}
	prefix := q.Get("prefix")
	res.Prefix = prefix
	for _, b := range buckets {
		if !strings.HasPrefix(b.Name, prefix) || b.Name <= after {
			continue
		}
		if limit >= 0 && len(res.Buckets) == limit {
			res.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(res.Buckets[limit-1].Name))
			break
		}
		res.Buckets = append(res.Buckets, bucketInfo{Name: b.Name, CreationDate: s3Time(b.CreatedAt)})
	}
	return nil
}
