package node

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// s3Client returns an S3 client with the SDK's default settings (aws-chunked uploads with
// trailing CRC32 checksums over HTTPS, CRC32 headers over HTTP) but path-style addressing, or
// virtual-hosted style against http://localhost:<port> with a dialer that sends every host to
// the node.
func (tn *testNode) s3Client(pathStyle bool) *s3.Client {
	addr := tn.n.apiLn.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	base := tn.url
	opts := s3.Options{
		Region:       tn.cfg.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(tn.akid, tn.secret, ""),
		UsePathStyle: pathStyle,
		Retryer:      clustertest.ClientRaceRetryer(),
		// What config.LoadDefaultConfig resolves when nothing is configured, as every
		// application built on it runs: a CRC32 with every upload (a header over HTTP, an
		// aws-chunked trailer over HTTPS) and checksum mode on GET, verified by the SDK.
		// s3.New leaves both unset, which sends no checksums at all.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}
	opts.HTTPClient = tn.httpClient(nil)
	if !pathStyle {
		base = tn.n.apiScheme + "://localhost:" + port
		dialer := &net.Dialer{}
		opts.HTTPClient = tn.httpClient(func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		})
	}
	opts.BaseEndpoint = aws.String(base)
	return s3.New(opts)
}

func mustCreateBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

func mustPut(t *testing.T, c *s3.Client, bucket, key string, body []byte, mod func(*s3.PutObjectInput)) *s3.PutObjectOutput {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}
	if mod != nil {
		mod(in)
	}
	out, err := c.PutObject(ctx(), in)
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return out
}

func getBytes(c *s3.Client, in *s3.GetObjectInput) ([]byte, *s3.GetObjectOutput, error) {
	out, err := c.GetObject(ctx(), in)
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return b, out, err
}

func mustGet(t *testing.T, c *s3.Client, bucket, key string, mod func(*s3.GetObjectInput)) ([]byte, *s3.GetObjectOutput) {
	t.Helper()
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if mod != nil {
		mod(in)
	}
	b, out, err := getBytes(c, in)
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	return b, out
}

// customerKey is an SSE-C key in the three header forms.
type customerKey struct {
	raw      []byte
	b64, md5 string
}

func newCustomerKey(fill byte) customerKey {
	raw := bytes.Repeat([]byte{fill}, 32)
	sum := md5.Sum(raw)
	return customerKey{raw: raw, b64: base64.StdEncoding.EncodeToString(raw), md5: base64.StdEncoding.EncodeToString(sum[:])}
}

func payload(n int, marker string) []byte {
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(marker)
	}
	return b.Bytes()[:n]
}

func sseOf(out *s3.HeadObjectOutput) types.ServerSideEncryption { return out.ServerSideEncryption }

type ctxT = context.Context
