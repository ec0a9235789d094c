// Package api is keyhold's HTTP surface: the AWS KMS JSON 1.1 protocol on the API listener, the
// ops listener (/metrics, /healthz, /readyz, /v1/cluster/status), and the mapping from domain
// errors to AWS error codes (errors.go, the only place AWS codes are named).
//
// A KMS request goes through one pipeline (kms.go): the route table entry for its
// X-Amz-Target gives the body limit, the timeout and the authorisation action; the freshness
// gate admits it (consistency.go: a node that cannot show its replica is within its staleness
// bound answers a retryable 503); the body is read under the limit, the SigV4 signature is
// checked against it, the action is authorised, and the handler decodes its JSON, calls one
// domain.Service method and encodes the answer. Handlers are
// thin: one file per AWS operation (kms_<operation>.go).
//
// A signature covers only the headers it lists, so the headers that decide what a request does
// must be among them (sigv4_signed_headers.go): for S3, presigned or not, every x-amz-* header
// present (AccessDenied with HeadersNotSigned otherwise, as S3 answers); for KMS, X-Amz-Target
// and Content-Type (IncompleteSignatureException), so that a captured signature cannot be
// replayed as another operation.
//
// Nothing here logs key material, plaintexts or encryption contexts; plaintext buffers that pass
// through a handler are cleared once the response is written. Every request also produces one
// audit record (audit.go) through Options.Audit; the records, the hash-chained file sink and its
// verifier are package api/audit. The trail holds encryption contexts, never secrets.
package api
