package s3

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/objstore"
	"github.com/keyhold/keyhold/api/sigv4"
)

// Multipart uploads. An upload's state lives in the object store under the pseudo-bucket
// mpuBucket (not a valid bucket name, so it cannot collide): "<bucket>/<upload id>/upload" holds
// the upload record, "<bucket>/<upload id>/<part, 5 digits>" each part as a stored object of one
// sealed part. Every part is sealed under keys derived from the upload's data keys and its part
// number (partKeys), with its own header, salt and segment numbering; Complete concatenates the
// sealed parts unchanged, so completing costs no decryption.
const (
	mpuBucket = "_keyhold-mpu"
	// mpuIndexBucket lists the uploads in S3's order: "<bucket>/<hex(key)>/<upload id>", empty.
	// Hex keeps bytewise key order ('/' sorts below every hex digit, so "ab" follows "a"'s
	// uploads), which lets ListMultipartUploads page with the store's own ordered listing.
	mpuIndexBucket = "_keyhold-mpu-index"
	maxParts       = 10000
	minPartSize    = 5 << 20
)

// uploadRecord is a multipart upload's record.
type uploadRecord struct {
	Key       string     `json:"key"`
	Initiated time.Time  `json:"initiated"`
	Meta      objectMeta `json:"meta"` // attributes and SSE of the object to be
	// Checksum is the algorithm and type named at creation, which every part must carry.
	Checksum *mpuChecksum `json:"checksum,omitempty"`
}

func mpuPrefix(bucket, id string) string { return bucket + "/" + id + "/" }

