package domain

import (
	"context"
	"sort"

	"github.com/keyhold/keyhold/wrap"
)

// CreateBucket records a new bucket created by owner, in the caller's account. Bucket names are
// global: creating a bucket the caller's account already owns is ErrBucketExists (S3's
// BucketAlreadyOwnedByYou), one another account owns ErrBucketTaken (BucketAlreadyExists).
func (s *Service) CreateBucket(ctx context.Context, name, owner string) error {
	if !ValidBucketName(name) {
		return errorf(ErrValidation, "The specified bucket is not valid.")
	}
	account := s.CallerAccount(ctx)
	if b, ok := s.Bucket(name); ok {
		return bucketExists(b.Account, account, s.cfg.ARNs.Account)
	}
	return s.propose(ctx, encode(cmdCreateBucket, createBucketCmd{Bucket: Bucket{Name: name, CreatedAt: s.now(), Owner: owner, Account: account}}))
}

// bucketExists is the refusal of a CreateBucket of an existing bucket owned by owner ("" is
// first, the domain's first account) made by account.
func bucketExists(owner, account, first string) error {
	if owner == "" {
		owner = first
	}
	if account == "" {
		account = first
	}
	if owner != account {
		return errorf(ErrBucketTaken, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
	}
	return errorf(ErrBucketExists, "Your previous request to create the named bucket succeeded and you already own it.")
}

// DeleteBucket forgets a bucket. The caller checks that it holds no objects first: objects
// live in the object store, outside the replicated state.
func (s *Service) DeleteBucket(ctx context.Context, name string) error {
	if _, ok := s.Bucket(name); !ok {
		return errorf(ErrNoSuchBucket, "The specified bucket does not exist")
	}
	return s.propose(ctx, encode(cmdDeleteBucket, deleteBucketCmd{Name: name, At: s.now()}))
}

// Bucket returns a copy of the bucket's configuration.
func (s *Service) Bucket(name string) (*Bucket, bool) {
	var out *Bucket
	s.st.View(func(v *View) {
		if b := v.s.buckets[name]; b != nil {
			out = b.clone()
		}
	})
	return out, out != nil
}

// ListBuckets returns the buckets of the caller's account, sorted by name.
func (s *Service) ListBuckets(ctx context.Context) []*Bucket {
	account := s.CallerAccount(ctx)
	var out []*Bucket
	s.st.View(func(v *View) {
		for _, b := range v.s.buckets {
			if v.BucketAccount(b) == account {
				out = append(out, b.clone())
			}
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PutBucketEncryption sets (enc != nil) or deletes (enc == nil) the bucket default encryption.
func (s *Service) PutBucketEncryption(ctx context.Context, name string, enc *BucketEncryption) error {
	if enc != nil {
		switch enc.SSEAlgorithm {
		case SSEAlgorithmAES256:
			if enc.KMSMasterKeyID != "" {
				return errorf(ErrValidation, "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
			}
		case SSEAlgorithmKMS, SSEAlgorithmKMSDSSE:
		default:
			return errorf(ErrValidation, "The encryption method specified is not supported")
		}
		for _, t := range enc.BlockedEncryptionTypes {
			if t != "SSE-C" && t != "NONE" {
				return errorf(ErrValidation, "BlockedEncryptionTypes may hold SSE-C or NONE only")
			}
		}
	}
	if _, ok := s.Bucket(name); !ok {
		return errorf(ErrNoSuchBucket, "The specified bucket does not exist")
	}
	return s.propose(ctx, encode(cmdPutBucketEncryption, putBucketEncryptionCmd{Name: name, Encryption: enc}))
}

func (s *Service) aliasTarget(account, alias string) (wrap.KeyID, bool) {
	var id wrap.KeyID
	var ok bool
	s.st.View(func(v *View) {
		if a := v.AliasIn(account, alias); a != nil {
			id, ok = a.KeyID, true
		}
	})
	return id, ok
}
