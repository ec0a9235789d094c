package s3

import (
	"context"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
)

type listUploadsResult struct {
	XMLName            xml.Name       `xml:"ListMultipartUploadsResult"`
	Xmlns              string         `xml:"xmlns,attr"`
	Bucket             string         `xml:"Bucket"`
	KeyMarker          string         `xml:"KeyMarker"`
	UploadIDMarker     string         `xml:"UploadIdMarker"`
	NextKeyMarker      string         `xml:"NextKeyMarker,omitempty"`
	NextUploadIDMarker string         `xml:"NextUploadIdMarker,omitempty"`
	Prefix             string         `xml:"Prefix"`
	Delimiter          string         `xml:"Delimiter,omitempty"`
	MaxUploads         int            `xml:"MaxUploads"`
	EncodingType       string         `xml:"EncodingType,omitempty"`
	IsTruncated        bool           `xml:"IsTruncated"`
	Uploads            []uploadInfo   `xml:"Upload"`
	CommonPrefixes     []commonPrefix `xml:"CommonPrefixes"`
}

type uploadInfo struct {
	Key          string `xml:"Key"`
	UploadID     string `xml:"UploadId"`
	StorageClass string `xml:"StorageClass"`
	Initiated    string `xml:"Initiated"`
}

func uploadIndexKey(bucket, key, id string) string {
	return bucket + "/" + hex.EncodeToString([]byte(key)) + "/" + id
}

// parseUploadIndexKey reads an index entry listed under base ("<bucket>/").
func parseUploadIndexKey(base, entry string) (key, id string, ok bool) {
	hk, id, ok := strings.Cut(strings.TrimPrefix(entry, base), "/")
	raw, err := hex.DecodeString(hk)
	return string(raw), id, ok && err == nil
}

func (s *Server) putUploadIndex(ctx context.Context, bucket, key, id string) error {
	p, err := s.store.Create(ctx, mpuIndexBucket, uploadIndexKey(bucket, key, id))
	if err != nil {
		return err
	}
	defer p.Abort()
	return p.Commit(ctx)
}

// uploadIndexListBatch is how many index entries one store listing fetches.
const uploadIndexListBatch = 1000

// handleListMultipartUploads is ListMultipartUploads: uploads in order of key, then upload id,
// with prefix, delimiter (common prefixes), max-uploads and key-marker/upload-id-marker paging
// as S3 has them.
func handleListMultipartUploads(ctx context.Context, s *Server, c *s3Call) error {
	prefix, delim := c.q.Get("prefix"), c.q.Get("delimiter")
	keyMarker, idMarker := c.q.Get("key-marker"), c.q.Get("upload-id-marker")
	maxUploads, err := maxListSize(c.q, "max-uploads")
	if err != nil {
		return err
	}
	enc := c.q.Get("encoding-type")
	if enc != "" && enc != "url" {
		return s3Err(errInvalidArgument, "Invalid Encoding Method specified in Request")
	}
	res := listUploadsResult{Xmlns: s3Namespace, Bucket: c.bucket, KeyMarker: keyMarker, UploadIDMarker: idMarker,
		Prefix: prefix, Delimiter: delim, MaxUploads: maxUploads, EncodingType: enc}
	encode := func(k string) string {
		if enc == "url" {
			return url.QueryEscape(k)
		}
		return k
	}
	base := c.bucket + "/"
	hexPrefix := base + hex.EncodeToString([]byte(prefix))
	after := ""
	switch {
	case keyMarker == "":
	case idMarker != "":
		// S3: uploads of the marker key with a greater upload id, then later keys.
		after = uploadIndexKey(c.bucket, keyMarker, idMarker)
	case delim != "" && strings.HasSuffix(keyMarker, delim):
		// A NextKeyMarker that was a common prefix: skip everything under it.
		after = base + hex.EncodeToString([]byte(keyMarker)) + "~"
	default:
		// '~' sorts above the hex digits of any upload id and below nothing a longer key adds.
		after = base + hex.EncodeToString([]byte(keyMarker)) + "/~"
	}
	seenPrefix := map[string]bool{}
	count := 0
	for {
		entries, more, err := s.store.List(ctx, mpuIndexBucket, hexPrefix, after, uploadIndexListBatch)
		if err != nil {
			return err
		}
		for _, e := range entries {
			after = e
			key, id, ok := parseUploadIndexKey(base, e)
			if !ok {
				continue
			}
			if delim != "" {
				if i := strings.Index(key[len(prefix):], delim); i >= 0 {
					cp := key[:len(prefix)+i+len(delim)]
					if seenPrefix[cp] {
						continue
					}
					if count == maxUploads {
						res.IsTruncated = true
						return writeXML(c.w, http.StatusOK, res)
					}
					seenPrefix[cp] = true
					res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{Prefix: encode(cp)})
					res.NextKeyMarker, res.NextUploadIDMarker = encode(cp), ""
					count++
					continue
				}
			}
			u, err := s.loadUpload(ctx, c.bucket, key, id)
			if err != nil {
				if errors.Is(err, errNoSuchUpload) || errors.Is(err, fs.ErrNotExist) {
					// An index entry whose upload finished but whose removal was cut short.
					continue
				}
				return err
			}
			if count == maxUploads {
				res.IsTruncated = true
				return writeXML(c.w, http.StatusOK, res)
			}
			res.Uploads = append(res.Uploads, uploadInfo{Key: encode(key), UploadID: id, StorageClass: "STANDARD", Initiated: s3Time(u.Initiated)})
			res.NextKeyMarker, res.NextUploadIDMarker = encode(key), id
			count++
		}
		if !more {
			break
		}
	}
	res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	return writeXML(c.w, http.StatusOK, res)
}

// abortBucketUploads removes every upload of a deleted bucket.
func (s *Server) abortBucketUploads(ctx context.Context, bucket string) {
	base := bucket + "/"
	after := ""
	for {
		entries, more, err := s.store.List(ctx, mpuIndexBucket, base, after, uploadIndexListBatch)
		if err != nil {
			s.log.Warn("s3: listing a deleted bucket's uploads failed", "bucket", bucket, "err", err)
			return
		}
		for _, e := range entries {
			after = e
			if key, id, ok := parseUploadIndexKey(base, e); ok {
				s.removeUpload(ctx, bucket, key, id)
			}
		}
		if !more {
			return
		}
	}
}
