package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 stores objects in one bucket of an upstream S3-compatible service (MinIO, Ceph RGW, AWS
// S3), making keyhold an encrypting gateway. keyhold bucket b, key k lives at upstream key
// <prefix><b>/<k>: '/' cannot occur in a bucket name, so buckets never share a key range, and
// upstream list order (bytewise) is key order. The stored bytes are exactly what the Dir
// backend writes to its file: the sealed object with its metadata trailer, so ciphertext and
// sealed keys travel together.
//
// Writes are buffered in memory up to PartSize and sent with one PutObject; a larger object is
// streamed as an upstream multipart upload, one PartSize part at a time. Either way nothing is
// visible until Commit (PutObject and CompleteMultipartUpload are atomic), and Abort aborts
// the upstream upload. A crash mid-write can leave an incomplete upstream multipart upload:
// give the upstream bucket an AbortIncompleteMultipartUpload lifecycle rule.
//
// Reads pin the version they opened with If-Match on the upstream ETag, so an object replaced
// between Open and a read fails the read rather than mixing two objects' bytes (the Dir backend
// keeps reading the old file instead).
type S3 struct {
	cli      *s3.Client
	bucket   string
	prefix   string
	partSize int64
}

var _ Store = (*S3)(nil)

// S3Options configures an S3 store. Credentials are never part of keyhold's configuration
// file: the caller passes a provider built from the environment.
type S3Options struct {
	// Endpoint is the upstream's base URL (e.g. http://127.0.0.1:9000); empty means AWS S3.
	Endpoint string
	// Region is the upstream region used in its SigV4 scope.
	Region string
	// Bucket is the upstream bucket; it must exist.
	Bucket string
	// Prefix is prepended to every upstream key (e.g. "keyhold/"); may be empty.
	Prefix string
	// PathStyle addresses the bucket as <endpoint>/<bucket> (MinIO, Ceph RGW, most test
	// servers) instead of <bucket>.<endpoint>.
	PathStyle bool
	// Credentials sign the upstream requests.
	Credentials aws.CredentialsProvider
	// HTTPClient is optional (the SDK's default otherwise).
	HTTPClient *http.Client
	// PartSize is the in-memory write buffer and upstream multipart part size; 0 means
	// DefaultPartSize. S3 wants at least 5 MiB.
	PartSize int64
}

// DefaultPartSize is the write buffer and multipart part size when S3Options.PartSize is 0.
const DefaultPartSize = 16 << 20

// minPartSize is S3's smallest multipart part (but the last).
const minPartSize = 5 << 20

// maxUpstreamKey is S3's limit on a key, in bytes.
const maxUpstreamKey = 1024

// tailSize is how much of an object's end one read fetches and keeps: the metadata trailer
// lives there, and a small object comes in whole.
const tailSize = 64 << 10

// NewS3 returns a store over opts.Bucket after checking that the bucket answers.
func NewS3(ctx context.Context, opts S3Options) (*S3, error) {
	if opts.Bucket == "" || opts.Region == "" {
		return nil, errors.New("objstore: s3: bucket and region are required")
	}
	if opts.Credentials == nil {
		return nil, errors.New("objstore: s3: no credentials")
	}
	if opts.PartSize == 0 {
		opts.PartSize = DefaultPartSize
	}
	if opts.PartSize < minPartSize {
		return nil, fmt.Errorf("objstore: s3: part size %d is below S3's minimum of %d", opts.PartSize, minPartSize)
	}
	o := s3.Options{
		Region:       opts.Region,
		Credentials:  opts.Credentials,
		UsePathStyle: opts.PathStyle,
		// Bodies are in-memory and signed; checksums only where the operation demands one keeps
		// older upstreams (without aws-chunked trailers or CRC headers) working.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if opts.Endpoint != "" {
		o.BaseEndpoint = aws.String(opts.Endpoint)
	}
	if opts.HTTPClient != nil {
		o.HTTPClient = opts.HTTPClient
	}
	st := &S3{cli: s3.New(o), bucket: opts.Bucket, prefix: opts.Prefix, partSize: opts.PartSize}
	if _, err := st.cli.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(opts.Bucket)}); err != nil {
		return nil, fmt.Errorf("objstore: s3: upstream bucket %q: %w", opts.Bucket, err)
	}
	return st, nil
}

