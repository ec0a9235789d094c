// Package api is keyhold's HTTP surface and its wiring: NewServer builds the API listener's
// handler (AWS KMS JSON 1.1 and S3 REST on one port) and the ops listener's (metrics, health,
// readiness, cluster status and the admin API), and runs the request pipeline every protocol
// shares. The protocols themselves live in sub-packages:
//
//   - api/sigv4: SigV4 verification, aws-chunked bodies, presigned URLs, trailing checksums;
//   - api/kms: the KMS route table, handlers and KMS error table;
//   - api/s3: the S3 router, handlers, server-side encryption, S3 XML and S3 error table;
//   - api/admin: the admin API (operators, authenticated by api/adminauth), whose wire types
//     and client are api/adminclient;
//   - api/objstore: where S3 object bytes are kept (the Store interface and its backends);
//   - api/audit: the audit records, the hash-chained trail and its verifier;
//   - api/quota: per-account request quotas (token buckets in AWS's default shape), charged
//     through Pipeline.Charge once a request is authenticated (quota.go).
//
// What stays here is what every request passes whichever protocol serves it, handed to the
// protocols as an api/pipeline.Pipeline: the freshness gate (consistency.go: a node that cannot
// show its replica is within its staleness bound answers a retryable 503 before it looks up the
// access key), authorisation (Options.Authorizer), request metrics (metrics.go) and the audit
// emit-and-hold path (audit.go: every KMS, S3 and admin request produces exactly one record and,
// with a durable trail, its response waits until that record is on disk). routes_auth.go lists
// every route of both listeners with the authentication it requires (Server.Routes).
//
// Dependency direction: this package imports the protocol packages; they never import it
// (cmd/keyhold deps_test.go checks). Nothing here logs key material, plaintexts or encryption
// contexts; the trail holds encryption contexts, never secrets.
package api
