package domain

import (
	"regexp"
	"strings"
	"time"
)

// Bucket is an S3 bucket's replicated configuration. Objects themselves live in the object
// store; only what every node must agree on (existence, owner, encryption defaults) is here.
type Bucket struct {
	Name      string
	CreatedAt time.Time
	// Owner is the principal that created the bucket.
	Owner string
	// Account owns the bucket; "" for buckets created before accounts existed, which belong
	// to the domain's first account (State.bucketAccount). Bucket names are global, as in S3.
	Account string `json:",omitempty"`
	// Encryption is the bucket default encryption, or nil when none was put.
	Encryption *BucketEncryption
	// Policy is the bucket policy as the owner put it; "" when it has none. Its compiled form
	// is in State.bucketPols.
	Policy string `json:",omitempty"`
}

// BucketEncryption is a bucket's ServerSideEncryptionConfiguration (one rule, as S3 allows).
type BucketEncryption struct {
	// SSEAlgorithm is AES256, aws:kms or aws:kms:dsse.
	SSEAlgorithm string
	// KMSMasterKeyID names the CMK for aws:kms and aws:kms:dsse (id, ARN or alias); empty means
	// the managed default key alias/aws/s3.
	KMSMasterKeyID string
	// BucketKeyEnabled makes SSE-KMS objects use an S3 Bucket Key.
	BucketKeyEnabled bool
	// BlockedEncryptionTypes lists request encryption types the bucket refuses: "SSE-C" or
	// "NONE" (no type blocked).
	BlockedEncryptionTypes []string
}

// Blocks reports whether the configuration refuses encryption type typ (e.g. "SSE-C").
func (e *BucketEncryption) Blocks(typ string) bool {
	if e == nil {
		return false
	}
	for _, b := range e.BlockedEncryptionTypes {
		if b == typ {
			return true
		}
	}
	return false
}

// SSE algorithms of a bucket encryption configuration.
const (
	SSEAlgorithmAES256  = "AES256"
	SSEAlgorithmKMS     = "aws:kms"
	SSEAlgorithmKMSDSSE = "aws:kms:dsse"
)

func (b *Bucket) clone() *Bucket {
	c := *b
	if b.Encryption != nil {
		e := *b.Encryption
		e.BlockedEncryptionTypes = append([]string(nil), b.Encryption.BlockedEncryptionTypes...)
		c.Encryption = &e
	}
	return &c
}

// bucketNamePattern is S3's general purpose bucket naming rule: 3-63 characters of lower-case
// letters, digits, dots and hyphens, starting and ending with a letter or digit.
var bucketNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ValidBucketName reports whether name follows S3's rules for general purpose buckets.
func ValidBucketName(name string) bool {
	if !bucketNamePattern.MatchString(name) || strings.Contains(name, "..") {
		return false
	}
	// Not formatted like an IP address, and none of the reserved prefixes and suffixes.
	if ipLike.MatchString(name) || strings.HasPrefix(name, "xn--") || strings.HasSuffix(name, "-s3alias") {
		return false
	}
	return true
}

var ipLike = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
