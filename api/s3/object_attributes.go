package s3

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// GetObjectAttributes returns the attributes the x-amz-object-attributes header names, from the
// object's metadata: nothing is decrypted. The metadata is still authenticated first (so an
// SSE-C object needs its customer key, as in S3), since its sizes, ETag and parts are what the
// answer is made of.

type objectAttributesResult struct {
	XMLName      xml.Name           `xml:"GetObjectAttributesResponse"`
	Xmlns        string             `xml:"xmlns,attr"`
	ETag         string             `xml:"ETag,omitempty"`
	Checksum     *checksumFields    `xml:"Checksum,omitempty"`
	ObjectParts  *objectPartsResult `xml:"ObjectParts,omitempty"`
	StorageClass string             `xml:"StorageClass,omitempty"`
	ObjectSize   *int64             `xml:"ObjectSize,omitempty"`
}

type objectPartsResult struct {
	IsTruncated          bool             `xml:"IsTruncated"`
	MaxParts             int              `xml:"MaxParts"`
	NextPartNumberMarker int              `xml:"NextPartNumberMarker"`
	PartNumberMarker     int              `xml:"PartNumberMarker"`
	Parts                []objectPartInfo `xml:"Part"`
	PartsCount           int              `xml:"PartsCount"`
}

type objectPartInfo struct {
	checksumFields
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
}

// objectAttributeNames are the values x-amz-object-attributes may list.
var objectAttributeNames = map[string]bool{"ETag": true, "Checksum": true, "ObjectParts": true, "StorageClass": true, "ObjectSize": true}

// handleGetObjectAttributes is GetObjectAttributes.
func handleGetObjectAttributes(ctx context.Context, s *Server, c *s3Call) (err error) {
	defer func() { s.noteIntegrity(c, c.bucket, c.key, err) }()
	if err := checkVersionID(c.q); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, v := range c.r.Header.Values("X-Amz-Object-Attributes") {
		for _, a := range strings.Split(v, ",") {
			a = strings.TrimSpace(a)
			if !objectAttributeNames[a] {
				return s3Err(errInvalidArgument, "Invalid attribute name specified.")
			}
			want[a] = true
		}
	}
	if len(want) == 0 {
		return s3Err(errInvalidRequest, "Empty Attribute List")
	}
	maxParts, marker := 1000, 0
	if v := c.r.Header.Get("X-Amz-Max-Parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return s3Err(errInvalidArgument, "Provided max-parts not an integer or within integer range")
		}
		maxParts = min(n, 1000)
	}
	if v := c.r.Header.Get("X-Amz-Part-Number-Marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return s3Err(errInvalidArgument, "Provided part-number-marker not an integer or within integer range")
		}
		marker = n
	}
	v, err := s.openVerified(ctx, c)
	if err != nil {
		return err
	}
	defer v.close()
	m, q := v.m, v.q
	if err := checkConditions(c.r.Header, m); err != nil {
		return err
	}
	res := objectAttributesResult{Xmlns: s3Namespace}
	if want["ETag"] {
		res.ETag = strings.Trim(m.ETag, `"`)
	}
	if want["Checksum"] && m.Checksum != nil {
		res.Checksum = &checksumFields{}
		typ := m.Checksum.Type
		if typ == "" {
			typ = "FULL_OBJECT"
		}
		res.Checksum.set(m.Checksum, typ)
	}
	multipart := len(m.Parts) > 1 || len(m.Parts) == 1 && m.Parts[0].Number != 0
	if want["ObjectParts"] && multipart {
		res.ObjectParts = objectParts(m, marker, maxParts)
	}
	if want["StorageClass"] {
		res.StorageClass = "STANDARD"
	}
	if want["ObjectSize"] {
		size := m.Size
		res.ObjectSize = &size
	}
	h := c.w.Header()
	h.Set("Last-Modified", m.LastModified.UTC().Format(http.TimeFormat))
	s.sseResponseHeaders(h, &m.SSE, q)
	return writeXML(c.w, http.StatusOK, res)
}

// objectParts is one page of a multipart object's parts after part number marker.
func objectParts(m *objectMeta, marker, maxParts int) *objectPartsResult {
	op := &objectPartsResult{MaxParts: maxParts, PartNumberMarker: marker, PartsCount: len(m.Parts)}
	for _, p := range m.Parts {
		if p.Number <= marker {
			continue
		}
		if len(op.Parts) == maxParts {
			op.IsTruncated = true
			break
		}
		pi := objectPartInfo{PartNumber: p.Number, Size: p.Size}
		if f := pi.field(checksumName(m)); f != nil && p.Checksum != "" {
			*f = p.Checksum
		}
		op.Parts = append(op.Parts, pi)
		op.NextPartNumberMarker = p.Number
	}
	return op
}

func checksumName(m *objectMeta) string {
	if m.Checksum == nil {
		return ""
	}
	return m.Checksum.Name
}
