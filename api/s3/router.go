package s3

import (
	"context"
	"net/http"
	"net/url"
	"sort"
)

// The S3 router: one table (s3Ops) from what a request names to its operation and handler. S3
// picks the operation from the method, whether the path names a bucket and a key, and the
// query: a subresource (?acl, ?tagging, ...) selects a configuration operation, a plain query
// parameter (?uploads, ?uploadId, ?delete) a multipart or batch one, and a header
// (x-amz-copy-source) turns a PUT into a copy. Rows are tried in order and the first match
// wins, so a more specific row comes before the general one it refines.

// level is how much of a resource the request path names.
type level int

const (
	service level = iota // no bucket: ListBuckets
	bucket               // a bucket, no key
	object               // a bucket and a key
)

// s3Op is one row of the router.
type s3Op struct {
	level  level
	method string
	// sub is the subresource the request must name (a key of bucketSubresources or
	// objectSubresources); "" matches only requests that name none, so a subresource request
	// is never taken for a listing or an object read.
	sub string
	// query, when set, is a parameter the request must carry.
	query string
	// when, when set, is a further condition on the query and headers.
	when func(q url.Values, h http.Header) bool
	// name is the operation; "" means the subresource's (Verb + its name, as S3 spells it).
	name string
	// handle serves it; nil is NotImplemented (runS3), except for PostObject, which
	// runPostObject serves with its own authentication.
	handle s3Handler
}

func copying(_ url.Values, h http.Header) bool       { return h.Get("X-Amz-Copy-Source") != "" }
func noSubresource(q url.Values, _ http.Header) bool { return !hasSubresource(q) }
func listV2(q url.Values, _ http.Header) bool        { return q.Get("list-type") == "2" }
func postForm(q url.Values, h http.Header) bool      { return isPostForm(h) && !hasSubresource(q) }

// noObjectLock is what an unversioned bucket without Object Lock answers a read of an object's
// retention or legal hold.
func noObjectLock(context.Context, *Server, *s3Call) error {
	return s3Err(errInvalidRequest, "Bucket is missing Object Lock Configuration")
}

// s3Ops is the router table. Configuration subresources keyhold answers as absent or empty
// are appended from absentConfig and emptyConfig (subresources.go) at init.
var s3Ops = []s3Op{
	{level: service, method: http.MethodGet, name: "ListBuckets", handle: handleListBuckets},

	// Buckets.
	{level: bucket, method: http.MethodPut, query: "encryption", name: "PutBucketEncryption", handle: handlePutBucketEncryption},
	{level: bucket, method: http.MethodPut, when: noSubresource, name: "CreateBucket", handle: handleCreateBucket},
	{level: bucket, method: http.MethodGet, query: "encryption", name: "GetBucketEncryption", handle: handleGetBucketEncryption},
	{level: bucket, method: http.MethodGet, query: "location", name: "GetBucketLocation", handle: handleGetBucketLocation},
	{level: bucket, method: http.MethodGet, query: "uploads", name: "ListMultipartUploads", handle: handleListMultipartUploads},
	{level: bucket, method: http.MethodGet, when: listV2, name: "ListObjectsV2", handle: handleListObjects},
	{level: bucket, method: http.MethodGet, name: "ListObjects", handle: handleListObjects},
	{level: bucket, method: http.MethodDelete, query: "encryption", name: "DeleteBucketEncryption", handle: handleDeleteBucketEncryption},
	{level: bucket, method: http.MethodDelete, when: noSubresource, name: "DeleteBucket", handle: handleDeleteBucket},
	{level: bucket, method: http.MethodHead, name: "HeadBucket", handle: handleHeadBucket},
	{level: bucket, method: http.MethodPost, query: "delete", name: "DeleteObjects", handle: handleDeleteObjects},
	{level: bucket, method: http.MethodPost, when: postForm, name: "PostObject"}, // runPostObject
	{level: bucket, method: http.MethodGet, sub: "versions", name: "ListObjectVersions", handle: handleListObjectVersions},
	{level: bucket, method: http.MethodGet, sub: "acl", handle: handleGetBucketACL},
	{level: bucket, method: http.MethodPut, sub: "policy", handle: handlePutBucketPolicy},
	{level: bucket, method: http.MethodGet, sub: "policy", handle: handleGetBucketPolicy},
	{level: bucket, method: http.MethodDelete, sub: "policy", handle: handleDeleteBucketPolicy},
	{level: bucket, method: http.MethodGet, sub: "policyStatus", handle: handleGetBucketPolicyStatus},
	{level: bucket, method: http.MethodGet, sub: "publicAccessBlock", handle: handleGetPublicAccessBlock},
	{level: bucket, method: http.MethodPut, sub: "publicAccessBlock", handle: handlePutPublicAccessBlock},
	{level: bucket, method: http.MethodGet, sub: "ownershipControls", handle: handleGetOwnershipControls},
	{level: bucket, method: http.MethodPut, sub: "ownershipControls", handle: handlePutOwnershipControls},
	{level: bucket, method: http.MethodPut, sub: "acl", handle: handlePutACL},

	// Objects.
	{level: object, method: http.MethodPut, query: "uploadId", when: copying, name: "UploadPartCopy", handle: handleUploadPart},
	{level: object, method: http.MethodPut, query: "uploadId", name: "UploadPart", handle: handleUploadPart},
	{level: object, method: http.MethodPut, when: copying, name: "CopyObject", handle: handleCopyObject},
	{level: object, method: http.MethodPut, when: noSubresource, name: "PutObject", handle: handlePutObject},
	{level: object, method: http.MethodGet, query: "uploadId", name: "ListParts", handle: handleListParts},
	{level: object, method: http.MethodGet, name: "GetObject", handle: handleGetObject},
	{level: object, method: http.MethodHead, name: "HeadObject", handle: handleGetObject},
	{level: object, method: http.MethodDelete, query: "uploadId", name: "AbortMultipartUpload", handle: handleAbortMultipartUpload},
	{level: object, method: http.MethodDelete, name: "DeleteObject", handle: handleDeleteObject},
	{level: object, method: http.MethodPost, query: "uploads", name: "CreateMultipartUpload", handle: handleCreateMultipartUpload},
	{level: object, method: http.MethodPost, query: "uploadId", name: "CompleteMultipartUpload", handle: handleCompleteMultipartUpload},
	{level: object, method: http.MethodGet, sub: "attributes", handle: handleGetObjectAttributes},
	{level: object, method: http.MethodPut, sub: "acl", handle: handlePutACL},
	{level: object, method: http.MethodGet, sub: "acl", handle: handleGetObjectACL},
	{level: object, method: http.MethodGet, sub: "tagging", handle: handleGetObjectTagging},
	{level: object, method: http.MethodDelete, sub: "tagging", handle: handleDeleteObjectTagging},
	{level: object, method: http.MethodGet, sub: "retention", handle: noObjectLock},
	{level: object, method: http.MethodGet, sub: "legal-hold", handle: noObjectLock},
}

