package s3

import (
	"context"
	"encoding/xml"
	"net/http"
)

// handleDeleteObject is DeleteObject; deleting a missing key succeeds, as in S3.
func handleDeleteObject(ctx context.Context, s *Server, c *s3Call) error {
	if err := checkVersionID(c.q); err != nil {
		return err
	}
	if err := s.store.Delete(ctx, c.bucket, c.key); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

type deleteRequest struct {
	Quiet   bool `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName xml.Name        `xml:"DeleteResult"`
	Xmlns   string          `xml:"xmlns,attr"`
	Deleted []deletedObject `xml:"Deleted"`
	Errors  []deleteError   `xml:"Error"`
}

type deletedObject struct {
	Key string `xml:"Key"`
}

type deleteError struct {
	Key     string `xml:"Key"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// maxDeleteObjects is S3's limit on keys per DeleteObjects request.
const maxDeleteObjects = 1000

// handleDeleteObjects is DeleteObjects.
func handleDeleteObjects(ctx context.Context, s *Server, c *s3Call) error {
	var req deleteRequest
	if err := readXML(c, &req); err != nil {
		return err
	}
	if len(req.Objects) == 0 || len(req.Objects) > maxDeleteObjects {
		return s3Err(errMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	res := deleteResult{Xmlns: s3Namespace}
	for _, o := range req.Objects {
		if o.VersionID != "" && o.VersionID != "null" {
			res.Errors = append(res.Errors, deleteError{Key: o.Key, Code: "InvalidArgument", Message: "Invalid version id specified"})
			continue
		}
		// S3 authorizes s3:DeleteObject on each key, not on the bucket.
		err := s.authorizeObject(ctx, "s3:DeleteObject", c.bucket, o.Key)
		if err == nil {
			err = s.store.Delete(ctx, c.bucket, o.Key)
		}
		if err != nil {
			aws, msg := errorFor(err)
			res.Errors = append(res.Errors, deleteError{Key: o.Key, Code: aws.Code, Message: msg})
			continue
		}
		if !req.Quiet {
			res.Deleted = append(res.Deleted, deletedObject{Key: o.Key})
		}
	}
	return writeXML(c.w, http.StatusOK, res)
}
