package sigv4

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// CRC64NVMEPoly is the CRC-64/NVME polynomial (0xAD93D23594C93659) bit-reflected, the form
// hash/crc64 takes. crc64.New applies the all-ones init and final xor CRC-64/NVME specifies;
// S3 sends the 8-byte big-endian result in base64, as hash.Hash.Sum gives it.
const CRC64NVMEPoly = 0x9a6c9329ac4bc9b5

var (
	crc64NVMETable  = crc64.MakeTable(CRC64NVMEPoly)
	castagnoliTable = crc32.MakeTable(crc32.Castagnoli)
)

// trailerChecksums are the x-amz-checksum-* trailers S3 accepts, by lower-case header name.
// SHA-1 is here only because S3 offers it as an integrity checksum; nothing relies on its
// collision resistance.
var trailerChecksums = map[string]func() hash.Hash{
	"x-amz-checksum-crc32":     func() hash.Hash { return crc32.NewIEEE() },
	"x-amz-checksum-crc32c":    func() hash.Hash { return crc32.New(castagnoliTable) },
	"x-amz-checksum-crc64nvme": func() hash.Hash { return crc64.New(crc64NVMETable) },
	"x-amz-checksum-sha1":      sha1.New,
	"x-amz-checksum-sha256":    sha256.New,
}

// NewChecksum returns a fresh hash for the x-amz-checksum-* header or trailer name (lower
// case), and false for a name S3 does not define. The table itself stays unexported so no
// importer can add an algorithm.
func NewChecksum(name string) (hash.Hash, bool) {
	f, ok := trailerChecksums[name]
	if !ok {
		return nil, false
	}
	return f(), true
}

// ChecksumNames lists the x-amz-checksum-* names NewChecksum knows, in no particular order.
func ChecksumNames() []string {
	out := make([]string, 0, len(trailerChecksums))
	for n := range trailerChecksums {
		out = append(out, n)
	}
	return out
}

// parseTrailerHeader reads the x-amz-trailer request header: empty, or the name of one checksum
// trailer (S3 takes one checksum per object).
func parseTrailerHeader(v string) (name string, h hash.Hash, err error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return "", nil, nil
	}
	mk, ok := trailerChecksums[v]
	if !ok {
		return "", nil, chunkErr(ErrMalformedChunk, "x-amz-trailer names no supported checksum")
	}
	return v, mk(), nil
}

// trailers reads the trailer section up to its empty line, checks the trailer signature (signed
// mode) and then the checksum. The trailer signature covers "name:value\n" for each trailer:
//
//	AWS4-HMAC-SHA256-TRAILER \n date \n scope \n final chunk signature \n sha256(trailers)
func (c *chunkedReader) trailers() error {
	var canonical []byte
	var value string
	var sig [64]byte
	seenSum, seenSig := false, false
	for i := 0; ; i++ {
		if i > maxTrailerLines {
			return chunkErr(ErrMalformedChunk, "too many trailer lines")
		}
		line, err := c.readLine(maxTrailerLine)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		if seenSig {
			return chunkErr(ErrMalformedChunk, "trailer after the trailer signature")
		}
		name, v, ok := bytes.Cut(line, []byte{':'})
		switch {
		case !ok:
			return chunkErr(ErrMalformedChunk, "trailer line without ':'")
		case c.signed && string(name) == trailerSigName:
			if !isLowerHex(string(v), 64) {
				return chunkErr(ErrMalformedChunk, "trailer signature must be 64 hex digits")
			}
			copy(sig[:], v)
			seenSig = true
		case c.sumName != "" && string(name) == c.sumName && !seenSum:
			value, seenSum = string(v), true
			canonical = append(append(append(append(canonical, name...), ':'), v...), '\n')
		default:
			return chunkErr(ErrMalformedChunk, "unexpected trailer")
		}
	}
	if c.sumName != "" && !seenSum {
		return chunkErr(ErrMalformedChunk, "missing the trailer named by x-amz-trailer")
	}
	if c.signed {
		if !seenSig {
			return chunkErr(ErrMalformedChunk, "missing x-amz-trailer-signature")
		}
		sum := sha256.Sum256(canonical)
		c.mac.Reset()
		c.mac.Write([]byte(trailerAlgorithm + "\n"))
		c.mac.Write(c.scope)
		c.mac.Write(c.prev[:])
		c.mac.Write([]byte{'\n'})
		var h [64]byte
		hex.Encode(h[:], sum[:])
		c.mac.Write(h[:])
		if err := c.checkMAC(&sig); err != nil {
			return err
		}
	}
	if c.sum != nil {
		if base64.StdEncoding.EncodeToString(c.sum.Sum(nil)) != value {
			return ErrBadDigest
		}
		c.sumOK = value
	}
	return nil
}
