package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// streamingRequest signs an S3 PUT for an aws-chunked upload with the SDK signer and verifies
// it, giving the Result the decoder chains from.
func streamingRequest(t testing.TB, mode, trailer string, decoded int) Result {
	t.Helper()
	r, err := http.NewRequest(http.MethodPut, "http://127.0.0.1:8100/bucket/key", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Content-Sha256", mode)
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(decoded))
	if trailer != "" {
		r.Header.Set("X-Amz-Trailer", trailer)
	}
	err = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
		SignHTTP(context.Background(), creds(testAKID, testSecret), r, mode, "s3", testRegion, t0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := newVerifier(t0).Verify(r, "s3", "")
	if err != nil {
		t.Fatalf("verify streaming request: got %v, want nil", err)
	}
	return res
}

// checksumB64 computes a trailer checksum independently of the decoder's table.
func checksumB64(t testing.TB, name string, data []byte) string {
	var sum []byte
	switch name {
	case "x-amz-checksum-crc32":
		sum = binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(data))
	case "x-amz-checksum-crc32c":
		sum = binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	case "x-amz-checksum-crc64nvme":
		sum = binary.BigEndian.AppendUint64(nil, crc64.Checksum(data, crc64.MakeTable(0x9a6c9329ac4bc9b5)))
	case "x-amz-checksum-sha1":
		s := sha1.Sum(data)
		sum = s[:]
	case "x-amz-checksum-sha256":
		s := sha256.Sum256(data)
		sum = s[:]
	default:
		t.Fatalf("unknown checksum %s", name)
	}
	return base64.StdEncoding.EncodeToString(sum)
}

// encodeStream writes payload as aws-chunked. Signed chunks are signed with the SDK's own
// StreamSigner (its string to sign with empty headers is S3's chunk string to sign); the trailer
// signature is computed here from the AWS documentation.
func encodeStream(t testing.TB, res Result, payload []byte, chunk int, trailer, trailerValue string) []byte {
	t.Helper()
	signed := res.PayloadHash != StreamingUnsignedTrailer
	var ss *v4.StreamSigner
	if signed {
		seed, _ := hex.DecodeString(res.SeedSignature)
		ss = v4.NewStreamSigner(creds(testAKID, testSecret), "s3", testRegion, seed)
	}
	var out bytes.Buffer
	prev := res.SeedSignature
	writeChunk := func(data []byte) {
		fmt.Fprintf(&out, "%x", len(data))
		if signed {
			s, err := ss.GetSignature(context.Background(), nil, data, t0)
			if err != nil {
				t.Fatal(err)
			}
			prev = hex.EncodeToString(s)
			out.WriteString(";chunk-signature=" + prev)
		}
		out.WriteString("\r\n")
		if len(data) > 0 {
			out.Write(data)
			out.WriteString("\r\n")
		}
	}
	for off := 0; off < len(payload); off += chunk {
		writeChunk(payload[off:min(off+chunk, len(payload))])
	}
	writeChunk(nil)
	if res.PayloadHash == StreamingSigned {
		out.WriteString("\r\n")
		return out.Bytes()
	}
	canonical := ""
	if trailer != "" {
		canonical = trailer + ":" + trailerValue + "\n"
		out.WriteString(trailer + ":" + trailerValue + "\r\n")
	}
	if signed {
		ch := sha256.Sum256([]byte(canonical))
		mac := hmac.New(sha256.New, res.signingKey[:])
		mac.Write([]byte("AWS4-HMAC-SHA256-TRAILER\n" + t0.Format(amzDateFormat) + "\n" + res.Scope + "\n" + prev + "\n" + hex.EncodeToString(ch[:])))
		out.WriteString("x-amz-trailer-signature:" + hex.EncodeToString(mac.Sum(nil)) + "\r\n")
	}
	out.WriteString("\r\n")
	return out.Bytes()
}

func testPayload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	return p
}

