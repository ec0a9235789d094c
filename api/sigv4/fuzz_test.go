package sigv4

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzSigV4Authorization feeds arbitrary Authorization headers to the parser and to Verify:
// neither may panic, what parses must satisfy the parser's invariants, and nothing the fuzzer
// invents may authenticate.
func FuzzSigV4Authorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=" + testAKID + "/20260310/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("ab", 32))
	f.Add("AWS4-HMAC-SHA256 Credential=AK/20260310/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" + strings.Repeat("0", 64))
	f.Add("AWS4-HMAC-SHA256 Signature=,Signature=")
	f.Add("AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;;, Signature=")
	f.Add("AWS AKIDEXAMPLE:c2ln")
	f.Add("")
	body := []byte("{}")
	base := kmsRequest(f, "http://127.0.0.1:8100", body, creds(testAKID, testSecret), testRegion, t0)
	v := newVerifier(t0)
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err == nil {
			if !a.signs("host") || !isAlnum(a.accessKeyID) || len(a.accessKeyID) > maxAccessKeyIDLen {
				t.Fatalf("parsed %q into %+v, which breaks the parser's invariants", h, a)
			}
			names := strings.Split(a.signedHeaders, ";")
			for i := 1; i < len(names); i++ {
				if names[i-1] >= names[i] {
					t.Fatalf("parsed %q into unsorted signed headers %q", h, a.signedHeaders)
				}
			}
		}
		r := base.Clone(base.Context())
		r.Header = base.Header.Clone()
		r.Header.Set("Authorization", h)
		if _, err := v.Verify(r, "kms", sha256Hex(body)); err == nil {
			t.Fatalf("fuzzed header %q authenticated", h)
		}
	})
}

// FuzzChunkedReader decodes arbitrary bodies in every mode: no panic, no more output than
// input, and memory bounded by the input (a signed chunk's buffer grows only as data arrives).
func FuzzChunkedReader(f *testing.F) {
	payload := []byte("hello, aws-chunked")
	modes := []string{StreamingSigned, StreamingSignedTrailer, StreamingUnsignedTrailer}
	trailers := []string{"", "x-amz-checksum-crc32", "x-amz-checksum-crc64nvme"}
	results := make([]Result, len(modes))
	for i, m := range modes {
		results[i] = streamingRequest(f, m, "", len(payload))
	}
	f.Add(encodeStream(f, results[0], payload, 5, "", ""), uint8(0), uint8(0))
	f.Add(encodeStream(f, results[2], payload, 7, "x-amz-checksum-crc32", checksumB64(f, "x-amz-checksum-crc32", payload)), uint8(2), uint8(1))
	f.Add([]byte("0\r\n\r\n"), uint8(2), uint8(0))
	f.Add([]byte("ffffffff\r\nabc"), uint8(2), uint8(2))
	f.Add([]byte("10;chunk-signature=00\r\n"), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, mode, trailer uint8) {
		m := int(mode) % len(modes)
		tr := trailers[int(trailer)%len(trailers)]
		if modes[m] == StreamingSigned {
			tr = ""
		}
		cr, err := NewChunkedReader(bytes.NewReader(body), modes[m], results[m], tr, -1)
		if err != nil {
			t.Fatalf("NewChunkedReader: got %v, want nil", err)
		}
		n, _ := io.Copy(io.Discard, cr)
		if n > int64(len(body)) {
			t.Fatalf("decoded %d bytes from a %d-byte body", n, len(body))
		}
	})
}
