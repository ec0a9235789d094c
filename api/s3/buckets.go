package s3

import (
	"context"
	"encoding/xml"
	"net/http"
	"time"
)

type listAllMyBucketsResult struct {
	XMLName xml.Name     `xml:"ListAllMyBucketsResult"`
	Xmlns   string       `xml:"xmlns,attr"`
	Owner   s3Owner      `xml:"Owner"`
	Buckets []bucketInfo `xml:"Buckets>Bucket"`
	// ContinuationToken is the next page's token; Prefix echoes the request's.
	ContinuationToken string `xml:"ContinuationToken,omitempty"`
	Prefix            string `xml:"Prefix,omitempty"`
}

type s3Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

type bucketInfo struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
}

const s3TimeFormat = "2006-01-02T15:04:05.000Z"

func s3Time(t time.Time) string { return t.UTC().Format(s3TimeFormat) }

// handleListBuckets is ListBuckets.
func handleListBuckets(ctx context.Context, s *Server, c *s3Call) error {
	res := listAllMyBucketsResult{Xmlns: s3Namespace, Owner: s3Owner{ID: c.who.Principal, DisplayName: c.who.Principal}}
	if err := pageBuckets(c.q, s.svc.ListBuckets(ctx), &res); err != nil {
		return err
	}
	return writeXML(c.w, http.StatusOK, res)
}

// handleCreateBucket is CreateBucket. A CreateBucketConfiguration body (LocationConstraint) is
// accepted and ignored: a keyhold deployment has one region.
func handleCreateBucket(ctx context.Context, s *Server, c *s3Call) error {
	if err := drain(c.body); err != nil {
		return err
	}
	if !validBucketName(c.bucket) {
		return s3Err(errInvalidBucketName, "The specified bucket is not valid.")
	}
	if err := s.svc.CreateBucket(ctx, c.bucket, c.who.Principal); err != nil {
		return err
	}
	c.w.Header().Set("Location", "/"+c.bucket)
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// handleDeleteBucket is DeleteBucket: only an empty bucket goes.
func handleDeleteBucket(ctx context.Context, s *Server, c *s3Call) error {
	keys, _, err := s.store.List(ctx, c.bucket, "", "", 1)
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		return s3Err(errBucketNotEmpty, "The bucket you tried to delete is not empty")
	}
	if err := s.svc.DeleteBucket(ctx, c.bucket); err != nil {
		return err
	}
	// Uploads still in progress die with their bucket, so that a new bucket of the same name
	// starts with none and their parts do not linger.
	s.abortBucketUploads(ctx, c.bucket)
	if err := s.store.RemoveBucket(ctx, c.bucket); err != nil {
		s.log.Warn("s3: releasing a deleted bucket's storage failed", "bucket", c.bucket, "err", err)
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleHeadBucket is HeadBucket: the pipeline has already checked that the bucket exists.
func handleHeadBucket(_ context.Context, s *Server, c *s3Call) error {
	c.w.Header().Set("X-Amz-Bucket-Region", s.opts.Region)
	c.w.WriteHeader(http.StatusOK)
	return nil
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Xmlns   string   `xml:"xmlns,attr"`
	Region  string   `xml:",chardata"`
}

// handleGetBucketLocation is GetBucketLocation (the AWS CLI asks for it).
func handleGetBucketLocation(_ context.Context, s *Server, c *s3Call) error {
	region := s.opts.Region
	if region == "us-east-1" {
		region = "" // S3 answers us-east-1 with an empty constraint
	}
	return writeXML(c.w, http.StatusOK, locationConstraint{Xmlns: s3Namespace, Region: region})
}
