package s3

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/sigv4"
)

// A CompleteMultipartUpload whose response was lost is retried by every SDK, and S3 answers the
// retry with the first answer rather than NoSuchUpload. keyhold keeps, for completedTTL after a
// completion, a small record under the pseudo-bucket mpuDoneBucket ("<bucket>/<upload id>":
// the key, a digest of the part list and the response) and a time-ordered index in
// mpuDoneIndexBucket ("<UTC time>/<bucket>/<upload id>") that each completion sweeps a little of.
const (
	mpuDoneBucket      = "_keyhold-mpu-done"
	mpuDoneIndexBucket = "_keyhold-mpu-done-index"
	completedTTL       = 24 * time.Hour
	doneSweepBatch     = 16
	doneTimeFormat     = "20060102T150405.000000000Z"
)

const ssecKeyMD5Header = "X-Amz-Server-Side-Encryption-Customer-Key-Md5"

// completedRecord is what a retry of a completed upload is answered from.
type completedRecord struct {
	Key     string            `json:"key"`
	Parts   string            `json:"parts"` // hex SHA-256 of the requested part list
	Done    time.Time         `json:"done"`
	Result  completeResult    `json:"result"`
	Headers map[string]string `json:"headers,omitempty"` // the SSE response headers
}

// partsDigest identifies the part list of a Complete request.
func partsDigest(req *completeRequest) string {
	h := sha256.New()
	for _, p := range req.Parts {
		fmt.Fprintf(h, "%d\x00%s\x00", p.PartNumber, strings.Trim(p.ETag, `"`))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// recordCompleted keeps the answer of a completed upload for its retries. Failing to keep it
// only costs a retry its 200, so it is logged, not returned.
func (s *Server) recordCompleted(ctx context.Context, c *s3Call, id string, req *completeRequest, res *completeResult) {
	now := time.Now().UTC()
	rec := completedRecord{Key: c.key, Parts: partsDigest(req), Done: now, Result: *res}
	for name, vs := range c.w.Header() {
		// Not the SSE-C key's MD5: a fingerprint of a customer's key stays out of the store.
		if strings.HasPrefix(name, "X-Amz-Server-Side-Encryption") && name != ssecKeyMD5Header && len(vs) == 1 {
			if rec.Headers == nil {
				rec.Headers = map[string]string{}
			}
			rec.Headers[name] = vs[0]
		}
	}
	raw, _ := json.Marshal(&rec)
	put := func(bucket, key string, data []byte) error {
		p, err := s.store.Create(ctx, bucket, key)
		if err != nil {
			return err
		}
		defer p.Abort()
		if _, err := p.Write(data); err != nil {
			return err
		}
		return p.Commit(ctx)
	}
	// Index first, so that every record is found by the sweep.
	err := put(mpuDoneIndexBucket, now.Format(doneTimeFormat)+"/"+c.bucket+"/"+id, nil)
	if err == nil {
		err = put(mpuDoneBucket, c.bucket+"/"+id, raw)
	}
	if err != nil {
		s.log.Warn("s3: recording a completed upload failed", "err", err)
	}
	s.sweepCompleted(ctx, now)
}

// sweepCompleted removes a few records older than completedTTL.
func (s *Server) sweepCompleted(ctx context.Context, now time.Time) {
	keys, _, err := s.store.List(ctx, mpuDoneIndexBucket, "", "", doneSweepBatch)
	if err != nil {
		return
	}
	for _, k := range keys {
		ts, name, ok := strings.Cut(k, "/")
		t, err := time.Parse(doneTimeFormat, ts)
		if ok && err == nil && now.Sub(t) < completedTTL {
			return
		}
		if ok {
			_ = s.store.Delete(ctx, mpuDoneBucket, name)
		}
		_ = s.store.Delete(ctx, mpuDoneIndexBucket, k)
	}
}

// retriedComplete answers a Complete whose upload is gone (loadErr): with the first answer when
// it completed recently with the same key and part list, else with loadErr.
func (s *Server) retriedComplete(ctx context.Context, c *s3Call, id string, req *completeRequest, loadErr error) error {
	if !errors.Is(loadErr, errNoSuchUpload) || id == "" || strings.ContainsAny(id, "/.") {
		return loadErr
	}
	obj, err := s.store.Open(ctx, mpuDoneBucket, c.bucket+"/"+id)
	if errors.Is(err, fs.ErrNotExist) {
		return loadErr
	}
	if err != nil {
		return err
	}
	raw, err := readAll(ctx, obj, 0, min(obj.Size(), maxMetaSize))
	obj.Close()
	if err != nil {
		return err
	}
	var rec completedRecord
	if json.Unmarshal(raw, &rec) != nil || rec.Key != c.key || time.Since(rec.Done) > completedTTL {
		return loadErr
	}
	if err := readXML(c, req); err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(partsDigest(req)), []byte(rec.Parts)) != 1 {
		return loadErr
	}
	for name, v := range rec.Headers {
		c.w.Header().Set(name, v)
	}
	if v := c.r.Header.Get(ssecKeyMD5Header); v != "" && rec.Headers["X-Amz-Server-Side-Encryption-Customer-Algorithm"] != "" {
		c.w.Header().Set(ssecKeyMD5Header, v)
	}
	rec.Result.Xmlns = s3Namespace
	return writeXML(c.w, http.StatusOK, rec.Result)
}

// checkCompleteChecksum checks a whole-object checksum header sent with Complete (the
// FULL_OBJECT value, or the COMPOSITE "<checksum>-<part count>") against the completed
// object's checksum, as S3 does.
func checkCompleteChecksum(h http.Header, u *mpuChecksum, got *objectChecksum) error {
	for _, name := range sigv4.ChecksumNames() {
		v := h.Get(name)
		if v == "" {
			continue
		}
		if u == nil || got == nil || got.Name != name {
			return s3Err(errInvalidRequest, "The upload was created using the "+uploadAlg(u)+" checksum algorithm. To complete this upload, you must use the same checksum algorithm.")
		}
		if v != got.Value {
			return s3Err(sigv4.ErrBadDigest, "The "+algName(name)+" you specified did not match the calculated checksum.")
		}
	}
	if t := h.Get("X-Amz-Checksum-Type"); t != "" && (u == nil || !strings.EqualFold(t, u.Type)) {
		want := "null"
		if u != nil {
			want = u.Type
		}
		return s3Err(errInvalidRequest, "The upload was created using the "+want+" checksum mode. The complete request must use the same checksum mode.")
	}
	return nil
}

func uploadAlg(u *mpuChecksum) string {
	if u == nil {
		return "null"
	}
	return strings.ToUpper(algName(u.Name))
}
