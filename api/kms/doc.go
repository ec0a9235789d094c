// Package kms serves the AWS KMS JSON 1.1 protocol: the route table (routes.go: each operation's
// body limit, timeout, IAM action and read consistency), the per-request pipeline (serve.go:
// route lookup, freshness gate, body read under the limit, SigV4 check, authorisation, handler,
// audit record), one thin handler file per operation that decodes its JSON, calls one Service
// method and encodes the answer, and the KMS error table (errors.go, the only place KMS error
// codes are named).
//
// A signature covers only the headers it lists, so X-Amz-Target and Content-Type must be among
// them (api/sigv4 signed_headers.go, IncompleteSignatureException otherwise): a captured
// signature cannot be replayed as another operation. Plaintext buffers that pass through a
// handler are cleared once the response is written (secretResponse).
//
// It may import api/sigv4, api/audit, api/pipeline, domain and wrap (for the types of Service,
// the interface it declares for what it needs of the key service), never the root api: the root
// api imports it and hands it the shared pipeline.
package kms
