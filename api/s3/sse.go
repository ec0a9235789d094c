package s3

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/wrap"
)

// SSE modes as stored in object metadata; the first three are also S3's header values.
const (
	sseS3   = "AES256"
	sseKMS  = "aws:kms"
	sseDSSE = "aws:kms:dsse"
	sseC    = "SSE-C"
	// ssePlain is an unencrypted object (Options.S3PlaintextObjects); never sent to clients.
	ssePlain = "none"
)

// Managed keys: alias/aws/s3 is S3's default SSE-KMS key; SSE-S3 objects use a separate
// keyhold-managed key, so that disabling the SSE-KMS default does not touch SSE-S3 objects.
// alias/aws/ is reserved, so clients can neither create nor repoint these aliases.
const (
	managedKMSAlias  = "alias/aws/s3"
	managedS3Alias   = "alias/aws/keyhold-sse-s3"
	managedKMSDesc   = "Default key that protects my S3 objects when no other key is defined"
	managedS3Desc    = "keyhold SSE-S3 key: protects objects stored with x-amz-server-side-encryption AES256"
	sseCInfo         = "keyhold s3 sse-c v1"
	bucketKeyInfo    = "keyhold s3 bucket key v1"
	partKeyInfo      = "keyhold s3 part v1"
	metaMACInfo      = "keyhold s3 meta v2"
	sseCKeySize      = 32
	maxEncContextLen = 8192
)

// sseMeta is how an object's keys were made: stored with the object (never a plaintext key).
type sseMeta struct {
	Algorithm string            `json:"alg"`
	KeyARN    string            `json:"kms_key,omitempty"`
	Context   map[string]string `json:"ctx,omitempty"` // the KMS encryption context
	// SealedKeys are KMS ciphertext blobs: one data key (two for DSSE), or the bucket key.
	SealedKeys [][]byte `json:"sealed,omitempty"`
	BucketKey  bool     `json:"bucket_key,omitempty"`
	Salt       []byte   `json:"salt,omitempty"` // bucket key derivation or SSE-C HMAC salt
	// CustomerHMAC is HMAC-SHA256(key = Salt, "keyhold s3 sse-c v1" || customer key): enough to
	// recognise the customer's key later, useless to recover it.
	CustomerHMAC []byte `json:"sse_c_hmac,omitempty"`
	// IntegrityKey is a KMS ciphertext blob of the key an SSE-C multipart upload's metadata
	// MACs are made with (integrity_key.go): Complete may come without the customer key.
	IntegrityKey []byte `json:"integrity_key,omitempty"`
}

// sseRequest is what a request asks for.
type sseRequest struct {
	alg          string // "" when the request names none
	kmsKey       string
	context      map[string]string
	contextGiven bool
	bucketKey    *bool
	customerKey  []byte // SSE-C key, owned: cleared by clear()
	customerMD5  string
}

func (q *sseRequest) clear() { clear(q.customerKey) }

