package s3

import (
	"context"
	"errors"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/wrap"
)

// SSE-C multipart uploads get an integrity key. S3 does not ask for the customer key on
// CompleteMultipartUpload, so Complete cannot MAC the object's metadata with it; without a MAC
// the part list (which parts, in which order, how many) and the attributes would be whatever
// the store says. Instead CreateMultipartUpload, which has the customer key, also asks the key
// service for a data key under keyhold's SSE-S3 managed key, sealed with the context
// {"aws:s3:arn": "arn:aws:s3:::bucket/key"}; every part's metadata and the completed object's
// are MACed with it. keyhold can open it without the customer, an attacker with the store
// cannot, and it opens only under the object's own name: the reader builds the context from
// the request, never from the store. The price is one key service call per part and per GET of
// such an object (no HSM call while the managed key's backing key is cached).

// newIntegrityKey returns a sealed integrity key for the object bucket/key.
// The integrity key is keyhold's own (domain.AsSystem): no permission of the caller's is used.
func (s *Server) newIntegrityKey(ctx context.Context, bucket, key string) ([]byte, error) {
	ctx = domain.AsSystem(ctx)
	id, err := s.svc.ManagedKey(ctx, managedS3Alias, managedS3Desc)
	if err != nil {
		return nil, err
	}
	s.s3KMSCalls.Add(1)
	pt, blob, _, err := s.svc.GenerateDataKey(ctx, s.svc.KeyARN(id), wrap.ObjectDataKeySize, integrityContext(bucket, key))
	clear(pt)
	if err != nil {
		return nil, err
	}
	return blob, nil
}

// openIntegrityKey unseals m's integrity key for the object bind names; the caller clears it.
func (s *Server) openIntegrityKey(ctx context.Context, m *sseMeta, bind objectBinding) ([]byte, error) {
	s.s3KMSCalls.Add(1)
	pt, _, err := s.svc.Decrypt(domain.AsSystem(ctx), "", m.IntegrityKey, integrityContext(bind.Bucket, bind.Key))
	if err != nil {
		return nil, sealedKeyError(err)
	}
	return pt, nil
}

func integrityContext(bucket, key string) map[string]string {
	return map[string]string{s3ARNContextKey: objectARN(bucket, key)}
}

// sealedKeyError turns a sealed key that does not open under its context into an integrity
// failure: the stored object was changed, or belongs to another name. Other key service
// errors (a disabled key, an unavailable cluster) pass through as they are.
func sealedKeyError(err error) error {
	if errors.Is(err, domain.ErrInvalidCiphertext) {
		return corrupt(integritySealedKey)
	}
	return err
}
