package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/keyhold/keyhold/api/admin"
	"github.com/keyhold/keyhold/api/audit"
	iamapi "github.com/keyhold/keyhold/api/iam"
	"github.com/keyhold/keyhold/api/kms"
	"github.com/keyhold/keyhold/api/query"
	"github.com/keyhold/keyhold/api/quota"
	"github.com/keyhold/keyhold/api/s3"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/api/sts"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/domain/policy"
)

// Authorizer decides whether the caller in ctx may perform action on resource (see
// pipeline.Pipeline.Authorize). The default is the domain service's policy decision
// (domain.Service.Authorize); a test may replace it. There is no allow-everything default.
type Authorizer interface {
	Authorize(ctx context.Context, action, resource string, keys ...func(*policy.Context)) error
}

// ClusterInfo is what the ops listener needs from the cluster.
type ClusterInfo interface {
	// Status returns a JSON-encodable description of this node's view of the cluster.
	Status() any
}

// Options configures a Server.
type Options struct {
	Service    *domain.Service
	Region     string
	Metrics    *Metrics
	Logger     *slog.Logger
	Audit      audit.Handler // one record per KMS, S3 and admin request; nil logs them through Logger
	Authorizer Authorizer
	Cluster    ClusterInfo
	// Ready reports whether the node can serve: nil when ready, else why not.
	Ready func() error
	// Fresh, when set, admits each API request (consistency.go): it returns the time until which
	// an answer computed from the replica is within the staleness bound, or why the node cannot
	// serve (the request is then refused with a retryable 503). It must be cheap when the node is
	// fresh; it may block briefly, within ctx, when it is not.
	Fresh func(ctx context.Context) (time.Time, error)
	// StillFresh, when set, decides an answer computed past its admission's bound: nil when the
	// node has stayed within the bound without a break since admitted (a slow operation, such as
	// RSA-4096 key generation, on a node that stayed current), else why it must be refused.
	StillFresh func(admitted time.Time) error
	// LinearRead, when set, makes the KMS metadata reads (api/kms routes marked LinearRead) linearizable: it
	// returns once the replica reflects every write acknowledged before the call.
	LinearRead func(ctx context.Context) error
	// Now is the clock for signature checks; nil means time.Now.
	Now func() time.Time
	// ObjectStore holds S3 object bytes; nil answers S3 requests with NotImplemented.
	ObjectStore ObjectStore
	// S3Domains are the endpoint host names under which virtual-hosted-style requests
	// (Host: <bucket>.<domain>) are recognised; other hosts are path style.
	S3Domains []string
	// AllowSSECOverHTTP accepts SSE-C keys on plain HTTP (dev mode); S3 requires TLS.
	AllowSSECOverHTTP bool
	// BucketKeyTTL bounds how long a plaintext S3 Bucket Key stays cached; zero means 5 minutes.
	BucketKeyTTL time.Duration
	// S3PlaintextObjects stores objects whose request and bucket name no encryption as
	// plaintext (no MAC, no keys) instead of SSE-S3: a baseline for benchmarks, or keyhold as a
	// plain S3 backend. Off, objects stored that way are refused as corrupt on read, so a
	// plaintext object planted in the store cannot pass for an encrypted one.
	S3PlaintextObjects bool
	// OIDCProviders are the OpenID Connect issuers STS's AssumeRoleWithWebIdentity trusts
	// (sts.LoadOIDCProviders); none refuses every web identity token.
	OIDCProviders []*sts.OIDCProvider
	// Pprof serves /debug/pprof on the ops listener, to operators only (api/admin pprof.go).
	Pprof bool
	// Quotas are the per-account request quotas (api/quota); off when not Enabled.
	Quotas quota.Config
}

// Server serves the API and ops listeners.
type Server struct {
	svc    *domain.Service
	verify *sigv4.Verifier
	m      *Metrics
	log    *slog.Logger
	audit  audit.Handler
	authz  Authorizer
	opts   Options
	// admin serves the admin API on the ops listener (package api/admin).
	admin *admin.Server

	// kms serves the KMS JSON protocol (package api/kms).
	kms *kms.Server

	// s3 serves the S3 REST protocol (package api/s3).
	s3 *s3.Server
	// quotas charges requests to their account's quotas (quota.go).
	quotas *quotas
	// iam and sts serve the IAM and STS Query APIs (packages api/iam, api/sts over api/query).
	iam, sts *query.Server
	// auditRefused counts requests refused because the audit trail could not be written.
	auditRefused atomic.Int64
}

