package s3

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxKeyLen is S3's limit on an object key, in bytes.
const maxKeyLen = 1024

// handlePutObject is PutObject: seal the body under the object's keys and commit it.
func handlePutObject(ctx context.Context, s *Server, c *s3Call) error {
	ctx, err := s.writeConditions(ctx, c.bucket, c.key, c.r.Header)
	if err != nil {
		return err
	}
	bucket, _ := s.svc.Bucket(c.bucket)
	if err := checkKey(c.key); err != nil {
		return err
	}
	if err := checkPutSize(c.r); err != nil {
		return err
	}
	if err := refuseTagging(c.r.Header); err != nil {
		return err
	}
	q, err := parseSSEHeaders(c.r.Header, "")
	if err != nil {
		return err
	}
	defer q.clear()
	keys, sse, err := s.newObjectKeys(ctx, bucket, c.key, q, s.tlsOK(c.r))
	if err != nil {
		return err
	}
	defer keys.clear()
	m := objectMeta{SSE: sse, LastModified: time.Now().UTC().Truncate(time.Second)}
	requestAttrs(c.r.Header, &m)
	if err := s.storeObject(ctx, c.bucket, c.key, keys, &m, c.body, c.r.Header.Get("Content-Md5")); err != nil {
		return err
	}
	h := c.w.Header()
	h.Set("ETag", m.ETag)
	setChecksumHeaders(h, m.Checksum)
	s.sseResponseHeaders(h, &m.SSE, q)
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// storeObject seals body as a single-part object bound to bucket/key and commits it with m
// (whose sizes, ETag and MAC it fills in). Nothing becomes visible unless the whole body passed its checks.
func (s *Server) storeObject(ctx context.Context, bucket, key string, keys objectKeys, m *objectMeta, body io.Reader, contentMD5 string) error {
	p, err := s.store.Create(ctx, bucket, key)
	if err != nil {
		return err
	}
	defer p.Abort()
	limited := &io.LimitedReader{R: body, N: maxPutSize + 1}
	bind := objectBinding{Bucket: bucket, Key: key}
	part, sum, err := sealPart(p, keys, bind, m.SSE.Algorithm == ssePlain, 0, limited)
	if err != nil {
		return err
	}
	if limited.N <= 0 {
		return s3Err(errEntityTooLarge, "Your proposed upload exceeds the maximum allowed size")
	}
	if err := checkContentMD5(contentMD5, sum); err != nil {
		return err
	}
	m.Size, m.ETag, m.Parts = part.Size, quotedHex(sum), []partMeta{part}
	if cs := bodyChecksum(body); cs != nil {
		m.Checksum = cs
	}
	if err := s.sealMeta(ctx, m, keys, bind); err != nil {
		return err
	}
	if err := writeMeta(p, m); err != nil {
		return err
	}
	return p.Commit(ctx)
}

func checkContentMD5(header string, sum []byte) error {
	if header == "" {
		return nil
	}
	want, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(want) != md5.Size {
		return s3Err(errInvalidDigest, "The Content-MD5 you specified was invalid.")
	}
	if !hmac.Equal(want, sum) {
		return s3Err(errBadDigestMD5, "The Content-MD5 you specified did not match what we received.")
	}
	return nil
}

func checkKey(key string) error {
	if len(key) > maxKeyLen {
		return s3Err(errInvalidArgument, "Your key is too long")
	}
	return nil
}

func checkPutSize(r *http.Request) error {
	n := r.ContentLength
	if v := r.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
		n, _ = strconv.ParseInt(v, 10, 64)
	}
	if n > maxPutSize {
		return s3Err(errEntityTooLarge, "Your proposed upload exceeds the maximum allowed size")
	}
	return nil
}

// storedHeaders are the request headers S3 keeps and returns with the object.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// requestAttrs copies the object attributes of a write request into m.
func requestAttrs(h http.Header, m *objectMeta) {
	m.ContentType = h.Get("Content-Type")
	if m.ContentType == "" {
		m.ContentType = "binary/octet-stream"
	}
	m.Headers, m.UserMeta = nil, nil
	for _, name := range storedHeaders {
		v := h.Get(name)
		if name == "Content-Encoding" {
			v = objectContentEncoding(v) // aws-chunked is the upload's framing
		}
		if v != "" {
			if m.Headers == nil {
				m.Headers = map[string]string{}
			}
			m.Headers[name] = v
		}
	}
	for name, vs := range h {
		if suffix, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-meta-"); ok && len(vs) > 0 {
			if m.UserMeta == nil {
				m.UserMeta = map[string]string{}
			}
			m.UserMeta[suffix] = strings.Join(vs, ",")
		}
	}
}

// tlsOK reports whether SSE-C keys may travel on this request.
func (s *Server) tlsOK(r *http.Request) bool { return r.TLS != nil || s.opts.AllowSSECOverHTTP }
