package s3

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keyhold/keyhold/api/objstore"
	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/wrap"
)

// Service is what the S3 endpoint needs of the key service: buckets (which live in the
// replicated state), the data keys and managed keys that seal objects, and key metadata for
// SSE-KMS headers. *domain.Service implements it; the interface is declared here so that this
// package states exactly what S3 may ask of the domain, which is far less than KMS may.
type Service interface {
	ARNs() domain.ARNs
	Bucket(name string) (*domain.Bucket, bool)
	CreateBucket(ctx context.Context, name, owner string) error
	Decrypt(ctx context.Context, ref string, blob []byte, ec map[string]string) ([]byte, wrap.KeyID, error)
	DeleteBucket(ctx context.Context, name string) error
	DescribeKey(ctx context.Context, ref string) (*domain.Key, error)
	GenerateDataKey(ctx context.Context, ref string, n int, ec map[string]string) (plaintext, blob []byte, id wrap.KeyID, err error)
	ListBuckets(ctx context.Context) []*domain.Bucket
	AuthorizeKeyUse(ctx context.Context, action, ref string, ec map[string]string) error
	CallerAccount(ctx context.Context) string
	KeyARN(id wrap.KeyID) string
	ManagedKey(ctx context.Context, alias, description string) (wrap.KeyID, error)
	PutBucketEncryption(ctx context.Context, name string, enc *domain.BucketEncryption) error
	PutBucketPolicy(ctx context.Context, bucket, doc string) error
	DeleteBucketPolicy(ctx context.Context, bucket string) error
	BucketPolicy(bucket string) (text string, public bool, err error)
}

// *domain.Service is the production implementation.
var _ Service = (*domain.Service)(nil)

// Options configures a Server.
type Options struct {
	Service  Service
	Verifier *sigv4.Verifier
	// Pipeline is the shared request pipeline (the root api's Server): gate, authorisation,
	// metrics, audit.
	Pipeline pipeline.Pipeline
	Logger   *slog.Logger
	// Metrics is where the S3 endpoint registers its own counters (key service calls,
	// integrity failures); nil registers them nowhere.
	Metrics prometheus.Registerer
	// Store holds object bytes; nil answers object requests with NotImplemented.
	Store objstore.Store
	// Region is the region the endpoint answers GetBucketLocation and HeadBucket with.
	Region string
	// Now is the clock for POST policy expiry; nil means time.Now.
	Now func() time.Time
	// S3Domains are the endpoint host names under which virtual-hosted-style requests
	// (Host: <bucket>.<domain>) are recognised; other hosts are path style.
	S3Domains []string
	// AllowSSECOverHTTP accepts SSE-C keys on plain HTTP (dev mode); S3 requires TLS.
	AllowSSECOverHTTP bool
	// BucketKeyTTL bounds how long a plaintext S3 Bucket Key stays cached; zero means 5 minutes.
	BucketKeyTTL time.Duration
	// S3PlaintextObjects stores objects whose request and bucket name no encryption as
	// plaintext; off, such objects are refused as corrupt on read (see root api Options).
	S3PlaintextObjects bool
}

// Server serves the S3 REST protocol.
type Server struct {
	svc    Service
	verify *sigv4.Verifier
	p      pipeline.Pipeline
	log    *slog.Logger
	opts   Options

	store      objstore.Store
	bucketKeys *bucketKeyCache
	// s3KMSCalls counts the key service calls (GenerateDataKey, Decrypt) S3 requests made.
	s3KMSCalls atomic.Int64
	// integrityFailures counts stored objects refused by their integrity checks (integrity.go).
	integrityFailures integrityCounter
}

// New builds a Server and registers its metrics.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = prometheus.NewRegistry()
	}
	if o.BucketKeyTTL <= 0 {
		o.BucketKeyTTL = 5 * time.Minute
	}
	s := &Server{
		svc:    o.Service,
		verify: o.Verifier,
		p:      o.Pipeline,
		log:    o.Logger,
		opts:   o,

		store:      withKeyLocks(o.Store),
		bucketKeys: newBucketKeyCache(1024, o.BucketKeyTTL),
	}
	if o.S3PlaintextObjects {
		s.log.Warn("S3 PLAINTEXT OBJECTS ENABLED: objects written without server-side encryption headers or a bucket default are stored UNENCRYPTED (s3_plaintext_objects)")
	}
	calls := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "keyhold_s3_kms_calls_total",
		Help: "Key service calls (GenerateDataKey, Decrypt) made for S3 object keys; S3 Bucket Keys keep it low."},
		func() float64 { return float64(s.s3KMSCalls.Load()) })
	if err := o.Metrics.Register(calls); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err) // a malformed metric is a programming error
		}
	}
	s.registerIntegrityMetric()
	return s
}

// ServeHTTP serves one S3 request: the whole S3 pipeline from routing to the audit record.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serveS3(w, r) }

// WriteAuditRefusal answers an S3 request that the audit trail refused with ServiceUnavailable
// carrying msg: S3's retryable 503.
func WriteAuditRefusal(w http.ResponseWriter, r *http.Request, msg string) {
	writeS3Error(w, r, w.Header().Get("X-Amz-Request-Id"), pipeline.AWSError{Code: "ServiceUnavailable", Status: http.StatusServiceUnavailable}, msg, nil)
}
