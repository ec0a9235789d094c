package s3

import (
	"context"
	"strings"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/domain/policy"
)

// S3 authorization. Every operation is authorized, before it acts, with its IAM action and
// resource ARN (arn:aws:s3:::bucket, arn:aws:s3:::bucket/key; "*" for ListBuckets) and the
// condition keys S3 sets for it, and the bucket's policy (decided in the domain, with the
// caller's IAM policies, as S3 combines them); anything without a caller is refused. A copy
// also needs s3:GetObject on its source (openCopySource). SSE-KMS work is authorized against
// the caller's own KMS permissions with kms:ViaService (kmsCallerContext), the key's policy and
// grants; the AWS managed key alias/aws/s3 through its managed-key policy. SSE-S3 uses
// keyhold's own key (domain.AsSystem).

// s3Actions maps the operations whose IAM action is not "s3:" + the operation's name.
var s3Actions = map[string]string{
	"ListBuckets":                              "s3:ListAllMyBuckets",
	"HeadBucket":                               "s3:ListBucket",
	"ListObjects":                              "s3:ListBucket",
	"ListObjectsV2":                            "s3:ListBucket",
	"ListObjectVersions":                       "s3:ListBucketVersions",
	"ListMultipartUploads":                     "s3:ListBucketMultipartUploads",
	"ListParts":                                "s3:ListMultipartUploadParts",
	"PutBucketEncryption":                      "s3:PutEncryptionConfiguration",
	"DeleteBucketEncryption":                   "s3:PutEncryptionConfiguration",
	"GetBucketEncryption":                      "s3:GetEncryptionConfiguration",
	"HeadObject":                               "s3:GetObject",
	"CopyObject":                               "s3:PutObject",
	"UploadPart":                               "s3:PutObject",
	"UploadPartCopy":                           "s3:PutObject",
	"CreateMultipartUpload":                    "s3:PutObject",
	"CompleteMultipartUpload":                  "s3:PutObject",
	"PostObject":                               "s3:PutObject",
	"DeleteObjects":                            "s3:DeleteObject",
	"GetBucketCors":                            "s3:GetBucketCORS",
	"DeleteBucketCors":                         "s3:PutBucketCORS",
	"GetBucketLifecycleConfiguration":          "s3:GetLifecycleConfiguration",
	"DeleteBucketLifecycleConfiguration":       "s3:PutLifecycleConfiguration",
	"GetBucketReplication":                     "s3:GetReplicationConfiguration",
	"DeleteBucketReplication":                  "s3:PutReplicationConfiguration",
	"DeleteBucketTagging":                      "s3:PutBucketTagging",
	"DeleteBucketWebsite":                      "s3:DeleteBucketWebsite",
	"GetBucketPolicyStatus":                    "s3:GetBucketPolicyStatus",
	"GetPublicAccessBlock":                     "s3:GetBucketPublicAccessBlock",
	"DeletePublicAccessBlock":                  "s3:PutBucketPublicAccessBlock",
	"GetBucketOwnershipControls":               "s3:GetBucketOwnershipControls",
	"DeleteBucketOwnershipControls":            "s3:PutBucketOwnershipControls",
	"GetObjectLockConfiguration":               "s3:GetBucketObjectLockConfiguration",
	"GetBucketNotificationConfiguration":       "s3:GetBucketNotification",
	"GetBucketAccelerateConfiguration":         "s3:GetAccelerateConfiguration",
	"GetBucketLogging":                         "s3:GetBucketLogging",
	"GetBucketRequestPayment":                  "s3:GetBucketRequestPayment",
	"GetBucketVersioning":                      "s3:GetBucketVersioning",
	"GetBucketAnalyticsConfiguration":          "s3:GetAnalyticsConfiguration",
	"GetBucketInventoryConfiguration":          "s3:GetInventoryConfiguration",
	"GetBucketMetricsConfiguration":            "s3:GetMetricsConfiguration",
	"GetBucketIntelligentTieringConfiguration": "s3:GetIntelligentTieringConfiguration",
	"GetObjectRetention":                       "s3:GetObjectRetention",
	"GetObjectLegalHold":                       "s3:GetObjectLegalHold",
}

// s3Action is the IAM action of operation op.
func s3Action(op string) string {
	if a, ok := s3Actions[op]; ok {
		return a
	}
	return "s3:" + op
}

// s3Resource is the resource ARN a request names: the bucket, the object, or "*" for
// ListBuckets.
func s3Resource(bucket, key string) string {
	switch {
	case bucket == "":
		return "*"
	case key == "":
		return bucketARN(bucket)
	}
	return objectARN(bucket, key)
}

