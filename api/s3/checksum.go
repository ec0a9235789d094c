package s3

import (
	"cmp"
	"encoding/base64"
	"hash"
	"io"
	"net/http"
	"strings"

	"github.com/keyhold/keyhold/api/sigv4"
)

// S3 additional checksums (CRC32, CRC32C, CRC64NVME, SHA-1, SHA-256 of the object's bytes) come
// either as an aws-chunked trailer (checked by the chunked reader) or as an
// x-amz-checksum-<alg> request header (checked here). S3 keeps the checksum of a single PUT as
// the object's FULL_OBJECT checksum, returns it with the PUT, and on GET and HEAD when the
// client asks with x-amz-checksum-mode: ENABLED, which default SDK clients do and then verify
// the body against. Like the ETag (an MD5 of the plaintext), it is kept in the object's
// MAC-protected metadata.

// checksummedBody is a request body that checked an S3 additional checksum. Checksum reports
// the trailer or header name (e.g. "x-amz-checksum-crc32") and base64 value once the body has
// been read to io.EOF with every check passed, and "" before.
type checksummedBody interface {
	Checksum() (name, value string)
}

// objectChecksum is an object's checksum.
type objectChecksum struct {
	Name  string `json:"name"` // x-amz-checksum-crc32, ...
	Value string `json:"value"`
	Type  string `json:"type,omitempty"` // COMPOSITE or FULL_OBJECT (""; every single PUT)
}

// bodyChecksum returns the checksum body verified, if it verified one.
func bodyChecksum(body io.Reader) *objectChecksum {
	if cb, ok := body.(checksummedBody); ok {
		if name, v := cb.Checksum(); name != "" {
			return &objectChecksum{Name: name, Value: v}
		}
	}
	return nil
}

// setChecksumHeaders adds the checksum response headers.
func setChecksumHeaders(h http.Header, c *objectChecksum) {
	if c != nil {
		h.Set(c.Name, c.Value)
		h.Set("X-Amz-Checksum-Type", cmp.Or(c.Type, "FULL_OBJECT"))
	}
}

// checksumMode reports whether a GET or HEAD asked for the object's checksum.
func checksumMode(h http.Header) bool {
	return strings.EqualFold(h.Get("X-Amz-Checksum-Mode"), "ENABLED")
}

// withHeaderChecksum checks the request's x-amz-checksum-<alg> header, if it has one, over the
// body. A second checksum header, or a value that cannot be a checksum of that algorithm, is
// InvalidRequest, as in S3.
func withHeaderChecksum(h http.Header, body io.Reader) (io.Reader, error) {
	var name, value string
	for hdr, vs := range h {
		lower := strings.ToLower(hdr)
		if _, ok := sigv4.NewChecksum(lower); !ok || len(vs) == 0 {
			continue
		}
		if name != "" || len(vs) > 1 {
			return nil, s3Err(errInvalidRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		name, value = lower, vs[0]
	}
	if name == "" {
		return body, nil
	}
	sum, _ := sigv4.NewChecksum(name)
	if raw, err := base64.StdEncoding.DecodeString(value); err != nil || len(raw) != sum.Size() {
		return nil, s3Err(errInvalidRequest, "Value for "+name+" header is invalid.")
	}
	return &headerChecksumReader{r: body, sum: sum, name: name, want: value}, nil
}

// headerChecksumReader returns sigv4.ErrBadDigest instead of io.EOF when the body does not match the
// checksum header, so that nothing is committed from it.
type headerChecksumReader struct {
	r          io.Reader
	sum        hash.Hash
	name, want string
	ok         bool
}

func (c *headerChecksumReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.sum.Write(p[:n])
	if err == io.EOF {
		if base64.StdEncoding.EncodeToString(c.sum.Sum(nil)) != c.want {
			return n, sigv4.ErrBadDigest
		}
		c.ok = true
	}
	return n, err
}

// Checksum implements checksummedBody.
func (c *headerChecksumReader) Checksum() (string, string) {
	if !c.ok {
		return "", ""
	}
	return c.name, c.want
}

// checksumFields are the checksum elements of S3's XML documents (CompleteMultipartUpload,
// CopyPartResult, ListParts), one per algorithm, and the type.
type checksumFields struct {
	CRC32     string `xml:"ChecksumCRC32,omitempty"`
	CRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	CRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	SHA1      string `xml:"ChecksumSHA1,omitempty"`
	SHA256    string `xml:"ChecksumSHA256,omitempty"`
	Type      string `xml:"ChecksumType,omitempty"`
}

func (f *checksumFields) field(name string) *string {
	switch name {
	case "x-amz-checksum-crc32":
		return &f.CRC32
	case "x-amz-checksum-crc32c":
		return &f.CRC32C
	case "x-amz-checksum-crc64nvme":
		return &f.CRC64NVME
	case "x-amz-checksum-sha1":
		return &f.SHA1
	case "x-amz-checksum-sha256":
		return &f.SHA256
	}
	return nil
}

// set fills in c (if any) and typ.
func (f *checksumFields) set(c *objectChecksum, typ string) {
	if c == nil {
		return
	}
	if p := f.field(c.Name); p != nil {
		*p = c.Value
		f.Type = typ
	}
}

// get is the element for the checksum header name, or "".
func (f *checksumFields) get(name string) string {
	if p := f.field(name); p != nil {
		return *p
	}
	return ""
}
