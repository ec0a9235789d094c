package s3

import (
	"context"
	"encoding/xml"
	"net/http"
)

// keyhold keeps no ACLs and no object tags: access is decided by SigV4 identity and policy,
// every bucket and object belongs to its account (S3's "bucket owner enforced"), and tags are
// refused on write rather than dropped. These handlers answer the reads as S3 answers them for
// such buckets and objects.

type accessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Xmlns   string   `xml:"xmlns,attr"`
	Owner   s3Owner  `xml:"Owner"`
	Grants  []grant  `xml:"AccessControlList>Grant"`
}

type grant struct {
	Grantee    grantee `xml:"Grantee"`
	Permission string  `xml:"Permission"`
}

type grantee struct {
	XMLNSXSI    string `xml:"xmlns:xsi,attr"`
	Type        string `xml:"xsi:type,attr"`
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

// ownerOnlyACL is the ACL of a private, owner-enforced resource.
func ownerOnlyACL(owner string) accessControlPolicy {
	o := s3Owner{ID: owner, DisplayName: owner}
	return accessControlPolicy{Xmlns: s3Namespace, Owner: o, Grants: []grant{{
		Grantee:    grantee{XMLNSXSI: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser", ID: owner, DisplayName: owner},
		Permission: "FULL_CONTROL",
	}}}
}

// handleGetBucketACL is GetBucketAcl.
func handleGetBucketACL(_ context.Context, _ *Server, c *s3Call) error {
	return writeXML(c.w, http.StatusOK, ownerOnlyACL(c.who.Principal))
}

// handleGetObjectACL is GetObjectAcl.
func handleGetObjectACL(ctx context.Context, s *Server, c *s3Call) error {
	if err := s.objectExists(ctx, c); err != nil {
		return err
	}
	return writeXML(c.w, http.StatusOK, ownerOnlyACL(c.who.Principal))
}

type tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr"`
	TagSet  struct{} `xml:"TagSet"`
}

// handleGetObjectTagging is GetObjectTagging: keyhold objects have no tags.
func handleGetObjectTagging(ctx context.Context, s *Server, c *s3Call) error {
	if err := s.objectExists(ctx, c); err != nil {
		return err
	}
	return writeXML(c.w, http.StatusOK, tagging{Xmlns: s3Namespace})
}

// handleDeleteObjectTagging is DeleteObjectTagging: there is nothing to delete.
func handleDeleteObjectTagging(ctx context.Context, s *Server, c *s3Call) error {
	if err := s.objectExists(ctx, c); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) objectExists(ctx context.Context, c *s3Call) error {
	if err := checkVersionID(c.q); err != nil {
		return err
	}
	obj, _, err := s.openObject(ctx, c.bucket, c.key)
	if err != nil {
		return err
	}
	return obj.Close()
}

// refuseTagging fails a write that asks for object tags, which keyhold does not store: better
// an error the client sees than tags silently lost.
func refuseTagging(h http.Header) error {
	if h.Get("X-Amz-Tagging") != "" {
		return s3Err(errNotImplemented, "keyhold does not store object tags (x-amz-tagging); nothing was written")
	}
	return nil
}