func init() {
	// Bucket configuration keyhold never holds: a GET answers what S3 answers when none is
	// set (an error, or the empty document), a DELETE succeeds (there is nothing to delete).
	for _, name := range sortedKeys(absentConfig) {
		err := absentConfig[name]
		s3Ops = append(s3Ops,
			s3Op{level: bucket, method: http.MethodGet, sub: name, handle: func(context.Context, *Server, *s3Call) error { return err }},
			s3Op{level: bucket, method: http.MethodDelete, sub: name, handle: func(_ context.Context, _ *Server, c *s3Call) error {
				c.w.WriteHeader(http.StatusNoContent)
				return nil
			}})
	}
	for _, name := range sortedKeys(emptyConfig) {
		doc := emptyConfig[name]
		doc.Xmlns = s3Namespace
		s3Ops = append(s3Ops, s3Op{level: bucket, method: http.MethodGet, sub: name,
			handle: func(_ context.Context, _ *Server, c *s3Call) error { return writeXML(c.w, http.StatusOK, doc) }})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// route picks the operation of a request and its handler: "Unknown" and nil when nothing
// matches. A request naming a subresource no row serves gets the subresource's operation
// name and a nil handler, so it is answered NotImplemented under its own name.
func route(method, bucketName, key string, q url.Values, h http.Header) (string, s3Handler) {
	lv := object
	switch {
	case bucketName == "":
		lv = service
	case key == "":
		lv = bucket
	}
	sub := subresourceOf(lv, q)
	for _, op := range s3Ops {
		if op.level != lv || op.method != method || op.sub != sub {
			continue
		}
		if _, ok := q[op.query]; op.query != "" && !ok {
			continue
		}
		if op.when != nil && !op.when(q, h) {
			continue
		}
		if op.name == "" {
			return subresourceOp(method, lv, sub), op.handle
		}
		return op.name, op.handle
	}
	if sub != "" {
		return subresourceOp(method, lv, sub), nil
	}
	return "Unknown", nil
}

// subresourceOf returns the subresource a bucket or object request names, "" if none. A
// request naming several gets the first in sorted order, so the choice does not depend on map
// iteration.
func subresourceOf(lv level, q url.Values) string {
	table := bucketSubresources
	switch lv {
	case service:
		return ""
	case object:
		table = objectSubresources
	}
	best := ""
	for k := range q {
		if _, ok := table[k]; ok && (best == "" || k < best) {
			best = k
		}
	}
	return best
}

// subresourceOp names a subresource operation as S3 does: the verb, then the subresource's
// name (GetBucketCors, PutObjectAcl). HEAD has no verb: its name is the bare subresource.
func subresourceOp(method string, lv level, sub string) string {
	table := bucketSubresources
	if lv == object {
		table = objectSubresources
	}
	verb := map[string]string{http.MethodGet: "Get", http.MethodPut: "Put", http.MethodDelete: "Delete", http.MethodPost: "Post"}[method]
	return verb + table[sub]
}
