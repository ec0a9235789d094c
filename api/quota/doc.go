// Package quota holds keyhold's per-account request quotas: which quota each API operation
// counts against (AWS's default shape), the default rates, their configuration, and the token
// buckets that enforce them.
//
// The shape is AWS KMS's (docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html):
// the cryptographic operations share one quota per key type (symmetric, RSA, ECC; keyhold adds
// one for ML-DSA), each management operation has its own (CreateKey, DescribeKey, CreateAlias,
// ...), and GenerateDataKeyPair has one per data key pair spec. S3 counts per account what AWS
// counts per prefix (reads: GET and HEAD; writes: everything else), and IAM and STS have one
// quota each. Each quota is independent: an account throttled on CreateAlias still encrypts.
//
// A quota is a token bucket per (account, quota) holding at most one second of requests (at
// least one request, so that a rate below one per second, GenerateDataKeyPair RSA_4096's 0.1,
// still admits a request every ten seconds). A rate of 0 is unlimited. The account is the
// authenticated caller's: a request is charged only after its signature verified, so traffic
// with no valid credentials cannot spend an account's quota; requests keyhold makes on its
// own behalf (domain.AsSystem) are never charged.
//
// Limits are per node: a three-node cluster admits up to three times a quota when clients
// spread their requests. Buckets live in memory and start full at boot.
//
// This package imports nothing of keyhold; the root api charges requests (api/quota.go) and the
// protocol packages map the refusal (pipeline.ErrThrottled) to their wire code.
package quota