// parseSSEHeaders reads the x-amz-server-side-encryption* headers of a write (prefix "") or of
// a copy source (prefix "copy-source-", SSE-C only).
func parseSSEHeaders(h http.Header, prefix string) (*sseRequest, error) {
	q := &sseRequest{}
	get := func(name string) string { return h.Get("X-Amz-" + prefix + "Server-Side-Encryption" + name) }
	if prefix == "" {
		q.alg = get("")
		q.kmsKey = get("-Aws-Kms-Key-Id")
		if v := get("-Context"); v != "" {
			raw, err := base64.StdEncoding.DecodeString(v)
			if err != nil || len(raw) > maxEncContextLen || json.Unmarshal(raw, &q.context) != nil {
				return nil, s3Err(errInvalidArgument, "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map")
			}
			if _, ok := q.context[s3ARNContextKey]; ok {
				// S3 sets aws:s3:arn itself; a caller's value would let one object's sealed
				// keys claim another object's name.
				return nil, s3Err(errInvalidArgument, "The encryption context key aws:s3:arn is reserved: Amazon S3 sets it to the object's (or, with an S3 Bucket Key, the bucket's) ARN.")
			}
			q.contextGiven = true
		}
		if v := h.Get("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"); v != "" {
			b := strings.EqualFold(v, "true")
			q.bucketKey = &b
		}
		switch q.alg {
		case "", sseS3, sseKMS, sseDSSE:
		default:
			return nil, s3Err(errInvalidArgument, "The encryption method specified is not supported")
		}
		if q.kmsKey != "" && q.alg != sseKMS && q.alg != sseDSSE {
			return nil, s3Err(errInvalidArgument, "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms")
		}
	}
	calg, ckey, cmd5 := get("-Customer-Algorithm"), get("-Customer-Key"), get("-Customer-Key-Md5")
	if calg == "" && ckey == "" && cmd5 == "" {
		return q, nil
	}
	if calg != sseS3 {
		return nil, s3Err(errInvalidArgument, "The requested encryption algorithm is not valid, must be AES256.")
	}
	if q.alg != "" {
		return nil, s3Err(errInvalidArgument, "Server Side Encryption with Customer provided key is incompatible with the encryption method specified")
	}
	key, err := base64.StdEncoding.DecodeString(ckey)
	if err != nil || len(key) != sseCKeySize {
		clear(key)
		return nil, s3Err(errInvalidArgument, "The secret key was invalid for the specified algorithm.")
	}
	sum := md5.Sum(key)
	if cmd5 == "" || !hmac.Equal([]byte(base64.StdEncoding.EncodeToString(sum[:])), []byte(cmd5)) {
		clear(key)
		return nil, s3Err(errInvalidArgument, "The calculated MD5 hash of the key did not match the hash that was provided.")
	}
	q.alg, q.customerKey, q.customerMD5 = sseC, key, cmd5
	return q, nil
}

// objectKeys are an object's data keys (one per layer) in plaintext, owned by the holder.
type objectKeys [][]byte

func (k objectKeys) clear() {
	for _, b := range k {
		clear(b)
	}
}

// newObjectKeys chooses the object's encryption: the request's headers win over the bucket
// default, and with neither the object gets SSE-S3, as S3 does since 2023. It returns the data
// keys and the metadata that recovers them.
func (s *Server) newObjectKeys(ctx context.Context, bucket *domain.Bucket, key string, q *sseRequest, tlsOK bool) (objectKeys, sseMeta, error) {
	alg, kmsKey, bucketKey := q.alg, q.kmsKey, false
	def := bucket.Encryption
	if alg == "" && def != nil {
		alg, kmsKey, bucketKey = def.SSEAlgorithm, def.KMSMasterKeyID, def.BucketKeyEnabled
	} else if def != nil && alg == sseKMS && def.SSEAlgorithm == sseKMS {
		bucketKey = def.BucketKeyEnabled
	}
	if q.bucketKey != nil {
		bucketKey = *q.bucketKey
	}
	if alg == "" && s.opts.S3PlaintextObjects {
		return nil, sseMeta{Algorithm: ssePlain}, nil
	}
	if alg == "" {
		alg = sseS3
	}
	switch alg {
	case sseC:
		if def.Blocks("SSE-C") {
			return nil, sseMeta{}, s3Err(errInvalidRequest, "The bucket blocks server-side encryption with customer-provided keys (SSE-C).")
		}
		if !tlsOK {
			return nil, sseMeta{}, s3Err(errInvalidRequest, "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.")
		}
		m := sseMeta{Algorithm: sseC, Salt: make([]byte, 16)}
		_, _ = rand.Read(m.Salt)
		m.CustomerHMAC = customerHMAC(m.Salt, q.customerKey)
		return objectKeys{append([]byte(nil), q.customerKey...)}, m, nil
	case sseS3:
		// SSE-S3 uses keyhold's own key, whatever the caller's KMS permissions.
		sys := domain.AsSystem(ctx)
		id, err := s.svc.ManagedKey(sys, managedS3Alias, managedS3Desc)
		if err != nil {
			return nil, sseMeta{}, err
		}
		return s.kmsDataKeys(sys, s.svc.KeyARN(id), sseS3, 1, objectContext(bucket.Name, key, nil))
	}
	if kmsKey == "" || kmsKey == "aws/s3" || kmsKey == managedKMSAlias {
		id, err := s.svc.ManagedKey(domain.AsSystem(ctx), managedKMSAlias, managedKMSDesc)
		if err != nil {
			return nil, sseMeta{}, err
		}
		kmsKey = s.svc.KeyARN(id)
	}
	// A customer managed key is used with the caller's own KMS permissions, through S3.
	ctx = s.keyUseContext(ctx, kmsKey)
	if alg == sseDSSE {
		// As in S3, Bucket Keys do not apply to DSSE-KMS.
		return s.kmsDataKeys(ctx, kmsKey, sseDSSE, 2, objectContext(bucket.Name, key, q.context))
	}
	if bucketKey {
		return s.bucketKeyDataKey(ctx, bucket.Name, kmsKey)
	}
	return s.kmsDataKeys(ctx, kmsKey, sseKMS, 1, objectContext(bucket.Name, key, q.context))
}

