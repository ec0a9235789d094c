package api

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"net/http"
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
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	Contents              []objectInfo   `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

type objectInfo struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

// handleListObjects is ListObjectsV2 (list-type=2) and ListObjects (v1, marker paging).
func handleListObjects(ctx context.Context, s *Server, c *s3Call) error {
	v2 := c.q.Get("list-type") == "2"
	prefix, delim := c.q.Get("prefix"), c.q.Get("delimiter")
	maxKeys := 1000
	if v := c.q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return s3Err(errInvalidArgument, "Provided max-keys not an integer or within integer range")
		}
		maxKeys = min(n, 1000)
	}
	after := c.q.Get("marker")
	res := listBucketResult{Xmlns: s3Namespace, Name: c.bucket, Prefix: prefix, Delimiter: delim, MaxKeys: maxKeys}
	if v2 {
		after = c.q.Get("start-after")
		res.StartAfter = after
		if tok := c.q.Get("continuation-token"); tok != "" {
			raw, err := base64.RawURLEncoding.DecodeString(tok)
			if err != nil {
				return s3Err(errInvalidArgument, "The continuation token provided is incorrect")
			}
			res.ContinuationToken, after = tok, string(raw)
		}
	} else {
		res.Marker = &after
	}
	last := after
	count := 0
	for count < maxKeys {
		keys, more, err := s.store.List(ctx, c.bucket, prefix, after, maxKeys-count+1)
		if err != nil {
			return err
		}
		for _, k := range keys {
			after = k
			if delim != "" {
				if i := strings.Index(k[len(prefix):], delim); i >= 0 {
					cp := k[:len(prefix)+i+len(delim)]
					if n := len(res.CommonPrefixes); n == 0 || res.CommonPrefixes[n-1].Prefix != cp {
						if count == maxKeys {
							res.IsTruncated = true
							break
						}
						res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{cp})
						count++
						last = cp
					}
					// Skip the rest of this prefix: every key below it sorts before cp+"\xff...".
					after = cp + "\U0010FFFF"
					continue
				}
			}
			if count == maxKeys {
				res.IsTruncated = true
				break
			}
			info, err := s.objectInfo(ctx, c.bucket, k)
			if err != nil {
				if isNotExist(err) {
					continue // deleted since it was listed
				}
				return err
			}
			res.Contents = append(res.Contents, info)
			count++
			last = k
		}
		if res.IsTruncated || !more {
			break
		}
	}
	if !res.IsTruncated && count == maxKeys && maxKeys > 0 {
		keys, _, err := s.store.List(ctx, c.bucket, prefix, after, 1)
		if err != nil {
			return err
		}
		res.IsTruncated = len(keys) > 0
	}
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
	return writeXML(c.w, http.StatusOK, res)
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