// NewServer builds a Server.
func NewServer(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Audit == nil {
		o.Audit = audit.SlogHandler(o.Logger.With("log", "audit"))
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	if o.Authorizer == nil {
		o.Authorizer = refuseAll{}
		if o.Service != nil {
			o.Authorizer = o.Service
		}
	}
	if o.Ready == nil {
		o.Ready = func() error { return nil }
	}
	if o.BucketKeyTTL <= 0 {
		o.BucketKeyTTL = 5 * time.Minute
	}
	s := &Server{
		svc:    o.Service,
		verify: &sigv4.Verifier{Store: credentialStore{o.Service}, Region: o.Region, Now: o.Now},
		m:      o.Metrics,
		log:    o.Logger,
		audit:  o.Audit,
		authz:  o.Authorizer,
		opts:   o,
	}
	s.quotas = newQuotas(o.Quotas, o.Metrics)
	s.admin = admin.New(admin.Options{Service: o.Service, Pipeline: shared{s}, Logger: o.Logger, Now: o.Now, Pprof: o.Pprof})
	s.kms = kms.New(kms.Options{Service: o.Service, Verifier: s.verify, Pipeline: shared{s}, Logger: o.Logger})
	s.s3 = s3.New(s3.Options{Service: o.Service, Verifier: s.verify, Pipeline: shared{s}, Logger: o.Logger,
		Metrics: o.Metrics.Registry, Store: o.ObjectStore, Region: o.Region, Now: o.Now, S3Domains: o.S3Domains,
		AllowSSECOverHTTP: o.AllowSSECOverHTTP, BucketKeyTTL: o.BucketKeyTTL, S3PlaintextObjects: o.S3PlaintextObjects})
	// IAM is a global service: clients sign it for whatever region they are configured with
	// (us-east-1 by default), so its verifier takes any region; the scope's service must
	// still be iam, and the signature covers the region.
	iamVerify := &sigv4.Verifier{Store: credentialStore{o.Service}, Now: o.Now}
	s.iam = iamapi.New(iamapi.Options{Service: o.Service, Verifier: iamVerify, Pipeline: shared{s}, Logger: o.Logger, Region: o.Region})
	s.sts = sts.New(sts.Options{Service: o.Service, Verifier: s.verify, Pipeline: shared{s}, Logger: o.Logger, Region: o.Region,
		OIDCProviders: o.OIDCProviders, Now: o.Now})
	s.m.CounterFunc("keyhold_audit_refused_requests_total", "Requests refused (503) because the audit trail could not be written (audit_mode durable).",
		func() float64 { return float64(s.auditRefused.Load()) })
	return s
}

// APIHandler serves the AWS-compatible API listener.
func (s *Server) APIHandler() http.Handler {
	return s.auditedAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch sigv4.ScopeService(r) {
		case "iam":
			s.iam.ServeHTTP(w, r)
			return
		case "sts":
			s.sts.ServeHTTP(w, r)
			return
		case "":
			if isUnsignedQuery(r) {
				// STS's AssumeRoleWithWebIdentity is unsigned; any other action is refused
				// there for want of a signature.
				s.sts.ServeHTTP(w, r)
				return
			}
		}
		if r.Method == http.MethodPost && r.Header.Get("X-Amz-Target") != "" {
			s.kms.ServeHTTP(w, r)
			return
		}
		s.s3.ServeHTTP(w, r)
	}))
}

// isUnsignedQuery reports whether r is an unsigned Query-protocol request: a form-encoded POST
// to the root. S3 never takes one (browser uploads are multipart/form-data), so the route
// cannot capture an S3 request.
func isUnsignedQuery(r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return false
	}
	mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
}

// refuseAll is the Authorizer of a server without a service: nothing is allowed.
type refuseAll struct{}

func (refuseAll) Authorize(context.Context, string, string, ...func(*policy.Context)) error {
	return &domain.Error{Kind: domain.ErrAccessDenied, Msg: "Access Denied"}
}