// bucketPrefix is the upstream key prefix of a keyhold bucket.
func (st *S3) bucketPrefix(bucket string) (string, error) {
	if bucket == "" || strings.Contains(bucket, "/") {
		return "", errors.New("objstore: invalid bucket name")
	}
	return st.prefix + bucket + "/", nil
}

func (st *S3) key(bucket, key string) (string, error) {
	p, err := st.bucketPrefix(bucket)
	if err != nil {
		return "", err
	}
	if len(p)+len(key) > maxUpstreamKey {
		return "", errKeyTooLong
	}
	return p + key, nil
}

// errKeyTooLong is a key that does not fit the upstream's 1024 bytes after the prefix and
// bucket name. It is the client's key that is too long, so it says so through KeyTooLong, which
// the S3 API maps to KeyTooLongError without importing this package.
var errKeyTooLong error = keyTooLongError{}

type keyTooLongError struct{}

func (keyTooLongError) Error() string {
	return "objstore: s3: key too long for the upstream bucket with its prefix"
}

// KeyTooLong marks the error as the client's key being too long.
func (keyTooLongError) KeyTooLong() bool { return true }

// notFound maps an upstream 404 to fs.ErrNotExist.
func notFound(err error) error {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return fs.ErrNotExist
	}
	return err
}

// Create implements Store.
func (st *S3) Create(ctx context.Context, bucket, key string) (PendingObject, error) {
	k, err := st.key(bucket, key)
	if err != nil {
		return nil, err
	}
	return &s3Pending{st: st, ctx: ctx, key: k}, nil
}

// Open implements Store.
func (st *S3) Open(ctx context.Context, bucket, key string) (StoredObject, error) {
	k, err := st.key(bucket, key)
	if err != nil {
		return nil, err
	}
	out, err := st.cli.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(k)})
	if err != nil {
		return nil, fmt.Errorf("objstore: s3: head: %w", notFound(err))
	}
	return &s3Object{st: st, key: k, size: aws.ToInt64(out.ContentLength), etag: aws.ToString(out.ETag)}, nil
}

// Delete implements Store.
func (st *S3) Delete(ctx context.Context, bucket, key string) error {
	k, err := st.key(bucket, key)
	if err != nil {
		return err
	}
	_, err = st.cli.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(k)})
	if err != nil && !errors.Is(notFound(err), fs.ErrNotExist) {
		return fmt.Errorf("objstore: s3: delete: %w", err)
	}
	return nil
}

// List implements Store with ListObjectsV2, page by page.
func (st *S3) List(ctx context.Context, bucket, prefix, after string, limit int) ([]string, bool, error) {
	bp, err := st.bucketPrefix(bucket)
	if err != nil {
		return nil, false, err
	}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(st.bucket), Prefix: aws.String(bp + prefix)}
	if after != "" {
		in.StartAfter = aws.String(bp + after)
	}
	var out []string
	for {
		// One key past the limit tells whether more exist without trusting IsTruncated on a
		// page that ends exactly at the limit (some servers set it whenever the page is full).
		in.MaxKeys = aws.Int32(int32(max(1, min(limit-len(out)+1, 1000))))
		page, err := st.cli.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, false, fmt.Errorf("objstore: s3: list: %w", err)
		}
		for _, o := range page.Contents {
			k, ok := strings.CutPrefix(aws.ToString(o.Key), bp)
			if !ok {
				continue
			}
			if len(out) >= limit {
				return out, true, nil
			}
			out = append(out, k)
		}
		if !aws.ToBool(page.IsTruncated) || page.NextContinuationToken == nil {
			return out, false, nil
		}
		in.ContinuationToken = page.NextContinuationToken
		in.StartAfter = nil
	}
}

// RemoveBucket implements Store: an empty bucket holds nothing upstream.
func (st *S3) RemoveBucket(_ context.Context, bucket string) error {
	_, err := st.bucketPrefix(bucket)
	return err
}

// s3Pending buffers one part in memory; Write sends each full part as it fills.
type s3Pending struct {
	st       *S3
	ctx      context.Context // the request's: Write has none of its own
	key      string
	buf      []byte
	uploadID string
	parts    []types.CompletedPart
	err      error // sticky: a failed part fails the object
	done     bool
}

func (p *s3Pending) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if p.done {
		return 0, errors.New("objstore: s3: write after commit or abort")
	}
	n := len(b)
	for len(b) > 0 {
		if p.buf == nil {
			p.buf = make([]byte, 0, p.st.partSize)
		}
		c := min(len(b), cap(p.buf)-len(p.buf))
		p.buf = append(p.buf, b[:c]...)
		b = b[c:]
		if len(p.buf) == cap(p.buf) {
			if p.err = p.sendPart(p.ctx); p.err != nil {
				return n - len(b), p.err
			}
		}
	}
	return n, nil
}

