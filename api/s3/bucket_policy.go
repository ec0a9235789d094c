package s3

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"

	"github.com/keyhold/keyhold/domain"
)

// Bucket policies (PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy, GetBucketPolicyStatus)
// and the two settings that bound them: Block Public Access, which keyhold keeps fully on (so
// a policy that would make a bucket public is refused), and Object Ownership, which is always
// BucketOwnerEnforced (ACLs are off: access is decided by policies alone).

// policyOwnerOnly refuses the bucket-policy operations to every account but the bucket
// owner's, whatever a bucket policy allows (S3 answers 405 MethodNotAllowed): a bucket shared
// with another account by a policy granting it s3:* must not let that account rewrite the
// policy, take the bucket over and lock its owner out.
func (s *Server) policyOwnerOnly(ctx context.Context, bucket string) error {
	if domain.IsSystem(ctx) {
		return nil
	}
	b, ok := s.svc.Bucket(bucket)
	if !ok {
		return nil // the operation answers NoSuchBucket
	}
	owner := b.Account
	if owner == "" {
		owner = s.svc.ARNs().Account
	}
	if owner != s.svc.CallerAccount(ctx) {
		return s3Err(errMethodNotAllowed, "The specified method is not allowed against this resource.")
	}
	return nil
}

// handlePutBucketPolicy is PutBucketPolicy: the body is the policy document.
func handlePutBucketPolicy(ctx context.Context, s *Server, c *s3Call) error {
	if err := s.policyOwnerOnly(ctx, c.bucket); err != nil {
		return err
	}
	doc, err := io.ReadAll(io.LimitReader(c.body, domain.MaxBucketPolicy+1))
	if err != nil {
		return err
	}
	if len(doc) == 0 {
		return &domain.Error{Kind: domain.ErrMalformedPolicy, Msg: "Policies must be valid JSON and the first byte must be '{'"}
	}
	if err := s.svc.PutBucketPolicy(ctx, c.bucket, string(doc)); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleGetBucketPolicy is GetBucketPolicy: the document as the owner put it.
func handleGetBucketPolicy(ctx context.Context, s *Server, c *s3Call) error {
	if err := s.policyOwnerOnly(ctx, c.bucket); err != nil {
		return err
	}
	text, _, err := s.svc.BucketPolicy(c.bucket)
	if err != nil {
		return err
	}
	if text == "" {
		return s3Err(errNoSuchBucketPolicy, "The bucket policy does not exist")
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.Header().Set("Content-Length", strconv.Itoa(len(text)))
	c.w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(c.w, text)
	return nil
}

// handleDeleteBucketPolicy is DeleteBucketPolicy.
func handleDeleteBucketPolicy(ctx context.Context, s *Server, c *s3Call) error {
	if err := s.policyOwnerOnly(ctx, c.bucket); err != nil {
		return err
	}
	if err := s.svc.DeleteBucketPolicy(ctx, c.bucket); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleGetBucketPolicyStatus is GetBucketPolicyStatus. Block Public Access refuses public
// policies, so IsPublic is false whenever a policy exists; it is computed all the same.
func handleGetBucketPolicyStatus(ctx context.Context, s *Server, c *s3Call) error {
	if err := s.policyOwnerOnly(ctx, c.bucket); err != nil {
		return err
	}
	text, public, err := s.svc.BucketPolicy(c.bucket)
	if err != nil {
		return err
	}
	if text == "" {
		return s3Err(errNoSuchBucketPolicy, "The bucket policy does not exist")
	}
	return writeXML(c.w, http.StatusOK, struct {
		XMLName  xml.Name `xml:"PolicyStatus"`
		Xmlns    string   `xml:"xmlns,attr"`
		IsPublic bool
	}{Xmlns: s3Namespace, IsPublic: public})
}

// publicAccessBlock is keyhold's fixed Block Public Access configuration: everything on.
type publicAccessBlock struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	Xmlns                 string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       bool
	IgnorePublicAcls      bool
	BlockPublicPolicy     bool
	RestrictPublicBuckets bool
}

// handleGetPublicAccessBlock reports Block Public Access as fully on.
func handleGetPublicAccessBlock(_ context.Context, _ *Server, c *s3Call) error {
	return writeXML(c.w, http.StatusOK, publicAccessBlock{Xmlns: s3Namespace, BlockPublicAcls: true, IgnorePublicAcls: true,
		BlockPublicPolicy: true, RestrictPublicBuckets: true})
}

// handlePutPublicAccessBlock accepts only the configuration keyhold has (everything on): a
// request to turn a block off is refused rather than stored and ignored.
func handlePutPublicAccessBlock(_ context.Context, _ *Server, c *s3Call) error {
	var in publicAccessBlock
	if err := xml.NewDecoder(io.LimitReader(c.body, 64<<10)).Decode(&in); err != nil {
		return s3Err(errMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if !in.BlockPublicAcls || !in.IgnorePublicAcls || !in.BlockPublicPolicy || !in.RestrictPublicBuckets {
		return s3Err(errNotImplemented, "keyhold keeps Block Public Access fully on: buckets cannot be made public.")
	}
	return nil
}

// ownershipControls is the BucketOwnerEnforced setting every keyhold bucket has.
type ownershipControls struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []struct {
		ObjectOwnership string
	} `xml:"Rule"`
}

// handleGetOwnershipControls reports BucketOwnerEnforced.
func handleGetOwnershipControls(_ context.Context, _ *Server, c *s3Call) error {
	oc := ownershipControls{Xmlns: s3Namespace}
	oc.Rules = append(oc.Rules, struct{ ObjectOwnership string }{"BucketOwnerEnforced"})
	return writeXML(c.w, http.StatusOK, oc)
}

// handlePutOwnershipControls accepts BucketOwnerEnforced only: ACLs stay off.
func handlePutOwnershipControls(_ context.Context, _ *Server, c *s3Call) error {
	var in ownershipControls
	if err := xml.NewDecoder(io.LimitReader(c.body, 64<<10)).Decode(&in); err != nil {
		return s3Err(errMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if len(in.Rules) != 1 || in.Rules[0].ObjectOwnership != "BucketOwnerEnforced" {
		return s3Err(errNotImplemented, "keyhold buckets are BucketOwnerEnforced: ACLs are disabled.")
	}
	return nil
}