func TestChunkedReaderRoundTrip(t *testing.T) {
	payload := testPayload(200<<10 + 17)
	tests := []struct {
		name, mode, trailer string
		chunk               int
	}{
		{"signed", StreamingSigned, "", 64 << 10},
		{"signed one byte chunks", StreamingSigned, "", 1},
		{"signed trailer crc32c", StreamingSignedTrailer, "x-amz-checksum-crc32c", 64 << 10},
		{"signed trailer sha256", StreamingSignedTrailer, "x-amz-checksum-sha256", 8 << 10},
		{"signed trailer none", StreamingSignedTrailer, "", 64 << 10},
		{"unsigned crc32", StreamingUnsignedTrailer, "x-amz-checksum-crc32", 64 << 10},
		{"unsigned crc32c", StreamingUnsignedTrailer, "x-amz-checksum-crc32c", 64 << 10},
		{"unsigned crc64nvme", StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", 64 << 10},
		{"unsigned sha1", StreamingUnsignedTrailer, "x-amz-checksum-sha1", 64 << 10},
		{"unsigned sha256", StreamingUnsignedTrailer, "x-amz-checksum-sha256", 64 << 10},
		{"unsigned one chunk (SDK over HTTPS)", StreamingUnsignedTrailer, "x-amz-checksum-crc32", len(payload)},
		{"unsigned no trailer", StreamingUnsignedTrailer, "", 64 << 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := streamingRequest(t, tc.mode, tc.trailer, len(payload))
			value := ""
			if tc.trailer != "" {
				value = checksumB64(t, tc.trailer, payload)
			}
			body := encodeStream(t, res, payload, tc.chunk, tc.trailer, value)
			for _, declared := range []int64{int64(len(payload)), -1} {
				cr, err := NewChunkedReader(bytes.NewReader(body), tc.mode, res, tc.trailer, declared)
				if err != nil {
					t.Fatalf("NewChunkedReader: got %v, want nil", err)
				}
				got, err := io.ReadAll(cr)
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				if !bytes.Equal(got, payload) {
					t.Fatalf("got %d decoded bytes, want the %d-byte payload", len(got), len(payload))
				}
			}
		})
	}
}