// authorizeS3 authorizes the request c with its operation's action, resource and condition keys.
func (s *Server) authorizeS3(ctx context.Context, c *s3Call) error {
	if c.op == "DeleteObjects" {
		// Authorized per key (handleDeleteObjects), as S3 does.
		return nil
	}
	keys := []func(*policy.Context){s3ConditionKeys(c)}
	if up := s.uploadEncryptionKeys(ctx, c); up != nil {
		keys = append(keys, up)
	}
	return s.p.Authorize(ctx, s3Action(c.op), s3Resource(c.bucket, c.key), keys...)
}

// uploadEncryptionKeys sets the encryption condition keys of a request that continues a
// multipart upload (UploadPart, UploadPartCopy, CompleteMultipartUpload) from the upload: such
// requests carry no x-amz-server-side-encryption header of their own, so without this a bucket
// policy that requires SSE-KMS on s3:PutObject (AWS's documented one) would refuse every part
// of an upload CreateMultipartUpload was allowed to start with SSE-KMS, and large uploads
// (`aws s3 cp`, the SDK's upload manager) could never complete. The keys name the encryption
// the object is being stored with; nil when the request is not such a request, names its own
// encryption, or names no upload this bucket and key have (the handler then answers).
func (s *Server) uploadEncryptionKeys(ctx context.Context, c *s3Call) func(*policy.Context) {
	switch c.op {
	case "UploadPart", "UploadPartCopy", "CompleteMultipartUpload":
	default:
		return nil
	}
	if c.r.Header.Get("X-Amz-Server-Side-Encryption") != "" {
		return nil
	}
	u, err := s.loadUpload(ctx, c.bucket, c.key, c.q.Get("uploadId"))
	if err != nil {
		return nil
	}
	alg, keyARN := u.Meta.SSE.Algorithm, u.Meta.SSE.KeyARN
	switch alg {
	case sseS3, sseKMS, sseDSSE:
	default:
		return nil // SSE-C and plaintext objects have no x-amz-server-side-encryption value
	}
	return func(pc *policy.Context) {
		pc.Set(policy.KeyS3ServerSideEncryption, alg)
		if alg != sseS3 && keyARN != "" {
			pc.Set(policy.KeyS3ServerSideEncryptionKMSKeyID, keyARN)
		}
	}
}

// s3ConditionKeys sets the S3 condition keys of the request: the listing parameters
// (s3:prefix, s3:delimiter, s3:max-keys) and the encryption headers
// (s3:x-amz-server-side-encryption, s3:x-amz-server-side-encryption-aws-kms-key-id), when the
// request carries them.
func s3ConditionKeys(c *s3Call) func(*policy.Context) {
	return func(pc *policy.Context) {
		if c.key == "" && c.bucket != "" {
			for param, key := range map[string]string{"prefix": policy.KeyS3Prefix, "delimiter": policy.KeyS3Delimiter, "max-keys": policy.KeyS3MaxKeys} {
				if v, ok := c.q[param]; ok && len(v) > 0 {
					pc.Set(key, v[0])
				}
			}
		}
		h := c.r.Header
		if v := h.Get("X-Amz-Server-Side-Encryption"); v != "" {
			pc.Set(policy.KeyS3ServerSideEncryption, v)
		}
		if v := h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"); v != "" {
			pc.Set(policy.KeyS3ServerSideEncryptionKMSKeyID, v)
		}
	}
}

// authorizeObject authorizes action on one object (a copy's source, each key of DeleteObjects).
func (s *Server) authorizeObject(ctx context.Context, action, bucket, key string) error {
	return s.p.Authorize(ctx, action, objectARN(bucket, key))
}

// kmsCallerContext is the context S3 calls KMS with on the caller's behalf for a customer
// managed key: the caller's own KMS permissions decide, with kms:ViaService naming this S3
// endpoint, as AWS does ("allowed s3:GetObject but not kms:Decrypt" is AccessDenied).
func (s *Server) kmsCallerContext(ctx context.Context) context.Context {
	return domain.ViaService(ctx, "s3."+s.opts.Region+".amazonaws.com")
}

// keyUseContext returns the context S3 uses the KMS key ref names with: the caller's, through
// S3 (kmsCallerContext). For an AWS managed key (alias/aws/s3's) that is what AWS does too: its
// key policy lets every principal of its account use it through S3 (kms:CallerAccount,
// kms:ViaService), so no KMS permission of the caller is needed, while an explicit deny in the
// caller's policies still applies, and another account's managed key is refused.
func (s *Server) keyUseContext(ctx context.Context, _ string) context.Context {
	return s.kmsCallerContext(ctx)
}

// postConditionKeys sets a browser POST upload's encryption condition keys from its form fields.
func postConditionKeys(fields map[string]string) func(*policy.Context) {
	return func(pc *policy.Context) {
		for name, v := range fields {
			switch strings.ToLower(name) {
			case "x-amz-server-side-encryption":
				pc.Set(policy.KeyS3ServerSideEncryption, v)
			case "x-amz-server-side-encryption-aws-kms-key-id":
				pc.Set(policy.KeyS3ServerSideEncryptionKMSKeyID, v)
			}
		}
	}
}
