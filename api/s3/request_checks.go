package s3

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/keyhold/keyhold/domain"
)

// Checks S3 makes of any request before its operation runs, which keyhold must make too so
// that nothing a client asked for is dropped without a word.

var errACLWithOwnership = errors.New("api: s3: bucket ACL with owner-enforced ownership")

// hasSubresource reports whether a request's query names anything but the authentication of a
// presigned URL (X-Amz-*, and the x-amz-* headers presigners hoist into the query) and the
// SDKs' x-id: such a query selects another operation than the plain one on the path.
func hasSubresource(q url.Values) bool {
	for k := range q {
		if k == "x-id" || strings.HasPrefix(strings.ToLower(k), "x-amz-") {
			continue
		}
		return true
	}
	return false
}

// amzParam is an x-amz-* header of the request, or the same parameter in a presigned URL's
// query, where presigners put it.
func amzParam(c *s3Call, name string) (string, bool) {
	if vs, ok := c.r.Header[http.CanonicalHeaderKey(name)]; ok {
		return strings.Join(vs, ","), true
	}
	for k, vs := range c.q {
		if strings.EqualFold(k, name) {
			return strings.Join(vs, ","), true
		}
	}
	return "", false
}

// checkS3Request applies S3's request-wide checks: an empty Content-MD5 is InvalidDigest, and
// ACLs (canned or x-amz-grant-*) are refused on every write, as S3 refuses them on a bucket
// whose Object Ownership is BucketOwnerEnforced, which is what every keyhold bucket is.
func checkS3Request(c *s3Call) error {
	if vs, ok := c.r.Header["Content-Md5"]; ok && (len(vs) != 1 || strings.TrimSpace(vs[0]) == "") {
		return s3Err(errInvalidDigest, "The Content-MD5 you specified was invalid.")
	}
	switch c.op {
	case "PutObject", "PostObject", "CopyObject", "CreateMultipartUpload", "CreateBucket":
	default:
		return nil
	}
	if err := checkACLHeaders(c); err != nil {
		if c.op == "CreateBucket" {
			return s3Err(errACLWithOwnership, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
		}
		return err
	}
	return nil
}

// checkACLHeaders allows no ACL, or the canned ACLs that mean "the owner has full control".
func checkACLHeaders(c *s3Call) error {
	if v, ok := amzParam(c, "x-amz-acl"); ok && v != "private" && v != "bucket-owner-full-control" {
		return s3Err(errACLNotSupported, "The bucket does not allow ACLs")
	}
	for _, g := range []string{"x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp", "x-amz-grant-full-control"} {
		if _, ok := amzParam(c, g); ok {
			return s3Err(errACLNotSupported, "The bucket does not allow ACLs")
		}
	}
	return nil
}

// handlePutACL is PutBucketAcl and PutObjectAcl: an ACL that gives the owner full control and
// nobody anything is what the resource already has, so it succeeds; any other is refused.
func handlePutACL(ctx context.Context, s *Server, c *s3Call) error {
	if c.key != "" {
		if err := s.objectExists(ctx, c); err != nil {
			return err
		}
	}
	if err := checkACLHeaders(c); err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(c.body, maxXMLBody+1))
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(b))) > 0 {
		var acl accessControlPolicy
		if len(b) > maxXMLBody || xml.Unmarshal(b, &acl) != nil {
			return s3Err(errMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
		}
		for _, g := range acl.Grants {
			if g.Permission != "FULL_CONTROL" || g.Grantee.ID != c.who.Principal {
				return s3Err(errACLNotSupported, "The bucket does not allow ACLs")
			}
		}
	}
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// validBucketName is S3's bucket naming rules: domain's, and no label may begin or end with a
// hyphen next to a period ("foo.-bar", "foo-.bar").
func validBucketName(name string) bool {
	return domain.ValidBucketName(name) && !strings.Contains(name, ".-") && !strings.Contains(name, "-.")
}

// sigV2Message is what S3 answers a Signature Version 2 request in every region that takes only
// Signature Version 4.
const sigV2Message = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."

// refuseSigV2 refuses Signature Version 2 (an "AWS AKID:signature" Authorization header, or a
// presigned URL with AWSAccessKeyId and Signature) as S3 does, rather than calling it
// unauthenticated.
func refuseSigV2(r *http.Request) error {
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "AWS ") {
		return s3Err(errInvalidRequest, sigV2Message)
	}
	q := r.URL.Query()
	if q.Has("AWSAccessKeyId") && q.Has("Signature") {
		return s3Err(errInvalidRequest, sigV2Message)
	}
	return nil
}

// objectContentEncoding is the Content-Encoding kept with an object: the header as sent,
// without the aws-chunked framing of the upload itself.
func objectContentEncoding(v string) string {
	var kept []string
	for _, e := range strings.Split(v, ",") {
		if strings.TrimSpace(e) != "aws-chunked" && strings.TrimSpace(e) != "" {
			kept = append(kept, e)
		}
	}
	return strings.TrimSpace(strings.Join(kept, ","))
}