// TestChunkedReaderAWSExample decodes the example of the S3 documentation ("Signature
// Calculations for the Authorization Header: Transferring Payload in Multiple Chunks"): a
// 66560-byte object of 'a' in a 64 KiB and a 1 KiB chunk.
func TestChunkedReaderAWSExample(t *testing.T) {
	r, _ := http.NewRequest(http.MethodPut, "http://s3.amazonaws.com/examplebucket/chunkObject.txt", nil)
	r.Header.Set("X-Amz-Date", "20130524T000000Z")
	r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	r.Header.Set("X-Amz-Content-Sha256", StreamingSigned)
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	r.Header.Set("Content-Length", "66824")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "+
		"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class, "+
		"Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
	v := &Verifier{
		Store:  memStore{"AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
		Region: "us-east-1",
		Now:    func() time.Time { return time.Date(2013, 5, 24, 0, 1, 0, 0, time.UTC) },
	}
	res, err := v.Verify(r, "s3", "")
	if err != nil {
		t.Fatalf("seed request: got %v, want nil", err)
	}
	a := bytes.Repeat([]byte{'a'}, 66560)
	body := "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" + string(a[:65536]) + "\r\n" +
		"400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" + string(a[:1024]) + "\r\n" +
		"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"
	if len(body) != 66824 {
		t.Fatalf("got body of %d bytes, want 66824", len(body))
	}
	cr, err := NewChunkedReader(strings.NewReader(body), StreamingSigned, res, "", 66560)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(cr)
	if err != nil || !bytes.Equal(got, a) {
		t.Fatalf("got %d bytes, %v; want 66560 bytes, nil", len(got), err)
	}
}

func TestChunkedReaderRejects(t *testing.T) {
	payload := testPayload(150 << 10)
	const chunk = 64 << 10
	signedRes := streamingRequest(t, StreamingSigned, "", len(payload))
	signedBody := encodeStream(t, signedRes, payload, chunk, "", "")
	trailerRes := streamingRequest(t, StreamingSignedTrailer, "x-amz-checksum-crc32", len(payload))
	trailerBody := encodeStream(t, trailerRes, payload, chunk, "x-amz-checksum-crc32", checksumB64(t, "x-amz-checksum-crc32", payload))
	unsignedRes := streamingRequest(t, StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", len(payload))
	unsignedBody := encodeStream(t, unsignedRes, payload, chunk, "x-amz-checksum-crc64nvme", checksumB64(t, "x-amz-checksum-crc64nvme", payload))

	secondSig := bytes.Index(signedBody[1:], []byte("chunk-signature=")) + 1 + len("chunk-signature=")
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		if c[i] == '0' {
			c[i] = '1'
		} else {
			c[i] = '0'
		}
		return c
	}
	replace := func(b []byte, old, new string) []byte {
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("body lacks %q", old)
		}
		return bytes.Replace(bytes.Clone(b), []byte(old), []byte(new), 1)
	}
	// reordered swaps the first two chunks (headers and data) of the signed body.
	reordered := func() []byte {
		first := bytes.Index(signedBody, []byte("\r\n")) + 2 + chunk + 2
		second := first + bytes.Index(signedBody[first:], []byte("\r\n")) + 2 + chunk + 2
		return append(append(append([]byte{}, signedBody[first:second]...), signedBody[:first]...), signedBody[second:]...)
	}
	tests := []struct {
		name     string
		res      Result
		body     []byte
		mode     string
		trailer  string
		declared int64
		want     error
		released int // decoded bytes that may be returned before the error
	}{
		{"bad second chunk signature", signedRes, flip(signedBody, secondSig), StreamingSigned, "", -1, ErrChunkSignature, chunk},
		{"bad first chunk data", signedRes, flip(signedBody, 100), StreamingSigned, "", -1, ErrChunkSignature, 0},
		{"reordered chunks", signedRes, reordered(), StreamingSigned, "", -1, ErrChunkSignature, 0},
		{"bad final chunk signature", signedRes, flip(signedBody, len(signedBody)-5), StreamingSigned, "", -1, ErrChunkSignature, len(payload)},
		{"chunk without signature", signedRes, replace(signedBody, ";chunk-signature=", ";x="), StreamingSigned, "", -1, ErrMalformedChunk, 0},
		{"truncated mid chunk", signedRes, signedBody[:chunk], StreamingSigned, "", -1, ErrIncompleteBody, 0},
		{"truncated before end", signedRes, signedBody[:len(signedBody)-2], StreamingSigned, "", -1, ErrIncompleteBody, len(payload)},
		{"empty body", signedRes, nil, StreamingSigned, "", -1, ErrIncompleteBody, 0},
		{"data after end", signedRes, append(bytes.Clone(signedBody), 'x'), StreamingSigned, "", -1, ErrMalformedChunk, len(payload)},
		{"LF not CRLF", signedRes, replace(signedBody, "\r\n", "\n"), StreamingSigned, "", -1, ErrMalformedChunk, 0},
		{"declared length larger", signedRes, signedBody, StreamingSigned, "", int64(len(payload) + 1), ErrIncompleteBody, len(payload)},
		{"declared length smaller", signedRes, signedBody, StreamingSigned, "", int64(len(payload) - 1), ErrMalformedChunk, 2 * chunk},
		{"oversize signed chunk", signedRes, []byte(fmt.Sprintf("%x;chunk-signature=%s\r\n", maxSignedChunk+1, strings.Repeat("0", 64))), StreamingSigned, "", -1, ErrMalformedChunk, 0},
		{"oversize unsigned chunk", unsignedRes, []byte(fmt.Sprintf("%x\r\n", int64(maxUnsignedChunk)+1)), StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", -1, ErrMalformedChunk, 0},
		{"size line too long", signedRes, []byte(strings.Repeat("0", 5000) + "\r\n"), StreamingSigned, "", -1, ErrMalformedChunk, 0},
		{"size not hex", unsignedRes, []byte("zz\r\n"), StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", -1, ErrMalformedChunk, 0},
		{"negative size", unsignedRes, []byte("-1\r\n"), StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", -1, ErrMalformedChunk, 0},
		{"unsigned with extension", unsignedRes, replace(unsignedBody, "10000\r\n", "10000;a=b\r\n"), StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", -1, ErrMalformedChunk, 0},
		{"wrong checksum", unsignedRes, replace(unsignedBody, checksumB64(t, "x-amz-checksum-crc64nvme", payload), checksumB64(t, "x-amz-checksum-crc64nvme", nil)), StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", -1, ErrBadDigest, len(payload)},
		{"checksum of another algorithm", unsignedRes, replace(unsignedBody, "crc64nvme:", "crc32:"), StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", -1, ErrMalformedChunk, len(payload)},
		{"missing trailer", unsignedRes, append(bytes.Clone(unsignedBody[:bytes.LastIndex(unsignedBody, []byte("0\r\n"))+3]), "\r\n"...), StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", -1, ErrMalformedChunk, len(payload)},
		{"unsigned truncated", unsignedRes, unsignedBody[:len(unsignedBody)/2], StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", -1, ErrIncompleteBody, len(payload)},
		{"unsigned data CRLF missing", unsignedRes, replace(unsignedBody, "\r\n0\r\n", "xx0\r\n"), StreamingUnsignedTrailer, "x-amz-checksum-crc64nvme", -1, ErrMalformedChunk, len(payload)},
		{"bad trailer signature", trailerRes, flip(trailerBody, len(trailerBody)-5), StreamingSignedTrailer, "x-amz-checksum-crc32", -1, ErrChunkSignature, len(payload)},
		{"trailer value changed", trailerRes, replace(trailerBody, checksumB64(t, "x-amz-checksum-crc32", payload), checksumB64(t, "x-amz-checksum-crc32", nil)), StreamingSignedTrailer, "x-amz-checksum-crc32", -1, ErrChunkSignature, len(payload)},
		{"trailer signature missing", trailerRes, append(bytes.Clone(trailerBody[:bytes.Index(trailerBody, []byte("x-amz-trailer-signature"))]), "\r\n"...), StreamingSignedTrailer, "x-amz-checksum-crc32", -1, ErrMalformedChunk, len(payload)},
		{"mode differs from signed mode", signedRes, signedBody, StreamingSignedTrailer, "", -1, ErrChunkSignature, 0},
		{"unsupported mode", signedRes, signedBody, "UNSIGNED-PAYLOAD", "", -1, ErrMalformedChunk, 0},
		{"unknown trailer name", unsignedRes, unsignedBody, StreamingUnsignedTrailer, "x-amz-checksum-md5", -1, ErrMalformedChunk, 0},
		{"trailer without trailer mode", signedRes, signedBody, StreamingSigned, "x-amz-checksum-crc32", -1, ErrMalformedChunk, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cr, err := NewChunkedReader(bytes.NewReader(tc.body), tc.mode, tc.res, tc.trailer, tc.declared)
			var got []byte
			if err == nil {
				got, err = io.ReadAll(cr)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if len(got) > tc.released {
				t.Fatalf("got %d bytes released before the error, want at most %d", len(got), tc.released)
			}
			if !bytes.Equal(got, payload[:len(got)]) {
				t.Fatalf("released bytes differ from the payload")
			}
		})
	}
}

// TestCRC64NVME checks the table against vectors of the NVMe spec (as used by SPDK's and
// aws-checksums' tests) and the CRC catalogue's check value.
func TestCRC64NVME(t *testing.T) {
	ones := bytes.Repeat([]byte{0xff}, 4096)
	tests := []struct {
		name string
		data []byte
		want uint64
	}{
		{"123456789", []byte("123456789"), 0xae8b14860a799888},
		{"4096 zeros", make([]byte, 4096), 0x6482d367eb22b64e},
		{"4096 ones", ones, 0xc0ddba7302eca3ac},
		{"32 zeros", make([]byte, 32), 0xcf3473434d4ecf3b},
	}
	for _, tc := range tests {
		h := trailerChecksums["x-amz-checksum-crc64nvme"]()
		h.Write(tc.data)
		if got := binary.BigEndian.Uint64(h.Sum(nil)); got != tc.want {
			t.Errorf("%s: got %#x, want %#x", tc.name, got, tc.want)
		}
	}
}
