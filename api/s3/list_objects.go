package s3

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

type listBucketResult struct {
	XMLName               xml.Name       `xml:"ListBucketResult"`
	Xmlns                 string         `xml:"xmlns,attr"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	MaxKeys               int            `xml:"MaxKeys"`
	IsTruncated           bool           `xml:"IsTruncated"`
	Marker                *string        `xml:"Marker,omitempty"`
	NextMarker            string         `xml:"NextMarker,omitempty"`
	KeyCount              *int           `xml:"KeyCount,omitempty"`
	ContinuationToken     *string        `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	Contents              []objectInfo   `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

type objectInfo struct {
	Key          string   `xml:"Key"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
	Size         int64    `xml:"Size"`
	StorageClass string   `xml:"StorageClass"`
	Owner        *s3Owner `xml:"Owner,omitempty"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

// handleListObjects is ListObjectsV2 (list-type=2) and ListObjects (v1, marker paging).
func handleListObjects(ctx context.Context, s *Server, c *s3Call) error {
	v2 := c.q.Get("list-type") == "2"
	prefix, delim := c.q.Get("prefix"), c.q.Get("delimiter")
	maxKeys, err := maxListSize(c.q, "max-keys")
	if err != nil {
		return err
	}
	after := c.q.Get("marker")
	res := listBucketResult{Xmlns: s3Namespace, Name: c.bucket, Prefix: prefix, Delimiter: delim, MaxKeys: maxKeys}
	if v2 {
		after = c.q.Get("start-after")
		res.StartAfter = after
		if tok, ok := c.q["continuation-token"]; ok {
			raw, err := base64.RawURLEncoding.DecodeString(tok[0])
			if err != nil {
				return s3Err(errInvalidArgument, "The continuation token provided is incorrect")
			}
			res.ContinuationToken = &tok[0]
			if tok[0] != "" {
				after = string(raw)
			}
		}
	} else {
		res.Marker = &after
	}
	enc, err := listEncoding(c.q)
	if err != nil {
		return err
	}
	page, err := s.listPage(ctx, c.bucket, prefix, delim, skipCommonPrefix(prefix, delim, after), maxKeys)
	if err != nil {
		return err
	}
	res.Contents, res.CommonPrefixes, res.IsTruncated = page.contents, page.prefixes, page.truncated
	last, count := page.last, len(page.contents)+len(page.prefixes)
	if res.IsTruncated {
		if v2 {
			res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(last))
		} else if delim != "" {
			res.NextMarker = last
		}
	}
	if v2 {
		res.KeyCount = &count
	}
	s.listOwners(c, &res, v2)
	enc.apply(&res)
	return writeXML(c.w, http.StatusOK, res)
}

// maxListSize reads a page-size parameter (max-keys, max-uploads): 1000 when absent, at most
// 1000, and a number that is not a non-negative integer is InvalidArgument, as in S3.
func maxListSize(q url.Values, param string) (int, error) {
	v := q.Get(param)
	if v == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, s3Err(errInvalidArgument, "Provided "+param+" not an integer or within integer range")
	}
	return min(n, 1000), nil
}

// listing is one page of a bucket listing.
type listing struct {
	contents  []objectInfo
	prefixes  []commonPrefix
	truncated bool
	last      string // the last key or common prefix returned: where the next page starts
}

// listPage lists up to maxKeys keys and common prefixes of bucket under prefix after the key
// after, rolling keys up to their common prefix at the first delim after prefix.
func (s *Server) listPage(ctx context.Context, bucket, prefix, delim, after string, maxKeys int) (listing, error) {
	var page listing
	page.last = after
	count := 0
	for count < maxKeys {
		keys, more, err := s.store.List(ctx, bucket, prefix, after, maxKeys-count+1)
		if err != nil {
			return page, err
		}
		for _, k := range keys {
			after = k
			if delim != "" {
				if i := strings.Index(k[len(prefix):], delim); i >= 0 {
					cp := k[:len(prefix)+i+len(delim)]
					if n := len(page.prefixes); n == 0 || page.prefixes[n-1].Prefix != cp {
						if count == maxKeys {
							page.truncated = true
							break
						}
						page.prefixes = append(page.prefixes, commonPrefix{cp})
						count++
						page.last = cp
					}
					// Skip the rest of this prefix: every key below it sorts before cp+"\xff...".
					after = cp + "\U0010FFFF"
					continue
				}
			}
			if count == maxKeys {
				page.truncated = true
				break
			}
			info, err := s.objectInfo(ctx, bucket, k)
			if err != nil {
				if isNotExist(err) {
					continue // deleted since it was listed
				}
				return page, err
			}
			page.contents = append(page.contents, info)
			count++
			page.last = k
		}
		if page.truncated || !more {
			break
		}
	}
	if !page.truncated && count == maxKeys && maxKeys > 0 {
		keys, _, err := s.store.List(ctx, bucket, prefix, after, 1)
		if err != nil {
			return page, err
		}
		page.truncated = len(keys) > 0
	}
	return page, nil
}

// objectInfo reads a listed object's metadata (its size and ETag are in its trailer).
func (s *Server) objectInfo(ctx context.Context, bucket, key string) (objectInfo, error) {
	obj, m, err := s.openObject(ctx, bucket, key)
	if err != nil {
		return objectInfo{}, err
	}
	obj.Close()
	return objectInfo{Key: key, LastModified: s3Time(m.LastModified), ETag: m.ETag, Size: m.Size, StorageClass: "STANDARD"}, nil
}
