package s3

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
)

// S3 failures that are not domain or SigV4 errors. Their S3 codes are in errors_table.go (s3Errors).
var (
	errNoSuchKey          = errors.New("api: s3: no such key")
	errNoSuchUpload       = errors.New("api: s3: no such upload")
	errInvalidPart        = errors.New("api: s3: invalid part")
	errInvalidPartOrder   = errors.New("api: s3: invalid part order")
	errEntityTooSmall     = errors.New("api: s3: part too small")
	errInvalidRange       = errors.New("api: s3: range not satisfiable")
	errInvalidPartNumber  = errors.New("api: s3: part number not satisfiable")
	errEntityTooLarge     = errors.New("api: s3: entity too large")
	errBucketNotEmpty     = errors.New("api: s3: bucket not empty")
	errInvalidArgument    = errors.New("api: s3: invalid argument")
	errInvalidRequest     = errors.New("api: s3: invalid request")
	errInvalidBucketName  = errors.New("api: s3: invalid bucket name")
	errMalformedXML       = errors.New("api: s3: malformed XML")
	errNotImplemented     = errors.New("api: s3: not implemented")
	errMethodNotAllowed   = errors.New("api: s3: method not allowed")
	errPreconditionFailed = errors.New("api: s3: precondition failed")
	errNotModified        = errors.New("api: s3: not modified")
	errSSECKeyMismatch    = errors.New("api: s3: SSE-C key does not match")
	errNoEncryptionConfig = errors.New("api: s3: no bucket encryption configuration")
	errMissingContentLen  = errors.New("api: s3: missing content length")
	errInvalidDigest      = errors.New("api: s3: invalid Content-MD5")
	errBadDigestMD5       = errors.New("api: s3: Content-MD5 does not match")
	errS3Internal         = errors.New("api: s3: internal error")

	// Bucket configuration keyhold never holds (subresources.go, router.go).
	errNoSuchCORS              = errors.New("api: s3: no CORS configuration")
	errNoSuchBucketPolicy      = errors.New("api: s3: no bucket policy")
	errNoSuchLifecycle         = errors.New("api: s3: no lifecycle configuration")
	errNoSuchTagSet            = errors.New("api: s3: no tag set")
	errNoSuchWebsite           = errors.New("api: s3: no website configuration")
	errNoSuchPublicAccessBlock = errors.New("api: s3: no public access block configuration")
	errNoOwnershipControls     = errors.New("api: s3: no ownership controls")
	errNoObjectLockConfig      = errors.New("api: s3: no object lock configuration")
	errNoReplication           = errors.New("api: s3: no replication configuration")
)

func s3Err(kind error, msg string) error { return &pipeline.PublicError{Kind: kind, Msg: msg} }

// s3ErrorDoc is S3's XML error document.
type s3ErrorDoc struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId"`
	// HeadersNotSigned lists, as S3 does, the x-amz-* headers a request carried unsigned.
	HeadersNotSigned string `xml:"HeadersNotSigned,omitempty"`
}

// writeS3Error sends S3's error document for aws and msg; err, the failure itself, adds the
// elements some codes carry.
func writeS3Error(w http.ResponseWriter, r *http.Request, requestID string, aws pipeline.AWSError, msg string, err error) {
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	if aws.Status == http.StatusNotModified || r.Method == http.MethodHead {
		// HEAD and 304 responses carry no body; the SDKs read the code from the status.
		w.WriteHeader(aws.Status)
		return
	}
	doc := s3ErrorDoc{Code: aws.Code, Message: msg, Resource: r.URL.Path, RequestID: requestID}
	var unsigned *sigv4.HeadersNotSignedError
	if errors.As(err, &unsigned) {
		doc.HeadersNotSigned = unsigned.S3HeadersNotSigned()
	}
	b, _ := xml.Marshal(doc)
	w.WriteHeader(aws.Status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}