// s3ARNContextKey is the encryption context key S3 binds an object's data keys to its name with.
const s3ARNContextKey = "aws:s3:arn"

// objectContext is the KMS encryption context of an object: the caller's (which cannot hold
// aws:s3:arn, parseSSEHeaders refuses it), plus {"aws:s3:arn": "arn:aws:s3:::bucket/key"} as S3
// sets it.
func objectContext(bucket, key string, given map[string]string) map[string]string {
	ec := map[string]string{}
	for k, v := range given {
		ec[k] = v
	}
	ec[s3ARNContextKey] = objectARN(bucket, key)
	return ec
}

// kmsDataKeys asks the key service for n independent data keys under the CMK ref names.
func (s *Server) kmsDataKeys(ctx context.Context, ref, alg string, n int, ec map[string]string) (objectKeys, sseMeta, error) {
	m := sseMeta{Algorithm: alg, Context: ec}
	var keys objectKeys
	for range n {
		s.s3KMSCalls.Add(1)
		pt, blob, id, err := s.svc.GenerateDataKey(ctx, ref, wrap.ObjectDataKeySize, ec)
		if err != nil {
			keys.clear()
			return nil, sseMeta{}, err
		}
		keys = append(keys, pt)
		m.SealedKeys = append(m.SealedKeys, blob)
		m.KeyARN = s.svc.KeyARN(id)
	}
	return keys, m, nil
}

