// Package s3 serves the S3 REST protocol: routing (one table of operations by method, bucket,
// key and query), the per-request pipeline (serve.go: freshness gate, SigV4 with aws-chunked
// and trailing checksums, authorisation, bucket lookup, request checks), the handlers (objects,
// multipart uploads, listings, copies, POST Object with its policy, conditional writes, ACLs
// and the configuration subresources keyhold answers as absent), server-side encryption
// (sse.go: SSE-S3, SSE-KMS with S3 Bucket Keys, SSE-C), the sealed object format and its
// integrity checks (meta.go, integrity.go), S3 XML, and the S3 error table (errors_table.go, the
// only place S3 error codes are named).
//
// Every x-amz-* header a request carries must be signed (api/sigv4 signed_headers.go), so a
// captured signature cannot be replayed with other semantics. Object bytes go to an
// objstore.Store already sealed: the store never sees plaintext or keys.
//
// It may import api/sigv4, api/audit, api/objstore, api/pipeline, domain and wrap (for the
// types of Service, the interface it declares for the ten key-service methods it needs), never
// the root api: the root api imports it and hands it the shared pipeline.
package s3
