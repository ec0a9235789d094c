package s3

import (
	"encoding/binary"
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// Every stored object is bound to the name it was written for: its bucket, its key and, for a
// multipart object, its upload id, with each part's number. The binding is never trusted from
// the store; a reader derives it from the request and presents it to three checks:
//
//   - the segment keys (wrap object format v2 derives every layer key with the binding), so a
//     body stored under another name does not decrypt, even under the same SSE-C key;
//   - the metadata MAC, computed over the binding and the metadata, so sizes, part list, ETag,
//     user metadata and sealed keys all belong to this name;
//   - for SSE-KMS, DSSE-KMS and SSE-S3, the KMS encryption context's aws:s3:arn, which must
//     name this object (or, with an S3 Bucket Key, this bucket) before any key is unsealed.
//
// A stored object that fails any of them is an integrity failure: the client gets S3's
// InternalError (500: the bytes at rest are not what keyhold wrote, nothing the client can fix),
// the log gets one line naming the bucket, key and reason, and
// keyhold_s3_integrity_failures_total counts it by reason. The client never gets another
// object's plaintext.
//
// What the binding cannot catch: the previous stored bytes of the same name put back (a
// rollback). They are a genuine object of that name; telling them from the current one needs a
// record of the current version outside the store, which keyhold does not keep.

// objectBinding is the name a stored object belongs to.
type objectBinding struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	// UploadID is the multipart upload the object's parts were written for ("" for a single
	// PUT or a copy).
	UploadID string `json:"upload,omitempty"`
}

// bindingPrefix starts every encoded binding; its version changes with the encoding.
const bindingPrefix = "keyhold s3 object name v1"

// bytes encodes the binding of part n (0 for a single-PUT object and for the metadata):
// prefix || u32 len(bucket) || bucket || u32 len(key) || key || u32 len(upload) || upload ||
// u32 n. Length prefixes make it injective.
func (b objectBinding) bytes(n int) []byte {
	out := make([]byte, 0, len(bindingPrefix)+16+len(b.Bucket)+len(b.Key)+len(b.UploadID))
	out = append(out, bindingPrefix...)
	for _, f := range []string{b.Bucket, b.Key, b.UploadID} {
		out = binary.BigEndian.AppendUint32(out, uint32(len(f)))
		out = append(out, f...)
	}
	return binary.BigEndian.AppendUint32(out, uint32(n))
}

// objectARN is S3's ARN of an object, the aws:s3:arn S3 puts in an object's KMS context.
func objectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// bucketARN is S3's ARN of a bucket, the aws:s3:arn of an S3 Bucket Key.
func bucketARN(bucket string) string { return "arn:aws:s3:::" + bucket }

// Why a stored object failed its integrity checks; the label values of
// keyhold_s3_integrity_failures_total (a closed set: never a bucket or key name).
const (
	// integrityFormat: the trailer, metadata or part layout cannot be parsed.
	integrityFormat = "format"
	// integrityLegacy: the object was written before objects were bound to their names
	// (trailer KHO1); it is refused rather than read unbound.
	integrityLegacy = "legacy_format"
	// integrityName: the KMS context, or a plaintext object's recorded name, names another
	// object, or a multipart part sits in another part's place.
	integrityName = "name_binding"
	// integrityMAC: the metadata MAC does not verify for this name.
	integrityMAC = "metadata_mac"
	// integritySealedKey: a sealed data key or integrity key does not open under the context
	// the metadata (or, for the integrity key, the name) gives it.
	integritySealedKey = "sealed_key"
	// integrityCiphertext: a segment failed authentication.
	integrityCiphertext = "ciphertext"
)

var integrityReasons = []string{integrityFormat, integrityLegacy, integrityName, integrityMAC, integritySealedKey, integrityCiphertext}

// integrityError is a stored object that is not what keyhold wrote for its name. It matches
// errCorruptObject, which maps to InternalError.
type integrityError struct{ reason string }

func (e *integrityError) Error() string {
	return "api: s3: stored object failed integrity check: " + e.reason
}

func (e *integrityError) Is(target error) bool { return target == errCorruptObject }

func corrupt(reason string) error { return &integrityError{reason: reason} }

// integrityCounter is keyhold_s3_integrity_failures_total, by reason.
type integrityCounter = *prometheus.CounterVec

// registerIntegrityMetric creates keyhold_s3_integrity_failures_total with every reason at 0,
// so that an alert on its increase works from the first failure.
func (s *Server) registerIntegrityMetric() {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "keyhold_s3_integrity_failures_total",
		Help: "S3 requests refused because a stored object failed its integrity checks (swapped, copied under another name, tampered or truncated), by reason.",
	}, []string{"reason"})
	if err := s.opts.Metrics.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err) // a malformed metric is a programming error
		}
		c = are.ExistingCollector.(*prometheus.CounterVec)
	}
	for _, r := range integrityReasons {
		c.WithLabelValues(r)
	}
	s.integrityFailures = c
}

// noteIntegrity logs and counts err if it is an integrity failure of the object bucket/key.
// Handlers that read stored objects call it once with the error they return.
func (s *Server) noteIntegrity(c *s3Call, bucket, key string, err error) {
	var ie *integrityError
	if !errors.As(err, &ie) {
		return
	}
	if s.integrityFailures != nil {
		s.integrityFailures.WithLabelValues(ie.reason).Inc()
	}
	s.log.LogAttrs(c.r.Context(), slog.LevelError, "s3 stored object failed integrity check: refusing to serve it",
		slog.String("reason", ie.reason), slog.String("bucket", bucket), slog.String("key", key),
		slog.String("operation", c.op), slog.String("request_id", c.requestID))
}
