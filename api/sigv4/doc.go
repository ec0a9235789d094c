// Package sigv4 verifies AWS Signature Version 4: the Authorization header and presigned query
// forms (verify.go, parse.go, canonical.go), the signing-key cache (keys.go), the aws-chunked
// body encodings with their per-chunk signatures and trailing checksums (chunked.go,
// trailer.go), S3 POST policy signatures (post.go), and the rule that the headers deciding what
// a request does are signed (signed_headers.go).
//
// It owns authentication only: it names its failures with sentinels (ErrMissingAuth,
// ErrSignatureMismatch, ...) and leaves their AWS codes to the protocol packages (api/kms and
// api/s3 map them, each to its own codes). Secrets come through CredentialStore, so the package
// never sees the domain.
//
// It imports only the standard library (cmd/keyhold deps_leaf_test.go holds it to that): the
// protocol packages and the root api import it, and an authenticator that depends on nothing
// is reviewable and fuzzable on its own.
package sigv4
