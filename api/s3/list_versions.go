package s3

import (
	"context"
	"encoding/xml"
	"net/http"
)

type listVersionsResult struct {
	XMLName             xml.Name        `xml:"ListVersionsResult"`
	Xmlns               string          `xml:"xmlns,attr"`
	Name                string          `xml:"Name"`
	Prefix              string          `xml:"Prefix"`
	KeyMarker           string          `xml:"KeyMarker"`
	VersionIDMarker     string          `xml:"VersionIdMarker"`
	NextKeyMarker       string          `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string          `xml:"NextVersionIdMarker,omitempty"`
	Delimiter           string          `xml:"Delimiter,omitempty"`
	MaxKeys             int             `xml:"MaxKeys"`
	IsTruncated         bool            `xml:"IsTruncated"`
	Versions            []objectVersion `xml:"Version"`
	CommonPrefixes      []commonPrefix  `xml:"CommonPrefixes"`
	EncodingType        string          `xml:"EncodingType,omitempty"`
}

type objectVersion struct {
	Key          string `xml:"Key"`
	VersionID    string `xml:"VersionId"`
	IsLatest     bool   `xml:"IsLatest"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

// handleListObjectVersions is ListObjectVersions. keyhold buckets are unversioned, so, as S3
// lists such a bucket, every object is its one "null" version and the latest.
func handleListObjectVersions(ctx context.Context, s *Server, c *s3Call) error {
	prefix, delim := c.q.Get("prefix"), c.q.Get("delimiter")
	maxKeys, err := maxListSize(c.q, "max-keys")
	if err != nil {
		return err
	}
	keyMarker, idMarker := c.q.Get("key-marker"), c.q.Get("version-id-marker")
	if idMarker != "" && idMarker != "null" {
		return s3Err(errInvalidArgument, "Invalid version id marker")
	}
	enc, err := listEncoding(c.q)
	if err != nil {
		return err
	}
	page, err := s.listPage(ctx, c.bucket, prefix, delim, skipCommonPrefix(prefix, delim, keyMarker), maxKeys)
	if err != nil {
		return err
	}
	res := listVersionsResult{Xmlns: s3Namespace, Name: c.bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIDMarker: idMarker,
		Delimiter: delim, MaxKeys: maxKeys, IsTruncated: page.truncated, CommonPrefixes: page.prefixes}
	for _, o := range page.contents {
		res.Versions = append(res.Versions, objectVersion{Key: o.Key, VersionID: "null", IsLatest: true,
			LastModified: o.LastModified, ETag: o.ETag, Size: o.Size, StorageClass: o.StorageClass})
	}
	if page.truncated {
		res.NextKeyMarker = page.last
		if n := len(page.contents); n > 0 && page.contents[n-1].Key == page.last {
			res.NextVersionIDMarker = "null"
		}
	}
	enc.applyVersions(&res)
	return writeXML(c.w, http.StatusOK, res)
}
