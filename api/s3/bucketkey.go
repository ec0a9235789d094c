package s3

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/wrap"
)

// S3 Bucket Keys. With BucketKeyEnabled, an object's data key is derived from a bucket-level
// key instead of being a KMS data key of its own:
//
//	object data key = HKDF-SHA256(ikm = bucket key, salt = 32 random bytes per object,
//	                              info = "keyhold s3 bucket key v1")
//
// The bucket key is a KMS data key under the CMK with the context {"aws:s3:arn":
// "arn:aws:s3:::bucket"}; its sealed blob and the salt travel with each object. The plaintext
// bucket key is cached (bounded, with a TTL, zeroed on eviction), so a burst of uploads or
// reads costs one KMS GenerateDataKey or Decrypt per bucket and CMK per TTL instead of one per
// object, which is what S3 Bucket Keys are for.

// bucketKeyCache holds plaintext bucket keys: for writing, by bucket and CMK; for reading, by
// the SHA-256 of the sealed blob. It is safe for concurrent use.
type bucketKeyCache struct {
	// gen serialises generating writers' keys, so that a burst of uploads that all miss makes
	// one GenerateDataKey, not one per upload in flight. Lock order: gen, then mu.
	gen     sync.Mutex
	mu      sync.Mutex
	max     int
	ttl     time.Duration
	now     func() time.Time
	writers map[string]*bucketKey   // bucket "\x00" CMK ARN -> key in use for new objects
	readers map[[32]byte]*bucketKey // sha256(blob) -> key
}

type bucketKey struct {
	key     [wrap.ObjectDataKeySize]byte
	blob    []byte
	keyARN  string
	expires time.Time
}

func newBucketKeyCache(max int, ttl time.Duration) *bucketKeyCache {
	return &bucketKeyCache{max: max, ttl: ttl, now: time.Now, writers: map[string]*bucketKey{}, readers: map[[32]byte]*bucketKey{}}
}

// sweep drops expired entries and, past the bound, everything (the simplest bound that can
// never keep more than max keys); a dropped key is zeroed once no map holds it.
func (c *bucketKeyCache) sweep() {
	now := c.now()
	for k, e := range c.writers {
		if now.After(e.expires) {
			delete(c.writers, k)
		}
	}
	for k, e := range c.readers {
		if now.After(e.expires) {
			delete(c.readers, k)
			clear(e.key[:])
		}
	}
	if len(c.readers) >= c.max {
		for k, e := range c.readers {
			delete(c.readers, k)
			clear(e.key[:])
		}
		clear(c.writers)
	}
}

// withKey copies out the key material under the lock, so that eviction can zero it safely.
func (e *bucketKey) copyKey() []byte { return append([]byte(nil), e.key[:]...) }

// bucketKeyDataKey returns a fresh object data key derived from the bucket's current bucket key
// under CMK ref, generating the bucket key when none is cached.
func (s *Server) bucketKeyDataKey(ctx context.Context, bucket, ref string) (objectKeys, sseMeta, error) {
	c := s.bucketKeys
	ec := map[string]string{s3ARNContextKey: bucketARN(bucket)}
	arn := ref
	if k, err := s.svc.DescribeKey(domain.AsSystem(ctx), ref); err == nil {
		arn = s.svc.KeyARN(k.ID)
	}
	if err := s.checkKeyUsable(ctx, arn); err != nil {
		return nil, sseMeta{}, err
	}
	// Authorized per request, not per bucket key: a cached bucket key never stands in for the
	// caller's kms:GenerateDataKey (ctx is the caller's through S3, or keyhold's own for an AWS
	// managed key).
	if err := s.svc.AuthorizeKeyUse(ctx, "kms:GenerateDataKey", arn, ec); err != nil {
		return nil, sseMeta{}, err
	}
	id := bucket + "\x00" + arn
	c.mu.Lock()
	c.sweep()
	e := c.writers[id]
	var bk []byte
	var blob []byte
	if e != nil {
		bk, blob = e.copyKey(), e.blob
	}
	c.mu.Unlock()
	if e == nil {
		c.gen.Lock()
		defer c.gen.Unlock()
		c.mu.Lock()
		c.sweep()
		if e = c.writers[id]; e != nil {
			bk, blob = e.copyKey(), e.blob
		}
		c.mu.Unlock()
	}
	if e == nil {
		s.s3KMSCalls.Add(1)
		pt, sealed, kid, err := s.svc.GenerateDataKey(ctx, arn, wrap.ObjectDataKeySize, ec)
		if err != nil {
			return nil, sseMeta{}, err
		}
		arn = s.svc.KeyARN(kid)
		e = &bucketKey{blob: sealed, keyARN: arn, expires: c.now().Add(c.ttl)}
		copy(e.key[:], pt)
		bk, blob = pt, sealed
		c.mu.Lock()
		c.writers[id] = e
		c.readers[sha256.Sum256(sealed)] = e
		c.mu.Unlock()
	}
	defer clear(bk)
	m := sseMeta{Algorithm: sseKMS, KeyARN: arn, Context: ec, SealedKeys: [][]byte{blob}, BucketKey: true, Salt: make([]byte, 32)}
	if _, err := rand.Read(m.Salt); err != nil {
		return nil, sseMeta{}, err
	}
	dk, err := hkdf.Key(sha256.New, bk, m.Salt, bucketKeyInfo, wrap.ObjectDataKeySize)
	if err != nil {
		return nil, sseMeta{}, err
	}
	return objectKeys{dk}, m, nil
}

// openBucketKeyDataKey recovers a bucket-key object's data key.
func (s *Server) openBucketKeyDataKey(ctx context.Context, m *sseMeta) (objectKeys, error) {
	if len(m.SealedKeys) != 1 || len(m.Salt) != 32 {
		return nil, corrupt(integrityFormat)
	}
	// Authorized per request: a cached bucket key never stands in for the caller's kms:Decrypt.
	if err := s.svc.AuthorizeKeyUse(ctx, "kms:Decrypt", m.KeyARN, m.Context); err != nil {
		return nil, err
	}
	c := s.bucketKeys
	sum := sha256.Sum256(m.SealedKeys[0])
	c.mu.Lock()
	c.sweep()
	var bk []byte
	if e := c.readers[sum]; e != nil {
		bk = e.copyKey()
	}
	c.mu.Unlock()
	if bk == nil {
		s.s3KMSCalls.Add(1)
		pt, _, err := s.svc.Decrypt(ctx, "", m.SealedKeys[0], m.Context)
		if err != nil {
			return nil, sealedKeyError(err)
		}
		e := &bucketKey{blob: m.SealedKeys[0], keyARN: m.KeyARN, expires: c.now().Add(c.ttl)}
		copy(e.key[:], pt)
		bk = pt
		c.mu.Lock()
		c.readers[sum] = e
		c.mu.Unlock()
	}
	defer clear(bk)
	dk, err := hkdf.Key(sha256.New, bk, m.Salt, bucketKeyInfo, wrap.ObjectDataKeySize)
	if err != nil {
		return nil, err
	}
	return objectKeys{dk}, nil
}
