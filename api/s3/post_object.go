package s3

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// POST Object: a browser upload, an HTML form (multipart/form-data) posted to the bucket whose
// fields carry the key, the object's attributes, its SSE settings and a SigV4-signed policy
// (post_policy.go), followed by the file. The form is read as a stream: the fields before
// the file are bounded in number and size, the file goes straight into the same storage path as
// PutObject (sealed under the object's keys, committed only once it is complete and within the
// policy's content-length-range), and nothing after the file is read, as in S3.

const (
	maxPostFieldsSize = 64 << 10 // all fields before the file, together
	maxPostFields     = 256
)

var (
	errMalformedPOST        = errors.New("api: s3: malformed POST request")
	errMaxPostPreDataLength = errors.New("api: s3: POST fields too large")
)

// isPostForm reports whether a bucket POST is a browser upload form.
func isPostForm(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

type postResponse struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

// runPostObject is the whole pipeline of a POST Object: it authenticates by the form's signed
// policy instead of the request's signature.
func (s *Server) runPostObject(c *s3Call) error {
	_, params, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	boundary := params["boundary"]
	if boundary == "" {
		return s3Err(errMalformedPOST, "The body of your POST request is not well-formed multipart/form-data.")
	}
	mr := multipart.NewReader(io.LimitReader(c.r.Body, maxPutSize+2*maxPostFieldsSize), boundary)
	fields, file, err := readPostFields(mr)
	if err != nil {
		return err
	}
	if _, ok := fields["awsaccesskeyid"]; ok {
		return s3Err(errInvalidRequest, sigV2Message)
	}
	if v, ok := fields["bucket"]; ok && v != c.bucket {
		return policyErr("Policy Condition failed: [\"eq\", \"$bucket\", \"" + truncate(v) + "\"]")
	}
	fields["bucket"] = c.bucket
	auth := sigv4.PostPolicyAuth{Algorithm: fields["x-amz-algorithm"], Credential: fields["x-amz-credential"],
		Date: fields["x-amz-date"], Signature: fields["x-amz-signature"], Policy: fields["policy"],
		SecurityToken: fields["x-amz-security-token"]}
	if auth.Policy == "" && auth.Signature == "" && auth.Credential == "" {
		return s3Err(domain.ErrAccessDenied, "Access Denied")
	}
	for name, v := range map[string]string{"policy": auth.Policy, "x-amz-algorithm": auth.Algorithm, "x-amz-credential": auth.Credential,
		"x-amz-date": auth.Date, "x-amz-signature": auth.Signature} {
		if v == "" {
			return s3Err(errInvalidArgument, "Bucket POST must contain a field named '"+name+"'.  If it is specified, please check the order of the fields.")
		}
	}
	who, err := s.verify.VerifyPostPolicy(c.r.Context(), auth)
	if err != nil {
		return err
	}
	c.who = who
	policy, err := parsePostPolicy(auth.Policy)
	if err != nil {
		return err
	}
	now := time.Now()
	if s.opts.Now != nil {
		now = s.opts.Now()
	}
	if err := policy.check(fields, now); err != nil {
		return err
	}
	if file == nil {
		return s3Err(errInvalidArgument, "POST requires exactly one file upload per request.")
	}
	key, ok := fields["key"]
	if !ok {
		return s3Err(errInvalidArgument, "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.")
	}
	c.key = strings.ReplaceAll(key, "${filename}", file.FileName())
	if c.key == "" {
		return s3Err(errInvalidArgument, "User key must have a length greater than 0.")
	}
	if s.store == nil {
		return s3Err(errNotImplemented, "This keyhold node has no object store configured.")
	}
	ctx, cancel := context.WithTimeout(c.r.Context(), s3ObjectTimeout)
	defer cancel()
	ctx = pipeline.WithCaller(ctx, c.r, c.who, s.opts.Region, time.Now())
	if err := s.p.Charge(ctx, "s3", "PostObject"); err != nil {
		return err
	}
	if err := s.p.Authorize(ctx, c.who, "s3:PutObject"); err != nil {
		return err
	}
	if _, ok := s.svc.Bucket(c.bucket); !ok {
		return &domain.Error{Kind: domain.ErrNoSuchBucket, Msg: "The specified bucket does not exist"}
	}
	h := postHeaders(fields)
	// The handlers below read the object's attributes from the request headers.
	c.r = c.r.WithContext(c.r.Context())
	c.r.Header = h
	if err := checkS3Request(c); err != nil {
		return err
	}
	var body io.Reader = &lengthRangeReader{r: file, p: policy}
	if body, err = withHeaderChecksum(h, body); err != nil {
		return err
	}
	c.body = body
	w := c.w
	c.w = headersOnly{w} // PutObject's headers (ETag, SSE) go out with the POST's own status
	if err := handlePutObject(ctx, s, c); err != nil {
		return err
	}
	c.w = w
	return postAnswer(c, fields)
}

// readPostFields reads the form up to the file part, which it returns unread (nil when the form
// has none). Field names are case-insensitive, as in S3; a field may appear once.
func readPostFields(mr *multipart.Reader) (map[string]string, *multipart.Part, error) {
	fields := map[string]string{}
	budget := int64(maxPostFieldsSize)
	for range maxPostFields + 1 {
		part, err := mr.NextPart()
		if err == io.EOF {
			return fields, nil, nil
		}
		if err != nil {
			return nil, nil, s3Err(errMalformedPOST, "The body of your POST request is not well-formed multipart/form-data.")
		}
		name := strings.ToLower(part.FormName())
		if name == "" {
			return nil, nil, s3Err(errMalformedPOST, "The body of your POST request is not well-formed multipart/form-data.")
		}
		if name == "file" {
			return fields, part, nil
		}
		v, err := io.ReadAll(io.LimitReader(part, budget+1))
		if err != nil {
			return nil, nil, s3Err(errMalformedPOST, "The body of your POST request is not well-formed multipart/form-data.")
		}
		if budget -= int64(len(v)); budget < 0 {
			return nil, nil, s3Err(errMaxPostPreDataLength, "Your POST request fields preceeding the upload file was too large.")
		}
		if _, dup := fields[name]; dup {
			return nil, nil, s3Err(errInvalidArgument, "Form field "+truncate(name)+" appears more than once.")
		}
		fields[name] = string(v)
	}
	return nil, nil, s3Err(errMaxPostPreDataLength, "Your POST request fields preceeding the upload file was too large.")
}

// postHeaders turns the form fields that PutObject takes as headers into those headers.
func postHeaders(fields map[string]string) http.Header {
	h := http.Header{}
	for name, v := range fields {
		switch {
		case name == "acl":
			h.Set("X-Amz-Acl", v)
		case name == "tagging":
			h.Set("X-Amz-Tagging", v)
		case name == "content-type", name == "cache-control", name == "content-disposition", name == "content-encoding",
			name == "expires", name == "content-md5",
			strings.HasPrefix(name, "x-amz-") && !postAuthFields[name]:
			h.Set(name, v)
		}
	}
	return h
}

// postAuthFields are the form fields of the policy's authentication, not object attributes.
var postAuthFields = map[string]bool{"x-amz-algorithm": true, "x-amz-credential": true, "x-amz-date": true,
	"x-amz-signature": true, "x-amz-security-token": true}

// lengthRangeReader enforces the policy's content-length-range on the file as it streams: past
// the maximum it fails with EntityTooLarge, and at its end below the minimum with
// EntityTooSmall, so that nothing out of range is committed.
type lengthRangeReader struct {
	r io.Reader
	p *postPolicy
	n int64
}

func (l *lengthRangeReader) Read(b []byte) (int, error) {
	n, err := l.r.Read(b)
	l.n += int64(n)
	if l.p.hasRange && l.n > l.p.maxLen {
		return n, s3Err(errEntityTooLarge, "Your proposed upload exceeds the maximum allowed size")
	}
	if err == io.EOF && l.p.hasRange && l.n < l.p.minLen {
		return n, s3Err(errEntityTooSmall, "Your proposed upload is smaller than the minimum allowed size")
	}
	return n, err
}

// postAnswer sends what success_action_redirect or success_action_status ask for: a 303 to the
// redirect with bucket, key and etag appended, 200 or 201 (with a PostResponse document), or by
// default 204.
func postAnswer(c *s3Call, fields map[string]string) error {
	h := c.w.Header()
	etag := h.Get("ETag")
	location := "/" + c.bucket + "/" + url.PathEscape(c.key)
	h.Set("Location", location)
	redirect := fields["success_action_redirect"]
	if redirect == "" {
		redirect = fields["redirect"]
	}
	if u, err := url.Parse(redirect); redirect != "" && err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		q := u.Query()
		q.Set("bucket", c.bucket)
		q.Set("key", c.key)
		q.Set("etag", etag)
		u.RawQuery = q.Encode()
		h.Set("Location", u.String())
		c.w.WriteHeader(http.StatusSeeOther)
		return nil
	}
	switch fields["success_action_status"] {
	case "200":
		c.w.WriteHeader(http.StatusOK)
	case "201":
		return writeXML(c.w, http.StatusCreated, postResponse{Location: location, Bucket: c.bucket, Key: c.key, ETag: etag})
	default:
		c.w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// headersOnly lets a handler set response headers but not send them.
type headersOnly struct{ http.ResponseWriter }

func (headersOnly) WriteHeader(int)             {}
func (headersOnly) Write(b []byte) (int, error) { return len(b), nil }
