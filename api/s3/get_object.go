package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// handleGetObject is GetObject and HeadObject: conditions, range, then the decrypted bytes.
func handleGetObject(ctx context.Context, s *Server, c *s3Call) (err error) {
	defer func() { s.noteIntegrity(c, c.bucket, c.key, err) }()
	if err := checkVersionID(c.q); err != nil {
		return err
	}
	v, err := s.openVerified(ctx, c)
	if err != nil {
		return err
	}
	defer v.close()
	obj, m, keys, q, bind := v.obj, v.m, v.keys, v.q, v.bind
	if err := checkConditions(c.r.Header, m); err != nil {
		if errors.Is(err, errNotModified) {
			c.w.Header().Set("ETag", m.ETag)
		}
		return err
	}
	var start, end int64
	var partial bool
	var part *partMeta
	if pn, ok := c.q["partNumber"]; ok {
		if c.r.Header.Get("Range") != "" {
			return s3Err(errInvalidRequest, "Cannot specify both Range header and partNumber query parameter")
		}
		if start, end, part, err = partRange(m, pn[0]); err != nil {
			return err
		}
		partial = end > start // an empty object's part 1 is the whole (empty) object
	} else if start, end, partial, err = parseRange(c.r.Header.Get("Range"), m.Size); err != nil {
		c.w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", m.Size))
		return err
	}
	h := c.w.Header()
	objectHeaders(h, m)
	for param, name := range responseOverrides {
		if v := c.q.Get(param); v != "" {
			h.Set(name, v)
		}
	}
	s.sseResponseHeaders(h, &m.SSE, q)
	h.Set("Content-Length", strconv.FormatInt(end-start, 10))
	status := http.StatusOK
	if checksumMode(c.r.Header) && m.Checksum != nil {
		// As S3: the whole object's checksum, never with a range; a part of a multipart
		// upload that named an algorithm gets that part's own checksum.
		switch {
		case part != nil && part.Number != 0 && part.Checksum != "":
			h.Set(m.Checksum.Name, part.Checksum)
		case part != nil && part.Number == 0, !partial:
			setChecksumHeaders(h, m.Checksum)
		}
	}
	if partial {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end-1, m.Size))
		status = http.StatusPartialContent
	}
	if c.r.Method == http.MethodHead {
		c.w.WriteHeader(status)
		return nil
	}
	// The status goes out with the first body byte, and every segment is authenticated before
	// its bytes are written, so an object that fails in its first segment still gets an
	// error response instead of a cut-off body.
	out := &statusOnWrite{w: c.w, status: status}
	if err := copyPlainRange(ctx, out, obj, m, keys, bind, start, end); err != nil {
		if !out.sent {
			// Nothing is sent yet: the error document goes out instead of the object, so none
			// of the object's headers (its Content-Length above all) may go with it.
			id := h.Get("X-Amz-Request-Id")
			clear(h)
			h.Set("X-Amz-Request-Id", id)
			return err
		}
		s.noteIntegrity(c, c.bucket, c.key, err)
		if out.writeErr == nil {
			// The status is sent: cut the connection so the client sees a short body,
			// never bytes that failed authentication.
			s.log.Error("s3 object read failed mid-stream", "request_id", c.requestID, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
	if !out.sent {
		c.w.WriteHeader(status)
	}
	return nil
}

// statusOnWrite writes the response status just before the first body byte, and remembers
// whether a failure came from the client's side of the connection.
type statusOnWrite struct {
	w        http.ResponseWriter
	status   int
	sent     bool
	writeErr error
}

func (o *statusOnWrite) Write(p []byte) (int, error) {
	if !o.sent {
		o.sent = true
		o.w.WriteHeader(o.status)
	}
	n, err := o.w.Write(p)
	if err != nil {
		o.writeErr = err
	}
	return n, err
}

// responseOverrides are the GetObject query parameters that replace a response header, as
// presigned download links use them (e.g. a Content-Disposition with the file name). Every
// keyhold request is signed, which is when S3 honours them.
var responseOverrides = map[string]string{
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
	"response-content-language":    "Content-Language",
	"response-content-type":        "Content-Type",
	"response-expires":             "Expires",
}

// objectHeaders sets the stored attributes of m.
func objectHeaders(h http.Header, m *objectMeta) {
	h.Set("ETag", m.ETag)
	h.Set("Last-Modified", m.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Type", m.ContentType)
	for k, v := range m.Headers {
		h.Set(k, v)
	}
	for k, v := range m.UserMeta {
		h["X-Amz-Meta-"+k] = []string{v}
	}
	if n := len(m.Parts); n > 1 || n == 1 && m.Parts[0].Number != 0 {
		h.Set("X-Amz-Mp-Parts-Count", strconv.Itoa(n))
	}
}

// checkConditions applies If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since
// with S3's precedence (RFC 7232 section 6).
func checkConditions(h http.Header, m *objectMeta) error {
	mtime := m.LastModified.Truncate(time.Second)
	if v := h.Get("If-Match"); v != "" {
		if !etagMatches(v, m.ETag) {
			return s3Err(errPreconditionFailed, "At least one of the pre-conditions you specified did not hold")
		}
	} else if v := h.Get("If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && mtime.After(t) {
			return s3Err(errPreconditionFailed, "At least one of the pre-conditions you specified did not hold")
		}
	}
	if v := h.Get("If-None-Match"); v != "" {
		if etagMatches(v, m.ETag) {
			return s3Err(errNotModified, "Not Modified")
		}
	} else if v := h.Get("If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !mtime.After(t) {
			return s3Err(errNotModified, "Not Modified")
		}
	}
	return nil
}

func etagMatches(list, etag string) bool {
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		if e == "*" || e == etag || `"`+e+`"` == etag {
			return true
		}
	}
	return false
}
