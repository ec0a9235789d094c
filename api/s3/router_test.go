package s3

import (
	"net/http"
	"net/url"
	"testing"
)

// TestRouter pins the operation (and whether keyhold serves it) of representative requests:
// subresources win over listings and object reads, headers turn PUTs into copies, and a
// request naming several subresources is routed the same way every time.
func TestRouter(t *testing.T) {
	copyHdr := http.Header{"X-Amz-Copy-Source": {"b/x"}}
	form := http.Header{"Content-Type": {"multipart/form-data; boundary=x"}}
	for _, tc := range []struct {
		method, bucket, key, query string
		h                          http.Header
		op                         string
		served                     bool
	}{
		{"GET", "", "", "", nil, "ListBuckets", true},
		{"PUT", "", "", "", nil, "Unknown", false},
		{"PUT", "b", "", "", nil, "CreateBucket", true},
		{"PUT", "b", "", "foo", nil, "Unknown", false},
		{"PUT", "b", "", "encryption", nil, "PutBucketEncryption", true},
		{"GET", "b", "", "", nil, "ListObjects", true},
		{"GET", "b", "", "list-type=2", nil, "ListObjectsV2", true},
		{"GET", "b", "", "uploads", nil, "ListMultipartUploads", true},
		{"GET", "b", "", "location", nil, "GetBucketLocation", true},
		{"GET", "b", "", "versions", nil, "ListObjectVersions", true},
		{"GET", "b", "", "cors", nil, "GetBucketCors", true},
		{"GET", "b", "", "versioning", nil, "GetBucketVersioning", true},
		{"DELETE", "b", "", "cors", nil, "DeleteBucketCors", true},
		{"PUT", "b", "", "cors", nil, "PutBucketCors", false},
		{"GET", "b", "", "acl", nil, "GetBucketAcl", true},
		{"HEAD", "b", "", "acl", nil, "BucketAcl", false},
		{"DELETE", "b", "", "", nil, "DeleteBucket", true},
		{"POST", "b", "", "delete", nil, "DeleteObjects", true},
		{"POST", "b", "", "", form, "PostObject", false},
		{"POST", "b", "", "", nil, "Unknown", false},
		{"PUT", "b", "k", "", nil, "PutObject", true},
		{"PUT", "b", "k", "", copyHdr, "CopyObject", true},
		{"PUT", "b", "k", "uploadId=1&partNumber=1", nil, "UploadPart", true},
		{"PUT", "b", "k", "uploadId=1&partNumber=1", copyHdr, "UploadPartCopy", true},
		{"PUT", "b", "k", "tagging", nil, "PutObjectTagging", false},
		{"GET", "b", "k", "", nil, "GetObject", true},
		{"GET", "b", "k", "x-id=GetObject", nil, "GetObject", true},
		{"GET", "b", "k", "attributes", nil, "GetObjectAttributes", true},
		{"GET", "b", "k", "retention", nil, "GetObjectRetention", true},
		{"GET", "b", "k", "select", nil, "GetSelectObjectContent", false},
		{"GET", "b", "k", "acl&tagging", nil, "GetObjectAcl", true},
		{"GET", "b", "k", "uploadId=1", nil, "ListParts", true},
		{"HEAD", "b", "k", "", nil, "HeadObject", true},
		{"DELETE", "b", "k", "uploadId=1", nil, "AbortMultipartUpload", true},
		{"DELETE", "b", "k", "tagging", nil, "DeleteObjectTagging", true},
		{"POST", "b", "k", "uploads", nil, "CreateMultipartUpload", true},
		{"POST", "b", "k", "uploadId=1", nil, "CompleteMultipartUpload", true},
		{"PATCH", "b", "k", "", nil, "Unknown", false},
	} {
		q, _ := url.ParseQuery(tc.query)
		h := tc.h
		if h == nil {
			h = http.Header{}
		}
		for range 3 { // map iteration must not change the answer
			op, handle := route(tc.method, tc.bucket, tc.key, q, h)
			if op != tc.op || (handle != nil) != tc.served {
				t.Errorf("%s /%s/%s?%s: got %s (served %v), want %s (served %v)", tc.method, tc.bucket, tc.key, tc.query, op, handle != nil, tc.op, tc.served)
				break
			}
		}
	}
}
