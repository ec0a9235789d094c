package s3

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/objstore"
	"github.com/keyhold/keyhold/domain"
)

type copyObjectResult struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	Xmlns        string   `xml:"xmlns,attr"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

// copySource parses x-amz-copy-source ("bucket/key" or "/bucket/key", URL-encoded, with an
// optional ?versionId).
func copySource(h http.Header) (bucket, key string, err error) {
	v := h.Get("X-Amz-Copy-Source")
	v, query, _ := strings.Cut(v, "?")
	if q, err := url.ParseQuery(query); err != nil || checkVersionID(q) != nil {
		return "", "", s3Err(errInvalidArgument, "Invalid version id specified")
	}
	v, err = url.PathUnescape(strings.TrimPrefix(v, "/"))
	if err != nil {
		return "", "", s3Err(errInvalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	bucket, key, ok := strings.Cut(v, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", s3Err(errInvalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	return bucket, key, nil
}

// openCopySource opens the source object and a reader of its plaintext [start, end) (end < 0:
// to the end); the caller closes both.
func (s *Server) openCopySource(ctx context.Context, c *s3Call, start, end int64) (objstore.StoredObject, *objectMeta, io.ReadCloser, error) {
	sb, sk, err := copySource(c.r.Header)
	if err != nil {
		return nil, nil, nil, err
	}
	// A copy reads its source: the caller needs s3:GetObject on it as well as s3:PutObject
	// on the target (authorized with the request).
	if err := s.authorizeObject(ctx, "s3:GetObject", sb, sk); err != nil {
		return nil, nil, nil, err
	}
	if _, ok := s.svc.Bucket(sb); !ok {
		return nil, nil, nil, &domain.Error{Kind: domain.ErrNoSuchBucket, Msg: "The specified bucket does not exist"}
	}
	obj, m, err := s.openObject(ctx, sb, sk)
	if err != nil {
		s.noteIntegrity(c, sb, sk, err)
		return nil, nil, nil, err
	}
	q, err := parseSSEHeaders(c.r.Header, "Copy-Source-")
	if err != nil {
		obj.Close()
		return nil, nil, nil, err
	}
	defer q.clear()
	bind := objectBinding{Bucket: sb, Key: sk, UploadID: m.UploadID}
	keys, err := s.openObjectKeys(ctx, &m.SSE, q, bind)
	if err != nil {
		obj.Close()
		s.noteIntegrity(c, sb, sk, err)
		return nil, nil, nil, err
	}
	defer keys.clear()
	if err := s.verifyMeta(ctx, m, keys, bind); err != nil {
		obj.Close()
		s.noteIntegrity(c, sb, sk, err)
		return nil, nil, nil, err
	}
	if end < 0 {
		end = m.Size
	}
	if start > end || end > m.Size {
		obj.Close()
		return nil, nil, nil, s3Err(errInvalidRange, "The requested range is not satisfiable")
	}
	// plainRange reads in the background; it needs its own copy of the keys.
	own := make(objectKeys, len(keys))
	for i, k := range keys {
		own[i] = append([]byte(nil), k...)
	}
	pr := plainRange(ctx, obj, m, own, bind, start, end)
	return obj, m, &keysClosingReader{pr, own}, nil
}

type keysClosingReader struct {
	io.ReadCloser
	keys objectKeys
}

func (r *keysClosingReader) Close() error {
	err := r.ReadCloser.Close()
	r.keys.clear()
	return err
}

// handleCopyObject is CopyObject: decrypt the source, encrypt under the destination's keys.
// As in S3, the copy's encryption comes from the request or the destination bucket's default,
// not from the source.
func handleCopyObject(ctx context.Context, s *Server, c *s3Call) error {
	ctx, err := s.writeConditions(ctx, c.bucket, c.key, c.r.Header)
	if err != nil {
		return err
	}
	if err := drain(c.body); err != nil {
		return err
	}
	if err := checkKey(c.key); err != nil {
		return err
	}
	sb, sk, err := copySource(c.r.Header)
	if err != nil {
		return err
	}
	replace := strings.EqualFold(c.r.Header.Get("X-Amz-Metadata-Directive"), "REPLACE")
	if strings.EqualFold(c.r.Header.Get("X-Amz-Tagging-Directive"), "REPLACE") {
		if err := refuseTagging(c.r.Header); err != nil {
			return err
		}
	}
	q, err := parseSSEHeaders(c.r.Header, "")
	if err != nil {
		return err
	}
	defer q.clear()
	if sb == c.bucket && sk == c.key && !replace && q.alg == "" {
		return s3Err(errInvalidRequest, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	obj, src, body, err := s.openCopySource(ctx, c, 0, -1)
	if err != nil {
		return err
	}
	defer obj.Close()
	defer body.Close()
	bucket, _ := s.svc.Bucket(c.bucket)
	keys, sse, err := s.newObjectKeys(ctx, bucket, c.key, q, s.tlsOK(c.r))
	if err != nil {
		return err
	}
	defer keys.clear()
	// The copy has the same bytes, so the source's whole-object checksum holds for it too.
	m := objectMeta{SSE: sse, LastModified: time.Now().UTC().Truncate(time.Second),
		ContentType: src.ContentType, Headers: src.Headers, UserMeta: src.UserMeta, Checksum: src.Checksum}
	if replace {
		requestAttrs(c.r.Header, &m)
	}
	if err := s.storeObject(ctx, c.bucket, c.key, keys, &m, body, ""); err != nil {
		// The source is decrypted as it is read: a source segment that fails shows up here.
		s.noteIntegrity(c, sb, sk, err)
		return err
	}
	s.sseResponseHeaders(c.w.Header(), &m.SSE, q)
	return writeXML(c.w, http.StatusOK, copyObjectResult{Xmlns: s3Namespace, ETag: m.ETag, LastModified: s3Time(m.LastModified)})
}
