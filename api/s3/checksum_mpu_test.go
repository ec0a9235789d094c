package s3

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"hash/crc32"
	"hash/crc64"
	"testing"

	"github.com/keyhold/keyhold/api/sigv4"
)

// TestCRCCombine checks the combination against the CRC of the concatenation for every CRC
// FULL_OBJECT allows, at split points including empty halves.
func TestCRCCombine(t *testing.T) {
	data := make([]byte, 70000)
	_, _ = rand.Read(data)
	crcs := map[string]func([]byte) uint64{
		"x-amz-checksum-crc32":     func(b []byte) uint64 { return uint64(crc32.ChecksumIEEE(b)) },
		"x-amz-checksum-crc32c":    func(b []byte) uint64 { return uint64(crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))) },
		"x-amz-checksum-crc64nvme": func(b []byte) uint64 { return crc64.Checksum(b, crc64.MakeTable(sigv4.CRC64NVMEPoly)) },
	}
	for name, sum := range crcs {
		p := crcParams[name]
		for _, cut := range []int{0, 1, 7, 8, 4096, 65536, 69999, 70000} {
			a, b := data[:cut], data[cut:]
			if got, want := crcCombine(p.poly, p.width, sum(a), sum(b), int64(len(b))), sum(data); got != want {
				t.Fatalf("%s cut %d: combined %x, want %x", name, cut, got, want)
			}
		}
	}
}

// TestObjectChecksumOf: FULL_OBJECT over three parts is the whole object's CRC; COMPOSITE is
// the checksum of the parts' raw checksums with the part count.
func TestObjectChecksumOf(t *testing.T) {
	parts := [][]byte{bytes.Repeat([]byte("a"), 5000), bytes.Repeat([]byte("b"), 3), []byte("tail")}
	var sums []string
	var sizes []int64
	for _, p := range parts {
		h := crc32.NewIEEE()
		h.Write(p)
		sums = append(sums, base64.StdEncoding.EncodeToString(h.Sum(nil)))
		sizes = append(sizes, int64(len(p)))
	}
	full, err := objectChecksumOf(&mpuChecksum{Name: "x-amz-checksum-crc32", Type: "FULL_OBJECT"}, sums, sizes)
	h := crc32.NewIEEE()
	h.Write(bytes.Join(parts, nil))
	if err != nil || full.Value != base64.StdEncoding.EncodeToString(h.Sum(nil)) {
		t.Fatalf("FULL_OBJECT: %+v, %v", full, err)
	}
	comp, err := objectChecksumOf(&mpuChecksum{Name: "x-amz-checksum-crc32", Type: "COMPOSITE"}, sums, sizes)
	h = crc32.NewIEEE()
	for _, s := range sums {
		raw, _ := base64.StdEncoding.DecodeString(s)
		h.Write(raw)
	}
	if err != nil || comp.Value != base64.StdEncoding.EncodeToString(h.Sum(nil))+"-3" {
		t.Fatalf("COMPOSITE: %+v, %v", comp, err)
	}
}
