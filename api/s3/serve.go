package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// s3Call is one S3 request as it moves through the pipeline.
type s3Call struct {
	op, bucket, key string
	q               url.Values
	r               *http.Request
	w               http.ResponseWriter
	who             sigv4.Identity
	sig             sigv4.Result
	body            io.Reader // the decoded, checked payload
	requestID       string
}

// s3Handler handles one S3 operation.
type s3Handler func(ctx context.Context, s *Server, c *s3Call) error

// Bounds of S3 requests.
const (
	maxPutSize      = 5 << 30 // S3's single PUT limit
	maxXMLBody      = 1 << 20 // configuration and DeleteObjects documents
	s3ObjectTimeout = 30 * time.Minute
	s3Namespace     = "http://s3.amazonaws.com/doc/2006-03-01/"
)

func (s *Server) serveS3(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &s3Call{r: r, w: w, requestID: pipeline.NewRequestID(), q: r.URL.Query()}
	w.Header().Set("X-Amz-Request-Id", c.requestID)
	c.bucket, c.key = s.s3Target(r)
	op, h := route(r.Method, c.bucket, c.key, c.q, r.Header)
	c.op = op
	err := s.runS3(c, h)
	code := "OK"
	if err != nil {
		aws, msg := errorFor(err)
		code = aws.Code
		writeS3Error(w, r, c.requestID, aws, msg, err)
		if aws.Status >= 500 && !errors.Is(err, pipeline.ErrUnavailable) && !errors.Is(err, pipeline.ErrThrottled) {
			s.log.Error("s3 request failed", "operation", op, "request_id", c.requestID, "err", err)
		}
	}
	d := time.Since(start)
	s.p.Observe("s3", op, code, d)
	// The SSE-KMS key, when there is one, is the one the response names.
	s.p.Emit(r.Context(), audit.Record{Time: start, RequestID: c.requestID, API: audit.S3, Operation: op,
		Principal: c.who.Principal, AccessKeyID: c.who.AccessKeyID, SourceIP: pipeline.SourceIP(r),
		Key: w.Header().Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"), Bucket: c.bucket, Object: c.key,
		Outcome: code, Duration: d})
}

func (s *Server) runS3(c *s3Call, h s3Handler) error {
	// The root api's freshness gate (consistency.go), before the access key or the bucket is looked up. S3 answers stream, so
	// they are checked at admission only.
	if _, err := s.p.Admit(c.r.Context()); err != nil {
		return err
	}
	if c.op == "PostObject" {
		return s.runPostObject(c)
	}
	if err := refuseSigV2(c.r); err != nil {
		return err
	}
	sig, err := s.verify.Verify(c.r, "s3", "")
	if err != nil {
		return err
	}
	defer sig.Clear()
	c.sig, c.who = sig, sig.Identity
	if h == nil {
		if c.op != "Unknown" && c.op != "" {
			return s3Err(errNotImplemented, "keyhold does not implement "+c.op+".")
		}
		return s3Err(errNotImplemented, "A header or query you provided implies functionality that is not implemented.")
	}
	if s.store == nil {
		return s3Err(errNotImplemented, "This keyhold node has no object store configured.")
	}
	if c.body, err = payloadReader(c.r, sig); err != nil {
		return err
	}
	if c.r.Header.Get("X-Amz-Trailer") == "" && c.op != "CompleteMultipartUpload" { // its checksum is the object's
		if c.body, err = withHeaderChecksum(c.r.Header, c.body); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(c.r.Context(), s3ObjectTimeout)
	defer cancel()
	ctx = pipeline.WithCaller(ctx, c.r, c.who, s.opts.Region, sig.Date)
	if err := s.p.Charge(ctx, "s3", c.op); err != nil {
		return err
	}
	if err := s.p.Authorize(ctx, c.who, "s3:"+c.op); err != nil {
		return err
	}
	if c.bucket != "" && c.op != "CreateBucket" {
		if _, ok := s.svc.Bucket(c.bucket); !ok {
			return &domain.Error{Kind: domain.ErrNoSuchBucket, Msg: "The specified bucket does not exist"}
		}
	}
	if err := checkS3Request(c); err != nil {
		return err
	}
	return h(ctx, s, c)
}

// payloadReader returns the request body decoded and checked as its x-amz-content-sha256 says:
// aws-chunked streams through sigv4.NewChunkedReader, a hex hash is checked when the body ends.
func payloadReader(r *http.Request, sig sigv4.Result) (io.Reader, error) {
	switch sig.PayloadHash {
	case sigv4.StreamingSigned, sigv4.StreamingSignedTrailer, sigv4.StreamingUnsignedTrailer:
		decoded := int64(-1)
		if v := r.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return nil, s3Err(errInvalidArgument, "x-amz-decoded-content-length is not a number")
			}
			if n > maxPutSize {
				return nil, s3Err(errEntityTooLarge, "Your proposed upload exceeds the maximum allowed size")
			}
			decoded = n
		}
		return sigv4.NewChunkedReader(r.Body, sig.PayloadHash, sig, r.Header.Get("X-Amz-Trailer"), decoded)
	case sigv4.UnsignedPayload:
		return r.Body, nil
	}
	return &hashCheckReader{r: r.Body, h: sha256.New(), want: sig.PayloadHash}, nil
}

// hashCheckReader returns sigv4.ErrContentSHA256Mismatch instead of io.EOF when the body's SHA-256
// is not the signed one, so that nothing is committed from a body the client did not sign.
type hashCheckReader struct {
	r    io.Reader
	h    hash.Hash
	want string
}

func (h *hashCheckReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	if err == io.EOF && hex.EncodeToString(h.h.Sum(nil)) != h.want {
		return n, sigv4.ErrContentSHA256Mismatch
	}
	return n, err
}

// s3Target finds the bucket and key: virtual-hosted style when the Host is
// <bucket>.<one of Options.S3Domains>, path style otherwise.
func (s *Server) s3Target(r *http.Request) (bucket, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	path := r.URL.Path
	for _, d := range s.opts.S3Domains {
		if b, ok := strings.CutSuffix(host, "."+d); ok && b != "" {
			return b, strings.TrimPrefix(path, "/")
		}
	}
	path = strings.TrimPrefix(path, "/")
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

// writeXML sends an S3 XML response.
func writeXML(w http.ResponseWriter, status int, v any) error {
	b, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_, _ = w.Write(b)
	return nil
}

// readXML decodes a small XML request body.
func readXML(c *s3Call, v any) error {
	b, err := io.ReadAll(io.LimitReader(c.body, maxXMLBody+1))
	if err != nil {
		return err
	}
	if len(b) > maxXMLBody {
		return s3Err(errInvalidRequest, "The XML you provided is too large.")
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return s3Err(errMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	return nil
}

// drain reads what is left of a body, so that its checks run before the response says OK.
func drain(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

func isNotExist(err error) bool {
	var pe *pipeline.PublicError
	return errors.As(err, &pe) && pe.Kind == errNoSuchKey
}
