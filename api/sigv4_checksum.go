package api

import (
	"crypto/sha1"
	"crypto/sha256"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// crc64NVMEPoly is the CRC-64/NVME polynomial (0xAD93D23594C93659) bit-reflected, the form
// hash/crc64 takes. crc64.New applies the all-ones init and final xor CRC-64/NVME specifies;
// S3 sends the 8-byte big-endian result in base64, as hash.Hash.Sum gives it.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

var (
	crc64NVMETable  = crc64.MakeTable(crc64NVMEPoly)
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
