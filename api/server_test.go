package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/keyhold/keyhold/api"
	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/api/objstore"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/domain/domaintest"
	"github.com/keyhold/keyhold/domain/policy"
)

// trail is an audit.Handler that keeps records in memory and can be made to fail, as a
// durable trail on a full or broken disk does.
type trail struct {
	mu      sync.Mutex
	records []audit.Record
	broken  bool // Healthy fails: requests are refused before they run
	lose    bool // Handle fails with ErrUnwritable: the held response becomes the refusal
}

func (t *trail) Handle(_ context.Context, r audit.Record) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lose {
		return audit.ErrUnwritable
	}
	t.records = append(t.records, r)
	return nil
}

func (t *trail) Healthy() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.broken {
		return audit.ErrUnwritable
	}
	return nil
}

func (t *trail) set(broken, lose bool) {
	t.mu.Lock()
	t.broken, t.lose = broken, lose
	t.mu.Unlock()
}

type denyAll struct{}

func (denyAll) Authorize(context.Context, string, string, ...func(*policy.Context)) error {
	return &domain.Error{Kind: domain.ErrAccessDenied, Msg: "denied by policy"}
}

type node struct {
	srv   *api.Server
	api   *httptest.Server
	ops   *httptest.Server
	kms   *awskms.Client
	s3    *awss3.Client
	trail *trail
}

func newNode(t *testing.T, mod func(*api.Options)) *node {
	t.Helper()
	h := domaintest.New(t, domaintest.Options{})
	store, err := objstore.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	n := &node{trail: &trail{}}
	o := api.Options{Service: h.Service, Region: "us-east-1", Logger: slog.New(slog.DiscardHandler), ObjectStore: store, Audit: n.trail}
	if mod != nil {
		mod(&o)
	}
	n.srv = api.NewServer(o)
	n.api = httptest.NewServer(n.srv.APIHandler())
	n.ops = httptest.NewServer(n.srv.OpsHandler())
	t.Cleanup(n.api.Close)
	t.Cleanup(n.ops.Close)
	akid, secret := h.Principal(t, "root", true)
	creds := credentials.NewStaticCredentialsProvider(akid, secret, "")
	n.kms = awskms.New(awskms.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(n.api.URL), Retryer: aws.NopRetryer{}})
	n.s3 = awss3.New(awss3.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(n.api.URL), UsePathStyle: true, Retryer: aws.NopRetryer{}})
	return n
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// TestEveryRequestIsAudited: each KMS and S3 request leaves exactly one record, success or
// failure, naming its operation and outcome.
func TestEveryRequestIsAudited(t *testing.T) {
	n := newNode(t, nil)
	ctx := context.Background()
	if _, err := n.kms.CreateKey(ctx, &awskms.CreateKeyInput{}); err != nil {
		t.Fatal(err)
	}
	_, err := n.kms.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/missing")})
	if code(err) != "NotFoundException" {
		t.Fatalf("DescribeKey: %v", err)
	}
	if _, err := n.s3.ListBuckets(ctx, &awss3.ListBucketsInput{}); err != nil {
		t.Fatal(err)
	}
	n.trail.mu.Lock()
	defer n.trail.mu.Unlock()
	var got []string
	for _, r := range n.trail.records {
		got = append(got, string(r.API)+" "+r.Operation+" "+r.Outcome)
	}
	want := []string{"kms CreateKey OK", "kms DescribeKey NotFoundException", "s3 ListBuckets OK"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("records %v, want %v", got, want)
	}
	if n.trail.records[1].Key != "alias/missing" {
		t.Errorf("a failed call's record names key %q, want the one asked for", n.trail.records[1].Key)
	}
}

// TestUnwritableTrailRefuses: while the trail cannot be written, KMS and S3 requests are refused
// with the retryable 503 each protocol uses, and a response whose record is lost becomes that
// refusal too.
func TestUnwritableTrailRefuses(t *testing.T) {
	n := newNode(t, nil)
	ctx := context.Background()
	for _, mode := range []struct {
		name         string
		broken, lose bool
	}{{"unhealthy", true, false}, {"record lost", false, true}} {
		n.trail.set(mode.broken, mode.lose)
		if _, err := n.kms.CreateKey(ctx, &awskms.CreateKeyInput{}); code(err) != "DependencyTimeoutException" {
			t.Errorf("%s: KMS: %v", mode.name, err)
		}
		if _, err := n.s3.ListBuckets(ctx, &awss3.ListBucketsInput{}); code(err) != "ServiceUnavailable" {
			t.Errorf("%s: S3: %v", mode.name, err)
		}
	}
	n.trail.set(false, false)
	if _, err := n.kms.ListKeys(ctx, &awskms.ListKeysInput{}); err != nil {
		t.Fatalf("after the trail recovered: %v", err)
	}
}

// TestAuthorizerDenies: the Authorizer is asked after authentication, and its refusal is the
// protocol's AccessDenied. (KMS authorizes inside the service, once the key is resolved:
// domain/authz_*_test.go and cluster/node/authz_*_test.go cover it.)
func TestAuthorizerDenies(t *testing.T) {
	n := newNode(t, func(o *api.Options) { o.Authorizer = denyAll{} })
	ctx := context.Background()
	if _, err := n.s3.ListBuckets(ctx, &awss3.ListBucketsInput{}); code(err) != "AccessDenied" {
		t.Errorf("S3: %v", err)
	}
}

// TestOpsListener: health, readiness, metrics and cluster status answer without credentials;
// readiness says why a node is not ready.
func TestOpsListener(t *testing.T) {
	notReady := errors.New("catching up")
	n := newNode(t, func(o *api.Options) { o.Ready = func() error { return notReady } })
	get := func(path string) (int, string) {
		resp, err := http.Get(n.ops.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := get("/healthz"); st != http.StatusOK {
		t.Errorf("/healthz: %d", st)
	}
	if st, b := get("/readyz"); st != http.StatusServiceUnavailable || !strings.Contains(b, "catching up") {
		t.Errorf("/readyz: %d %s", st, b)
	}
	if st, b := get("/metrics"); st != http.StatusOK || !strings.Contains(b, "keyhold_s3_kms_calls_total") {
		t.Errorf("/metrics: %d", st)
	}
	if st, _ := get("/v1/cluster/status"); st != http.StatusServiceUnavailable {
		t.Errorf("/v1/cluster/status without a cluster: %d", st)
	}
}

// TestRoutesInventory: Server.Routes lists every KMS operation, the S3 catch-all, the ops
// routes and the admin routes, each with its authentication.
func TestRoutesInventory(t *testing.T) {
	n := newNode(t, nil)
	byName := map[string]api.Auth{}
	for _, r := range n.srv.Routes() {
		byName[r.String()] = r.Auth
	}
	for name, want := range map[string]api.Auth{
		"api POST / X-Amz-Target:TrentService.Encrypt": api.AuthSigV4,
		"api * /":                      api.AuthSigV4,
		"ops GET /healthz":             api.AuthOpen,
		"ops GET /v1/domain/token":     api.AuthOperator,
		"ops POST /v1/admin/proposals": api.AuthOperator,
	} {
		if got, ok := byName[name]; !ok || got != want {
			t.Errorf("%s: %q (listed %v), want %q", name, got, ok, want)
		}
	}
	m := api.NewMetrics()
	m.ObserveHSM("Decrypt", 0, errors.New("x"))
	m.GaugeFunc("keyhold_test_gauge", "test", func() float64 { return 1 })
	m.GaugeFunc("keyhold_test_gauge", "test", func() float64 { return 1 }) // registering twice is harmless
}
