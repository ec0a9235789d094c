package domain

import (
	"context"
	"errors"
	"strings"

	"github.com/keyhold/keyhold/domain/policy"
)

// MaxBucketPolicy is S3's bucket policy size limit, in bytes.
const MaxBucketPolicy = 20 << 10

// parseBucketPolicy compiles a bucket policy with S3's limits. Every statement's resources
// must be the bucket or objects in it, as S3 requires ("Policy has invalid resource").
func parseBucketPolicy(bucket, doc string) (*policy.Policy, error) {
	p, err := policy.Parse(doc, policy.ParseOptions{Kind: policy.KindResource, Name: "bucket policy", MaxBytes: MaxBucketPolicy})
	if errors.Is(err, policy.ErrTooLarge) {
		return nil, errorf(ErrMalformedPolicy, "Policies must not exceed %d bytes", MaxBucketPolicy)
	}
	if err != nil {
		return nil, errorf(ErrMalformedPolicy, "%s", strings.TrimPrefix(err.Error(), "policy: "))
	}
	for _, st := range p.Statements {
		for _, r := range st.Resources {
			if r != "arn:aws:s3:::"+bucket && !strings.HasPrefix(r, "arn:aws:s3:::"+bucket+"/") {
				return nil, errorf(ErrMalformedPolicy, "Policy has invalid resource")
			}
		}
	}
	return p, nil
}

// nonPublicKeys are the condition keys that, with a fixed value, pin an allow to known callers
// (S3's "public" evaluation): an allow to everyone conditioned on one of them is not public.
var nonPublicKeys = map[string]bool{
	"aws:sourceip": true, "aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:sourceaccount": true, "aws:sourceowner": true, "aws:principalaccount": true,
	"aws:principalarn": true, "aws:principalorgid": true, "aws:userid": true, "s3:dataaccesspointaccount": true,
}

// policyIsPublic reports whether a bucket policy grants access to everyone: an Allow statement
// whose principal is "*" (or a NotPrincipal) and no condition pins it to fixed callers.
func policyIsPublic(p *policy.Policy) bool {
	for _, st := range p.Statements {
		if st.Effect != policy.EffectAllow || st.Principal == nil {
			continue
		}
		everyone := st.NotPrincipal || st.Principal.Wildcard
		for _, a := range st.Principal.AWS {
			everyone = everyone || a == "*"
		}
		if !everyone {
			continue
		}
		pinned := false
		for _, c := range st.Conditions {
			if nonPublicKeys[strings.ToLower(c.Key)] && !strings.Contains(strings.Join(c.Values, ""), "*") &&
				!strings.HasPrefix(c.Operator, "StringNot") && !strings.HasPrefix(c.Operator, "NotIp") && !strings.HasPrefix(c.Operator, "ArnNot") {
				pinned = true
			}
		}
		if !pinned {
			return true
		}
	}
	return false
}

// bucketPolicyActions are the actions the bucket owner's root may always perform, whatever the
// bucket policy says.
var bucketPolicyActions = map[string]bool{"s3:getbucketpolicy": true, "s3:putbucketpolicy": true, "s3:deletebucketpolicy": true}

// ownerRootManagesPolicy reports whether the caller in ctx is the root user of the account that
// owns the bucket (owner) asking to read, replace or delete its policy. S3 lets that root do so
// even when the policy denies it, so that a policy cannot lock the bucket's owner out of its
// own policy (AWS's "deny unless aws:SecureTransport" on a node serving plain HTTP would).
// Only the bucket policy is set aside: the root's own policies still apply.
func ownerRootManagesPolicy(ctx context.Context, action, owner string) bool {
	if !bucketPolicyActions[strings.ToLower(action)] {
		return false
	}
	c, ok := CallerFrom(ctx)
	return ok && c.Principal.Type == policy.PrincipalRoot && c.Principal.Account == owner
}

// PutBucketPolicy sets a bucket's policy. S3's Block Public Access is always on in keyhold, so
// a policy that would make the bucket public is refused, as S3 refuses it with
// BlockPublicPolicy set.
func (s *Service) PutBucketPolicy(ctx context.Context, bucket, doc string) error {
	if _, ok := s.Bucket(bucket); !ok {
		return errorf(ErrNoSuchBucket, "The specified bucket does not exist")
	}
	p, err := parseBucketPolicy(bucket, doc)
	if err != nil {
		return err
	}
	if policyIsPublic(p) {
		return errorf(ErrAccessDenied, "Access Denied: Block Public Access (BlockPublicPolicy) is on and the policy would make the bucket public")
	}
	return s.propose(ctx, encode(cmdPutBucketPolicy, putBucketPolicyCmd{Name: bucket, Policy: doc}))
}

// DeleteBucketPolicy removes a bucket's policy (no error when it has none, as in S3).
func (s *Service) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	if _, ok := s.Bucket(bucket); !ok {
		return errorf(ErrNoSuchBucket, "The specified bucket does not exist")
	}
	return s.propose(ctx, encode(cmdPutBucketPolicy, putBucketPolicyCmd{Name: bucket}))
}

// BucketPolicy returns a bucket's policy text ("" when it has none) and whether it is public.
func (s *Service) BucketPolicy(bucket string) (text string, public bool, err error) {
	found := false
	s.st.View(func(v *View) {
		b := v.s.buckets[bucket]
		if b == nil {
			return
		}
		found = true
		text = b.Policy
		if p := v.s.bucketPols[bucket]; p != nil {
			public = policyIsPublic(p)
		}
	})
	if !found {
		return "", false, errorf(ErrNoSuchBucket, "The specified bucket does not exist")
	}
	return text, public, nil
}

type putBucketPolicyCmd struct {
	Name   string
	Policy string // "" deletes the policy
}

// applyPutBucketPolicy sets or deletes a bucket's policy; the text must parse.
func (s *State) applyPutBucketPolicy(c *putBucketPolicyCmd) error {
	b, ok := s.buckets[c.Name]
	if !ok {
		return errorf(ErrNoSuchBucket, "The specified bucket does not exist")
	}
	if c.Policy == "" {
		b.Policy = ""
		delete(s.bucketPols, c.Name)
		return nil
	}
	p, err := parseBucketPolicy(c.Name, c.Policy)
	if err != nil {
		return err
	}
	b.Policy = c.Policy
	s.bucketPols[c.Name] = p
	return nil
}