// sendPart uploads the buffer as the next part, starting the upstream upload if needed.
func (p *s3Pending) sendPart(ctx context.Context) error {
	st := p.st
	if p.uploadID == "" {
		out, err := st.cli.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(st.bucket), Key: aws.String(p.key)})
		if err != nil {
			return fmt.Errorf("objstore: s3: create multipart upload: %w", err)
		}
		p.uploadID = aws.ToString(out.UploadId)
	}
	n := int32(len(p.parts) + 1)
	out, err := st.cli.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String(st.bucket), Key: aws.String(p.key), UploadId: aws.String(p.uploadID),
		PartNumber: aws.Int32(n), Body: bytes.NewReader(p.buf), ContentLength: aws.Int64(int64(len(p.buf))),
	})
	if err != nil {
		return fmt.Errorf("objstore: s3: upload part: %w", err)
	}
	p.parts = append(p.parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag})
	p.buf = p.buf[:0]
	return nil
}

func (p *s3Pending) Commit(ctx context.Context) error {
	if p.err != nil {
		return p.err
	}
	if p.done {
		return errors.New("objstore: s3: commit after commit or abort")
	}
	st := p.st
	if p.uploadID == "" {
		_, err := st.cli.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(st.bucket), Key: aws.String(p.key),
			Body: bytes.NewReader(p.buf), ContentLength: aws.Int64(int64(len(p.buf))),
		})
		if err != nil {
			return fmt.Errorf("objstore: s3: put: %w", err)
		}
	} else {
		if len(p.buf) > 0 {
			if err := p.sendPart(ctx); err != nil {
				return err
			}
		}
		_, err := st.cli.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: aws.String(st.bucket), Key: aws.String(p.key), UploadId: aws.String(p.uploadID),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: p.parts},
		})
		if err != nil {
			return fmt.Errorf("objstore: s3: complete multipart upload: %w", err)
		}
	}
	p.done, p.buf = true, nil
	return nil
}

func (p *s3Pending) Abort() {
	if p.done {
		return
	}
	p.done, p.buf = true, nil
	if p.uploadID == "" {
		return
	}
	// The request's context may be the reason for the abort: use a fresh one.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = p.st.cli.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(p.st.bucket), Key: aws.String(p.key), UploadId: aws.String(p.uploadID),
	})
}

// s3Object is an opened upstream object; it keeps the last tailSize bytes once read.
type s3Object struct {
	st   *S3
	key  string
	size int64
	etag string

	mu      sync.Mutex
	tail    []byte
	tailOff int64
}

func (o *s3Object) Size() int64 { return o.size }

func (o *s3Object) ReadRange(ctx context.Context, off, n int64) (io.ReadCloser, error) {
	if off < 0 || n < 0 || off+n > o.size {
		return nil, errors.New("objstore: range outside the object")
	}
	if n == 0 {
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tail == nil && off+n == o.size && o.size-off <= tailSize {
		start := max(0, o.size-tailSize)
		rc, err := o.get(ctx, start, o.size-start)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("objstore: s3: get: %w", err)
		}
		if int64(len(b)) != o.size-start {
			return nil, errors.New("objstore: s3: short read from upstream")
		}
		o.tail, o.tailOff = b, start
	}
	if o.tail != nil && off >= o.tailOff {
		return io.NopCloser(bytes.NewReader(o.tail[off-o.tailOff : off-o.tailOff+n])), nil
	}
	return o.get(ctx, off, n)
}

// get reads [off, off+n) of the version this object was opened as.
func (o *s3Object) get(ctx context.Context, off, n int64) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{
		Bucket: aws.String(o.st.bucket), Key: aws.String(o.key),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1)),
	}
	if o.etag != "" {
		in.IfMatch = aws.String(o.etag)
	}
	out, err := o.st.cli.GetObject(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("objstore: s3: get: %w", notFound(err))
	}
	if out.ContentLength != nil && *out.ContentLength != n {
		out.Body.Close()
		return nil, errors.New("objstore: s3: upstream returned a different range than asked")
	}
	return out.Body, nil
}

func (o *s3Object) Close() error {
	o.mu.Lock()
	o.tail = nil
	o.mu.Unlock()
	return nil
}
