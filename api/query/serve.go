package query

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
)

// BodyLimit bounds a request body: the largest IAM document (a 10,240-character role policy)
// form-encoded is at most three times that, plus the other parameters.
const BodyLimit = 128 << 10

// DefaultTimeout bounds an action that sets none: IAM writes wait for a raft commit.
const DefaultTimeout = 15 * time.Second

// Options configures a Server.
type Options struct {
	Service  Service
	Verifier *sigv4.Verifier
	Pipeline pipeline.Pipeline
	Logger   *slog.Logger
	// Region is the region responses and the caller's aws:RequestedRegion name.
	Region string
}

// Server serves one Query-protocol API.
type Server struct {
	svc    Service
	verify *sigv4.Verifier
	p      pipeline.Pipeline
	log    *slog.Logger
	region string
}

// New returns a Server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Server{svc: o.Service, verify: o.Verifier, p: o.Pipeline, log: o.Logger, region: o.Region}
}

// ServeHTTP serves one request, from the freshness gate to the audit record.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &Call{RequestID: pipeline.NewRequestID(), p: s.p}
	err := s.run(w, r, c)
	code := "OK"
	if err != nil {
		aws, msg := ErrorFor(err, s.svc.Errors)
		code = aws.Code
		writeError(w, s.svc.Namespace, c.RequestID, aws, msg)
		if aws == internalError || aws.Status >= 500 && !errors.Is(err, pipeline.ErrUnavailable) {
			s.log.Error(s.svc.Name+" request failed", "operation", c.Action, "request_id", c.RequestID, "err", err)
		}
	}
	op := c.Action
	if _, ok := s.svc.Actions[op]; !ok {
		op = "Unknown" // a closed set in metrics: never what the client sent
	}
	d := time.Since(start)
	s.p.Observe(s.svc.Name, op, code, d)
	s.p.Emit(r.Context(), audit.Record{Time: start, RequestID: c.RequestID, API: audit.API(s.svc.Name), Operation: op,
		Principal: c.Who.Principal, AccessKeyID: c.Who.AccessKeyID, SourceIP: pipeline.SourceIP(r),
		Resource: c.Resource, Outcome: code, Duration: d})
}

func (s *Server) run(w http.ResponseWriter, r *http.Request, c *Call) error {
	admitted := time.Now()
	if _, err := s.p.Admit(r.Context()); err != nil {
		return err
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return Errorf(ErrMalformedQuery, "The Query protocol takes GET or POST requests.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, BodyLimit+1))
	if err != nil {
		return Errorf(ErrMalformedQuery, "could not read the request body")
	}
	if len(body) > BodyLimit {
		return &pipeline.PublicError{Kind: pipeline.ErrRequestTooLarge, Msg: fmt.Sprintf("The request body exceeds the %d-byte limit.", BodyLimit)}
	}
	params, err := parseParams(r, body)
	if err != nil {
		return err
	}
	c.Action, c.Params = params.Get("Action"), params
	act, known := s.svc.Actions[c.Action]
	ctx := r.Context()
	if s.svc.Anonymous[c.Action] && r.Header.Get("Authorization") == "" && params.Get("X-Amz-Signature") == "" {
		// Authenticated by what it carries (a web identity token); the handler checks it.
	} else {
		sum := sha256.Sum256(body)
		res, err := s.verify.Verify(r, s.svc.Name, hex.EncodeToString(sum[:]))
		if err != nil {
			return err
		}
		c.Who = res.Identity
		ctx = pipeline.WithCaller(ctx, r, c.Who, s.region, admitted)
	}
	// Only an authenticated caller learns which actions exist.
	if !known {
		if c.Action == "" {
			return Errorf(ErrMissingParameter, "The request must contain the parameter Action.")
		}
		return Errorf(ErrInvalidAction, "Could not find operation "+c.Action+" for version "+s.svc.Version)
	}
	if v := params.Get("Version"); v != s.svc.Version {
		return Errorf(ErrInvalidAction, "Could not find operation "+c.Action+" for version "+v)
	}
	if err := s.p.Charge(ctx, s.svc.Name, c.Action); err != nil { // api/quota: iam:requests, sts:requests
		return err
	}
	timeout := act.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := act.Handle(ctx, c)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return pipeline.ErrTimeout
		}
		return err
	}
	return writeResult(w, s.svc.Namespace, c.Action, c.RequestID, res)
}

// parseParams reads the parameters: the form body of a POST (which must be form-encoded), else
// the query string. Parameters given twice are refused: which one counts would be a guess.
func parseParams(r *http.Request, body []byte) (url.Values, error) {
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		ct := r.Header.Get("Content-Type")
		if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(strings.ToLower(mt)) != "application/x-www-form-urlencoded" {
			return nil, Errorf(ErrMalformedQuery, "A POST must be form-encoded (Content-Type: application/x-www-form-urlencoded).")
		}
		raw = string(body)
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, Errorf(ErrMalformedQuery, "The parameters are not a valid form encoding.")
	}
	for k, vs := range v {
		if len(vs) > 1 {
			return nil, Errorf(ErrInvalidParameter, "The parameter "+k+" is given more than once.")
		}
	}
	return v, nil
}