// openObjectKeys recovers the data keys of the object bind names from its metadata and, for
// SSE-C, the request's customer key. KMS-sealed keys must be sealed for that name.
func (s *Server) openObjectKeys(ctx context.Context, m *sseMeta, q *sseRequest, bind objectBinding) (objectKeys, error) {
	if m.Algorithm == ssePlain {
		if !s.opts.S3PlaintextObjects {
			return nil, corrupt(integrityFormat)
		}
		if q != nil && q.customerKey != nil {
			return nil, s3Err(errInvalidRequest, "The encryption parameters are not applicable to this object.")
		}
		return nil, nil
	}
	if m.Algorithm == sseC {
		if q == nil || q.customerKey == nil {
			return nil, s3Err(errInvalidRequest, "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
		}
		if !hmac.Equal(customerHMAC(m.Salt, q.customerKey), m.CustomerHMAC) {
			return nil, s3Err(errSSECKeyMismatch, "Access Denied")
		}
		return objectKeys{append([]byte(nil), q.customerKey...)}, nil
	}
	if q != nil && q.customerKey != nil {
		return nil, s3Err(errInvalidRequest, "The encryption parameters are not applicable to this object.")
	}
	// The sealed keys must be this object's (or, with a Bucket Key, this bucket's) before any
	// is unsealed: the context is their AAD, and it must name what the request names.
	want := objectARN(bind.Bucket, bind.Key)
	if m.BucketKey {
		want = bucketARN(bind.Bucket)
	}
	if m.Context[s3ARNContextKey] != want {
		return nil, corrupt(integrityName)
	}
	// A disabled or deleted CMK makes the object unreadable at once, even when a bucket key or
	// the backing key cache could still serve it.
	if err := s.checkKeyUsable(ctx, m.KeyARN); err != nil {
		return nil, err
	}
	// The caller's kms:Decrypt through S3 decides for a customer managed key; an AWS managed
	// key of the caller's account is keyhold's to use. SSE-S3 is keyhold's own key whoever
	// reads, in whichever account (a bucket policy may share the bucket), as it was when the
	// object was written.
	if m.Algorithm == sseS3 {
		ctx = domain.AsSystem(ctx)
	} else {
		ctx = s.keyUseContext(ctx, m.KeyARN)
	}
	if m.BucketKey {
		return s.openBucketKeyDataKey(ctx, m)
	}
	var keys objectKeys
	for _, blob := range m.SealedKeys {
		s.s3KMSCalls.Add(1)
		// Naming the key (as the metadata records it) makes a caller the key does not admit
		// an AccessDenied, not an unreadable ciphertext: Decrypt without a KeyId answers
		// another account's key as if it did not exist, which would read here as corruption.
		pt, _, err := s.svc.Decrypt(ctx, m.KeyARN, blob, m.Context)
		if err != nil {
			keys.clear()
			return nil, sealedKeyError(err)
		}
		keys = append(keys, pt)
	}
	return keys, nil
}

// checkKeyUsable checks the state of the key arn names. Reading it is keyhold's own work: S3
// needs no kms:DescribeKey of the caller's.
func (s *Server) checkKeyUsable(ctx context.Context, arn string) error {
	k, err := s.svc.DescribeKey(domain.AsSystem(ctx), arn)
	if err != nil {
		return err
	}
	switch k.State {
	case domain.KeyStateEnabled:
		return nil
	case domain.KeyStateDisabled:
		return &domain.Error{Kind: domain.ErrDisabled, Msg: arn + " is disabled."}
	case domain.KeyStatePendingDeletion:
		return &domain.Error{Kind: domain.ErrInvalidState, Msg: arn + " is pending deletion."}
	}
	return &domain.Error{Kind: domain.ErrInvalidState, Msg: arn + " is not usable."}
}

func customerHMAC(salt, key []byte) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(sseCInfo))
	m.Write(key)
	return m.Sum(nil)
}

// partKeys derives part n's data keys from the upload's, so that parts cannot be swapped.
// Part 0 is a single-PUT object, whose keys are the object's own.
func partKeys(keys objectKeys, n int) (objectKeys, error) {
	if n == 0 {
		return keys, nil
	}
	var info [4]byte
	binary.BigEndian.PutUint32(info[:], uint32(n))
	out := make(objectKeys, 0, len(keys))
	for _, k := range keys {
		d, err := hkdf.Key(sha256.New, k, nil, partKeyInfo+string(info[:]), wrap.ObjectDataKeySize)
		if err != nil {
			out.clear()
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// sseResponseHeaders sets the headers S3 returns for an object's encryption.
func (s *Server) sseResponseHeaders(h http.Header, m *sseMeta, q *sseRequest) {
	switch m.Algorithm {
	case ssePlain:
		return
	case sseC:
		h.Set("X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256")
		if q != nil {
			h.Set("X-Amz-Server-Side-Encryption-Customer-Key-Md5", q.customerMD5)
		}
		return
	case sseS3:
		h.Set("X-Amz-Server-Side-Encryption", sseS3)
		return
	}
	h.Set("X-Amz-Server-Side-Encryption", m.Algorithm)
	h.Set("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", m.KeyARN)
	if m.BucketKey {
		h.Set("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled", "true")
	}
	if len(m.Context) > 0 {
		b, _ := json.Marshal(m.Context)
		h.Set("X-Amz-Server-Side-Encryption-Context", base64.StdEncoding.EncodeToString(b))
	}
}
