package s3

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"

	"github.com/keyhold/keyhold/api/sigv4"
)

// Multipart checksums, as S3 has them: CreateMultipartUpload names an algorithm
// (x-amz-checksum-algorithm) and a type (x-amz-checksum-type). Every part must then carry a
// checksum of that algorithm, and the completed object gets either a COMPOSITE checksum (the
// algorithm over the parts' raw checksums, then "-<part count>") or, for the CRCs, a
// FULL_OBJECT one: the CRC of the whole object, combined from the parts' CRCs and sizes
// without reading the data again (the parts stay sealed; Complete decrypts nothing).

// mpuChecksum is an upload's checksum algorithm (its x-amz-checksum-<alg> header name) and type.
type mpuChecksum struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// checksumAlgorithms maps S3's algorithm names to their header names.
var checksumAlgorithms = map[string]string{
	"CRC32": "x-amz-checksum-crc32", "CRC32C": "x-amz-checksum-crc32c", "CRC64NVME": "x-amz-checksum-crc64nvme",
	"SHA1": "x-amz-checksum-sha1", "SHA256": "x-amz-checksum-sha256",
}

// crcParams are the reflected polynomial and width of the CRCs that FULL_OBJECT allows.
var crcParams = map[string]struct {
	poly  uint64
	width int
}{
	"x-amz-checksum-crc32":     {crc32.IEEE, 32},
	"x-amz-checksum-crc32c":    {crc32.Castagnoli, 32},
	"x-amz-checksum-crc64nvme": {sigv4.CRC64NVMEPoly, 64},
}

// parseMPUChecksum reads CreateMultipartUpload's checksum headers: none, or an algorithm and a
// type (by default FULL_OBJECT for CRC64NVME, COMPOSITE for the others, as in S3).
func parseMPUChecksum(h http.Header) (*mpuChecksum, error) {
	alg, typ := strings.ToUpper(h.Get("X-Amz-Checksum-Algorithm")), strings.ToUpper(h.Get("X-Amz-Checksum-Type"))
	if alg == "" {
		if typ != "" {
			return nil, s3Err(errInvalidRequest, "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
		}
		return nil, nil
	}
	name, ok := checksumAlgorithms[alg]
	if !ok {
		return nil, s3Err(errInvalidRequest, "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
	}
	_, isCRC := crcParams[name]
	switch {
	case typ == "" && alg == "CRC64NVME":
		typ = "FULL_OBJECT"
	case typ == "":
		typ = "COMPOSITE"
	case typ == "FULL_OBJECT" && !isCRC, typ == "COMPOSITE" && alg == "CRC64NVME":
		return nil, s3Err(errInvalidRequest, "The "+strings.ToLower(alg)+" checksum algorithm does not support the "+typ+" checksum type.")
	case typ != "FULL_OBJECT" && typ != "COMPOSITE":
		return nil, s3Err(errInvalidRequest, "Value for x-amz-checksum-type header is invalid.")
	}
	return &mpuChecksum{Name: name, Type: typ}, nil
}

// algName is S3's name of the algorithm behind a checksum header name, lower-case.
func algName(header string) string { return strings.TrimPrefix(header, "x-amz-checksum-") }

// checkPartChecksum requires a part of an upload with a checksum algorithm to have carried one
// of that algorithm.
func checkPartChecksum(u *mpuChecksum, got *objectChecksum) error {
	if u == nil {
		return nil
	}
	actual := "null"
	if got != nil {
		actual = algName(got.Name)
	}
	if got == nil || got.Name != u.Name {
		return s3Err(errInvalidRequest, fmt.Sprintf("Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s", algName(u.Name), actual))
	}
	return nil
}

// objectChecksumOf computes the completed object's checksum from its parts' checksums (base64)
// and sizes, in order.
func objectChecksumOf(u *mpuChecksum, sums []string, sizes []int64) (*objectChecksum, error) {
	raws := make([][]byte, len(sums))
	for i, s := range sums {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, errCorruptObject
		}
		raws[i] = raw
	}
	if u.Type == "COMPOSITE" {
		h, _ := sigv4.NewChecksum(u.Name)
		for _, r := range raws {
			h.Write(r)
		}
		v := base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(sums))
		return &objectChecksum{Name: u.Name, Value: v, Type: u.Type}, nil
	}
	p := crcParams[u.Name]
	var crc uint64
	for i, r := range raws {
		if len(r)*8 != p.width {
			return nil, errCorruptObject
		}
		v := uint64(binary.BigEndian.Uint32(r[len(r)-4:]))
		if p.width == 64 {
			v = binary.BigEndian.Uint64(r)
		}
		if i == 0 {
			crc = v
			continue
		}
		crc = crcCombine(p.poly, p.width, crc, v, sizes[i])
	}
	out := make([]byte, p.width/8)
	if p.width == 64 {
		binary.BigEndian.PutUint64(out, crc)
	} else {
		binary.BigEndian.PutUint32(out, uint32(crc))
	}
	return &objectChecksum{Name: u.Name, Value: base64.StdEncoding.EncodeToString(out), Type: u.Type}, nil
}

// crcCombine returns the CRC of A||B from crcA, crcB and len(B), for a reflected CRC of the
// given width with all-ones init and final xor (CRC-32, CRC-32C, CRC-64/NVME): crcA is run
// through len(B) zero bytes by multiplying it with the operator for one zero bit, squared up
// to bytes, over GF(2) (Mark Adler's method in zlib's crc32_combine).
func crcCombine(poly uint64, width int, crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA // an empty B leaves A's CRC
	}
	odd := make([]uint64, width)  // operator for one zero bit
	even := make([]uint64, width) // scratch
	odd[0] = poly
	row := uint64(1)
	for n := 1; n < width; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(even, odd) // two zero bits
	gf2Square(odd, even) // four zero bits
	for {
		gf2Square(even, odd) // eight, then 32, 128, ... zero bits
		if lenB&1 != 0 {
			crcA = gf2Times(even, crcA)
		}
		if lenB >>= 1; lenB == 0 {
			break
		}
		gf2Square(odd, even)
		if lenB&1 != 0 {
			crcA = gf2Times(odd, crcA)
		}
		if lenB >>= 1; lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat []uint64) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}
