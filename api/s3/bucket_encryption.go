package s3

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/keyhold/keyhold/domain"
)

// sseConfiguration is S3's ServerSideEncryptionConfiguration document.
type sseConfiguration struct {
	XMLName xml.Name  `xml:"ServerSideEncryptionConfiguration"`
	Xmlns   string    `xml:"xmlns,attr,omitempty"`
	Rules   []sseRule `xml:"Rule"`
}

type sseRule struct {
	Default *struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	} `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled       *bool `xml:"BucketKeyEnabled,omitempty"`
	BlockedEncryptionTypes *struct {
		EncryptionType []string `xml:"EncryptionType"`
	} `xml:"BlockedEncryptionTypes,omitempty"`
}

// handlePutBucketEncryption is PutBucketEncryption.
func handlePutBucketEncryption(ctx context.Context, s *Server, c *s3Call) error {
	var doc sseConfiguration
	if err := readXML(c, &doc); err != nil {
		return err
	}
	if len(doc.Rules) != 1 || doc.Rules[0].Default == nil {
		return s3Err(errMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	r := doc.Rules[0]
	enc := &domain.BucketEncryption{
		SSEAlgorithm:   strings.TrimSpace(r.Default.SSEAlgorithm),
		KMSMasterKeyID: strings.TrimSpace(r.Default.KMSMasterKeyID),
	}
	if r.BucketKeyEnabled != nil {
		enc.BucketKeyEnabled = *r.BucketKeyEnabled
	}
	if r.BlockedEncryptionTypes != nil {
		enc.BlockedEncryptionTypes = r.BlockedEncryptionTypes.EncryptionType
	}
	if err := s.svc.PutBucketEncryption(ctx, c.bucket, enc); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// handleGetBucketEncryption is GetBucketEncryption.
func handleGetBucketEncryption(_ context.Context, s *Server, c *s3Call) error {
	b, _ := s.svc.Bucket(c.bucket)
	if b == nil || b.Encryption == nil {
		return s3Err(errNoEncryptionConfig, "The server side encryption configuration was not found")
	}
	e := b.Encryption
	r := sseRule{BucketKeyEnabled: &e.BucketKeyEnabled}
	r.Default = &struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	}{e.SSEAlgorithm, e.KMSMasterKeyID}
	if len(e.BlockedEncryptionTypes) > 0 {
		r.BlockedEncryptionTypes = &struct {
			EncryptionType []string `xml:"EncryptionType"`
		}{e.BlockedEncryptionTypes}
	}
	return writeXML(c.w, http.StatusOK, sseConfiguration{Xmlns: s3Namespace, Rules: []sseRule{r}})
}

// handleDeleteBucketEncryption is DeleteBucketEncryption.
func handleDeleteBucketEncryption(ctx context.Context, s *Server, c *s3Call) error {
	if err := s.svc.PutBucketEncryption(ctx, c.bucket, nil); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}