func (s *Server) loadUpload(ctx context.Context, bucket, key, id string) (*uploadRecord, error) {
	if id == "" || strings.ContainsAny(id, "/.") {
		return nil, s3Err(errNoSuchUpload, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
	}
	obj, err := s.store.Open(ctx, mpuBucket, mpuPrefix(bucket, id)+"upload")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, s3Err(errNoSuchUpload, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
	}
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	raw, err := readAll(ctx, obj, 0, obj.Size())
	if err != nil {
		return nil, err
	}
	var u uploadRecord
	if err := json.Unmarshal(raw, &u); err != nil || u.Key != key {
		return nil, s3Err(errNoSuchUpload, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
	}
	return &u, nil
}

type initiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// handleCreateMultipartUpload is CreateMultipartUpload: the object's keys are chosen now.
func handleCreateMultipartUpload(ctx context.Context, s *Server, c *s3Call) error {
	if err := drain(c.body); err != nil {
		return err
	}
	if err := checkKey(c.key); err != nil {
		return err
	}
	if err := refuseTagging(c.r.Header); err != nil {
		return err
	}
	bucket, _ := s.svc.Bucket(c.bucket)
	q, err := parseSSEHeaders(c.r.Header, "")
	if err != nil {
		return err
	}
	defer q.clear()
	keys, sse, err := s.newObjectKeys(ctx, bucket, c.key, q, s.tlsOK(c.r))
	if err != nil {
		return err
	}
	defer keys.clear()
	sumAlg, err := parseMPUChecksum(c.r.Header)
	if err != nil {
		return err
	}
	if sse.Algorithm == sseC {
		// Complete may come without the customer key; the metadata MACs use this instead.
		if sse.IntegrityKey, err = s.newIntegrityKey(ctx, c.bucket, c.key); err != nil {
			return err
		}
	}
	var idb [16]byte
	_, _ = rand.Read(idb[:])
	id := hex.EncodeToString(idb[:])
	u := uploadRecord{Key: c.key, Initiated: time.Now().UTC(), Meta: objectMeta{SSE: sse, UploadID: id}, Checksum: sumAlg}
	requestAttrs(c.r.Header, &u.Meta)
	// The record's metadata (encryption and attributes of the object to be) is MACed for the
	// upload like every part's, so that what Complete commits is what Create was asked for.
	if err := s.sealMeta(ctx, &u.Meta, keys, objectBinding{Bucket: c.bucket, Key: c.key, UploadID: id}); err != nil {
		return err
	}
	raw, _ := json.Marshal(&u)
	// The index entry goes first and is removed last, so every upload record has one.
	if err := s.putUploadIndex(ctx, c.bucket, c.key, id); err != nil {
		return err
	}
	p, err := s.store.Create(ctx, mpuBucket, mpuPrefix(c.bucket, id)+"upload")
	if err != nil {
		return err
	}
	defer p.Abort()
	if _, err := p.Write(raw); err != nil {
		return err
	}
	if err := p.Commit(ctx); err != nil {
		return err
	}
	s.sseResponseHeaders(c.w.Header(), &sse, q)
	if sumAlg != nil {
		c.w.Header().Set("X-Amz-Checksum-Algorithm", strings.ToUpper(algName(sumAlg.Name)))
		c.w.Header().Set("X-Amz-Checksum-Type", sumAlg.Type)
	}
	return writeXML(c.w, http.StatusOK, initiateResult{Xmlns: s3Namespace, Bucket: c.bucket, Key: c.key, UploadID: id})
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"CopyPartResult"`
	Xmlns        string   `xml:"xmlns,attr"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
	checksumFields
}

// handleUploadPart is UploadPart and UploadPartCopy.
func handleUploadPart(ctx context.Context, s *Server, c *s3Call) error {
	// Parts are sealed for the upload's object name, its upload id and their number, so a part
	// stored in another upload's or another part's place does not open.
	n, err := strconv.Atoi(c.q.Get("partNumber"))
	if err != nil || n < 1 || n > maxParts {
		return s3Err(errInvalidArgument, "Part number must be an integer between 1 and 10000, inclusive")
	}
	u, err := s.loadUpload(ctx, c.bucket, c.key, c.q.Get("uploadId"))
	if err != nil {
		return err
	}
	q, err := parseSSEHeaders(c.r.Header, "")
	if err != nil {
		return err
	}
	defer q.clear()
	id := c.q.Get("uploadId")
	bind := objectBinding{Bucket: c.bucket, Key: c.key, UploadID: id}
	keys, err := s.openObjectKeys(ctx, &u.Meta.SSE, q, bind)
	if err != nil {
		s.noteIntegrity(c, c.bucket, c.key, err)
		return err
	}
	defer keys.clear()
	if err := s.verifyMeta(ctx, &u.Meta, keys, bind); err != nil {
		s.noteIntegrity(c, c.bucket, c.key, err)
		return err
	}
	body, contentMD5 := c.body, c.r.Header.Get("Content-Md5")
	copying := c.op == "UploadPartCopy"
	var copySum hash.Hash
	if copying {
		if err := drain(c.body); err != nil {
			return err
		}
		start, end := int64(0), int64(-1)
		if v := c.r.Header.Get("X-Amz-Copy-Source-Range"); v != "" {
			var a, b int64
			if _, err := fmt.Sscanf(v, "bytes=%d-%d", &a, &b); err != nil || b < a {
				return s3Err(errInvalidArgument, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
			}
			start, end = a, b+1
		}
		obj, _, rc, err := s.openCopySource(ctx, c, start, end)
		if err != nil {
			return err
		}
		defer obj.Close()
		defer rc.Close()
		body, contentMD5 = rc, ""
		if u.Checksum != nil {
			// S3 computes a copied part's checksum itself.
			copySum, _ = sigv4.NewChecksum(u.Checksum.Name)
			body = io.TeeReader(rc, copySum)
		}
	} else if err := checkPutSize(c.r); err != nil {
		return err
	}
	p, err := s.store.Create(ctx, mpuBucket, fmt.Sprintf("%s%05d", mpuPrefix(c.bucket, id), n))
	if err != nil {
		return err
	}
	defer p.Abort()
	limited := &io.LimitedReader{R: body, N: maxPutSize + 1}
	part, sum, err := sealPart(p, keys, bind, u.Meta.SSE.Algorithm == ssePlain, n, limited)
	if err != nil {
		if copying {
			if sb, sk, e := copySource(c.r.Header); e == nil {
				s.noteIntegrity(c, sb, sk, err)
			}
		}
		return err
	}
	if limited.N <= 0 {
		return s3Err(errEntityTooLarge, "Your proposed upload exceeds the maximum allowed size")
	}
	if err := checkContentMD5(contentMD5, sum); err != nil {
		return err
	}
	part.ETag = quotedHex(sum)
	cs := bodyChecksum(body)
	if copySum != nil {
		cs = &objectChecksum{Name: u.Checksum.Name, Value: base64.StdEncoding.EncodeToString(copySum.Sum(nil))}
	}
	if err := checkPartChecksum(u.Checksum, cs); err != nil {
		return err
	}
	m := objectMeta{Size: part.Size, ETag: part.ETag, LastModified: time.Now().UTC().Truncate(time.Second), SSE: u.Meta.SSE, Parts: []partMeta{part}, Checksum: cs, UploadID: id}
	if err := s.sealMeta(ctx, &m, keys, bind); err != nil {
		return err
	}
	if err := writeMeta(p, &m); err != nil {
		return err
	}
	if err := p.Commit(ctx); err != nil {
		return err
	}
	s.sseResponseHeaders(c.w.Header(), &u.Meta.SSE, q)
	if copying {
		res := copyPartResult{Xmlns: s3Namespace, ETag: part.ETag, LastModified: s3Time(m.LastModified)}
		res.set(cs, "")
		return writeXML(c.w, http.StatusOK, res)
	}
	c.w.Header().Set("ETag", part.ETag)
	if cs != nil {
		c.w.Header().Set(cs.Name, cs.Value)
	}
	c.w.WriteHeader(http.StatusOK)
	return nil
}

type completeRequest struct {
	Parts []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
		checksumFields
	} `xml:"Part"`
}

type completeResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	checksumFields
}

// handleCompleteMultipartUpload is CompleteMultipartUpload: concatenate the sealed parts and
// commit the object with S3's multipart ETag (MD5 of the parts' binary MD5s, "-" part count).
func handleCompleteMultipartUpload(ctx context.Context, s *Server, c *s3Call) (err error) {
	defer func() { s.noteIntegrity(c, c.bucket, c.key, err) }()
	id := c.q.Get("uploadId")
	u, err := s.loadUpload(ctx, c.bucket, c.key, id)
	var req completeRequest
	if err != nil {
		return s.retriedComplete(ctx, c, id, &req, err)
	}
	if err := readXML(c, &req); err != nil {
		return err
	}
	if ctx, err = s.writeConditions(ctx, c.bucket, c.key, c.r.Header); err != nil {
		return err
	}
	if len(req.Parts) == 0 {
		return s3Err(errMalformedXML, "You must specify at least one part")
	}
	q, err := parseSSEHeaders(c.r.Header, "")
	if err != nil {
		return err
	}
	defer q.clear()
	// S3 does not ask for the SSE-C key on Complete. Without it the SSE-C parts' metadata, and
	// the object's, are MACed with the upload's integrity key (integrity_key.go) instead.
	bind := objectBinding{Bucket: c.bucket, Key: c.key, UploadID: id}
	var keys objectKeys
	if u.Meta.SSE.Algorithm != sseC || q.customerKey != nil {
		if keys, err = s.openObjectKeys(ctx, &u.Meta.SSE, q, bind); err != nil {
			return err
		}
		defer keys.clear()
	}
	if err := s.verifyMeta(ctx, &u.Meta, keys, bind); err != nil {
		return err
	}
	out, err := s.store.Create(ctx, c.bucket, c.key)
	if err != nil {
		return err
	}
	defer out.Abort()
	m := u.Meta
	m.LastModified, m.UploadID = time.Now().UTC().Truncate(time.Second), id
	etags := md5.New()
	var partSums []string
	var partSizes []int64
	prev := 0
	for i, rp := range req.Parts {
		if rp.PartNumber <= prev {
			return s3Err(errInvalidPartOrder, "The list of parts was not in ascending order. Parts must be ordered by part number.")
		}
		prev = rp.PartNumber
		obj, pm, err := s.openObject(ctx, mpuBucket, fmt.Sprintf("%s%05d", mpuPrefix(c.bucket, id), rp.PartNumber))
		if err != nil {
			if isNotExist(err) {
				return s3Err(errInvalidPart, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
			}
			return err
		}
		err = s.appendPart(ctx, out, obj, pm, keys, bind, rp.PartNumber, rp.ETag, i == len(req.Parts)-1, &m, etags)
		obj.Close()
		if err != nil {
			return err
		}
		if u.Checksum != nil {
			// The part's checksum was checked when it was uploaded; the one the client lists
			// now must be the same.
			if pm.Checksum == nil || pm.Checksum.Name != u.Checksum.Name ||
				rp.get(u.Checksum.Name) != "" && rp.get(u.Checksum.Name) != pm.Checksum.Value {
				return s3Err(errInvalidPart, fmt.Sprintf("The checksum of part %d does not match the checksum of the uploaded part.", rp.PartNumber))
			}
			m.Parts[len(m.Parts)-1].Checksum = pm.Checksum.Value
			partSums, partSizes = append(partSums, pm.Checksum.Value), append(partSizes, pm.Size)
		}
	}
	m.ETag = fmt.Sprintf(`"%x-%d"`, etags.Sum(nil), len(req.Parts))
	if u.Checksum != nil {
		if m.Checksum, err = objectChecksumOf(u.Checksum, partSums, partSizes); err != nil {
			return err
		}
	}
	if err := s.sealMeta(ctx, &m, keys, bind); err != nil {
		return err
	}
	if err := writeMeta(out, &m); err != nil {
		return err
	}
	if err := checkCompleteChecksum(c.r.Header, u.Checksum, m.Checksum); err != nil {
		return err
	}
	if err := out.Commit(ctx); err != nil {
		return err
	}
	res := completeResult{Xmlns: s3Namespace, Location: "/" + c.bucket + "/" + c.key, Bucket: c.bucket, Key: c.key, ETag: m.ETag}
	if m.Checksum != nil {
		res.set(m.Checksum, m.Checksum.Type)
	}
	s.removeUpload(ctx, c.bucket, c.key, id)
	s.sseResponseHeaders(c.w.Header(), &m.SSE, q)
	s.recordCompleted(ctx, c, id, &req, &res)
	return writeXML(c.w, http.StatusOK, res)
}

// appendPart checks that the stored part is part n of the upload bind names and copies its
// sealed bytes into the object.
func (s *Server) appendPart(ctx context.Context, out io.Writer, obj objstore.StoredObject, pm *objectMeta, keys objectKeys, bind objectBinding, n int, etag string, last bool, m *objectMeta, etags io.Writer) error {
	if err := s.verifyMeta(ctx, pm, keys, bind); err != nil {
		return err
	}
	// A part file copied into another part's place is refused here; its segments, sealed for
	// its own number, would fail on every read anyway.
	if len(pm.Parts) != 1 || pm.Parts[0].Number != n || pm.UploadID != bind.UploadID || pm.SSE.Algorithm != m.SSE.Algorithm {
		return corrupt(integrityName)
	}
	p := pm.Parts[0]
	if strings.Trim(etag, `"`) != strings.Trim(p.ETag, `"`) {
		return s3Err(errInvalidPart, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
	}
	if !last && p.Size < minPartSize {
		return s3Err(errEntityTooSmall, "Your proposed upload is smaller than the minimum allowed object size.")
	}
	sum, _ := hex.DecodeString(strings.Trim(p.ETag, `"`))
	etags.Write(sum)
	rc, err := obj.ReadRange(ctx, 0, p.Sealed)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.CopyBuffer(out, rc, make([]byte, 256<<10)); err != nil {
		return err
	}
	m.Size += p.Size
	m.Parts = append(m.Parts, p)
	return nil
}

func (s *Server) removeUpload(ctx context.Context, bucket, key, id string) {
	prefix := mpuPrefix(bucket, id)
	keys, _, err := s.store.List(ctx, mpuBucket, prefix, "", maxParts+1)
	if err != nil {
		s.log.Warn("s3: listing a finished upload's parts failed", "err", err)
	}
	for _, k := range keys {
		if k != prefix+"upload" {
			_ = s.store.Delete(ctx, mpuBucket, k)
		}
	}
	// The record goes after the parts, so a crash midway leaves an upload that can still be
	// aborted; the index entry last (ListMultipartUploads skips one without a record).
	_ = s.store.Delete(ctx, mpuBucket, prefix+"upload")
	_ = s.store.Delete(ctx, mpuIndexBucket, uploadIndexKey(bucket, key, id))
}

// handleAbortMultipartUpload is AbortMultipartUpload.
func handleAbortMultipartUpload(ctx context.Context, s *Server, c *s3Call) error {
	id := c.q.Get("uploadId")
	if _, err := s.loadUpload(ctx, c.bucket, c.key, id); err != nil {
		return err
	}
	s.removeUpload(ctx, c.bucket, c.key, id)
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

type listPartsResult struct {
	XMLName              xml.Name   `xml:"ListPartsResult"`
	Xmlns                string     `xml:"xmlns,attr"`
	Bucket               string     `xml:"Bucket"`
	Key                  string     `xml:"Key"`
	UploadID             string     `xml:"UploadId"`
	PartNumberMarker     int        `xml:"PartNumberMarker"`
	NextPartNumberMarker int        `xml:"NextPartNumberMarker"`
	MaxParts             int        `xml:"MaxParts"`
	IsTruncated          bool       `xml:"IsTruncated"`
	Parts                []partInfo `xml:"Part"`
}

type partInfo struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	checksumFields
}

// handleListParts is ListParts.
func handleListParts(ctx context.Context, s *Server, c *s3Call) error {
	id := c.q.Get("uploadId")
	if _, err := s.loadUpload(ctx, c.bucket, c.key, id); err != nil {
		return err
	}
	maxN := 1000
	if v := c.q.Get("max-parts"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			maxN = min(n, 1000)
		}
	}
	marker, _ := strconv.Atoi(c.q.Get("part-number-marker"))
	prefix := mpuPrefix(c.bucket, id)
	keys, more, err := s.store.List(ctx, mpuBucket, prefix, fmt.Sprintf("%s%05d", prefix, marker), maxN)
	if err != nil {
		return err
	}
	res := listPartsResult{Xmlns: s3Namespace, Bucket: c.bucket, Key: c.key, UploadID: id, PartNumberMarker: marker, MaxParts: maxN}
	for _, k := range keys {
		n, err := strconv.Atoi(strings.TrimPrefix(k, prefix))
		if err != nil {
			continue // the upload record
		}
		obj, m, err := s.openObject(ctx, mpuBucket, k)
		if err != nil {
			continue
		}
		obj.Close()
		pi := partInfo{PartNumber: n, LastModified: s3Time(m.LastModified), ETag: m.ETag, Size: m.Size}
		pi.set(m.Checksum, "")
		res.Parts = append(res.Parts, pi)
		res.NextPartNumberMarker = n
	}
	res.IsTruncated = more
	return writeXML(c.w, http.StatusOK, res)
}
