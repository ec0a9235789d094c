package domain

import "time"

// Bucket command bodies.
type (
	createBucketCmd struct {
		Bucket Bucket
	}
	deleteBucketCmd struct {
		Name string
		At   time.Time
	}
	putBucketEncryptionCmd struct {
		Name       string
		Encryption *BucketEncryption // nil deletes the configuration
	}
)

func (s *State) applyCreateBucket(c *createBucketCmd) error {
	b := c.Bucket
	if old, ok := s.buckets[b.Name]; ok {
		if old.CreatedAt.Equal(b.CreatedAt) && old.Owner == b.Owner {
			return nil // a retried proposal
		}
		return bucketExists(old.Account, b.Account, s.arn.Account)
	}
	s.buckets[b.Name] = b.clone()
	return nil
}

func (s *State) applyDeleteBucket(c *deleteBucketCmd) error {
	if _, ok := s.buckets[c.Name]; !ok {
		return errorf(ErrNoSuchBucket, "The specified bucket does not exist")
	}
	delete(s.buckets, c.Name)
	delete(s.bucketPols, c.Name)
	return nil
}

func (s *State) applyPutBucketEncryption(c *putBucketEncryptionCmd) error {
	b, ok := s.buckets[c.Name]
	if !ok {
		return errorf(ErrNoSuchBucket, "The specified bucket does not exist")
	}
	if c.Encryption == nil {
		b.Encryption = nil
		return nil
	}
	e := *c.Encryption
	b.Encryption = &e
	return nil
}
