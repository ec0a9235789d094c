package sigv4

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkVerifyKMS verifies a signed KMS Encrypt request with the signing key cached: the cost
// of SigV4 on the KMS data plane.
func BenchmarkVerifyKMS(b *testing.B) {
	body := []byte(`{"KeyId":"alias/app","Plaintext":"aGVsbG8gd29ybGQ="}`)
	r := kmsRequest(b, "http://127.0.0.1:8100", body, creds(testAKID, testSecret), testRegion, t0)
	v := newVerifier(t0)
	sum := sha256Hex(body)
	if _, err := v.Verify(r, "kms", sum); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, "kms", sum); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChunkedReader decodes a 1 MiB upload in 64 KiB chunks, as the Go and Java SDKs send.
func BenchmarkChunkedReader(b *testing.B) {
	payload := testPayload(1 << 20)
	for _, mode := range []string{StreamingSigned, StreamingUnsignedTrailer} {
		b.Run(mode, func(b *testing.B) {
			trailer := ""
			if mode == StreamingUnsignedTrailer {
				trailer = "x-amz-checksum-crc32c"
			}
			res := streamingRequest(b, mode, trailer, len(payload))
			value := ""
			if trailer != "" {
				value = checksumB64(b, trailer, payload)
			}
			body := encodeStream(b, res, payload, 64<<10, trailer, value)
			buf := make([]byte, 32<<10)
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				cr, err := NewChunkedReader(bytes.NewReader(body), mode, res, trailer, int64(len(payload)))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{cr}, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
