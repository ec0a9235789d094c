package kms

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// call is one KMS request as it moves through the pipeline.
type call struct {
	op        string
	body      []byte
	who       sigv4.Identity
	requestID string
	keyID     string // the key the call used, for the audit record (an ARN once resolved)
	encCtx    map[string]string
	srcKey    string // ReEncrypt's source key and context
	srcCtx    map[string]string
	// decisions collects the authorization decisions the service made, for the audit record.
	decisions *domain.DecisionLog
}

// use notes the key reference and encryption context a handler decoded, for the audit record:
// a failed call is recorded with the reference the caller sent, a successful one with the ARN
// the handler sets in keyID.
func (c *call) use(keyID string, encCtx map[string]string) {
	c.keyID, c.encCtx = keyID, encCtx
}

// decode unmarshals the request body into v. AWS answers undecodable bodies with
// SerializationException; an empty body is an empty object.
func (c *call) decode(v any) error {
	if len(c.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return serializationError(fmt.Sprintf("Value for '%s' has the wrong type: expected %s", te.Field, te.Type))
		}
		return serializationError("The request body is not valid JSON for this operation.")
	}
	return nil
}

// ServeHTTP serves one KMS JSON 1.1 request (POST with X-Amz-Target): the whole KMS pipeline
// from the route lookup to the audit record.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{requestID: pipeline.NewRequestID()}
	w.Header().Set("X-Amzn-RequestId", c.requestID)
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, TargetPrefix)
	rt, known := routes[op]
	if !ok || !known {
		op = "Unknown"
	}
	c.op = op
	err := s.runKMS(w, r, c, rt, ok && known)
	code := "OK"
	if err != nil {
		aws, _ := errorFor(err)
		code = aws.Code
		writeError(w, c.requestID, err)
		if aws == internalError || (aws.Status >= 500 && !errors.Is(err, pipeline.ErrUnavailable)) {
			s.log.Error("kms request failed", "operation", op, "request_id", c.requestID, "err", err)
		}
	}
	d := time.Since(start)
	s.p.Observe("kms", op, code, d)
	if c.keyID == "" && err != nil {
		c.keyID = requestedKey(c.body)
	}
	rec := audit.Record{Time: start, RequestID: c.requestID, API: audit.KMS, Operation: op,
		Principal: c.who.Principal, AccessKeyID: c.who.AccessKeyID, SourceIP: pipeline.SourceIP(r),
		Key: c.keyID, SourceKey: c.srcKey, EncryptionContext: c.encCtx, SourceEncryptionContext: c.srcCtx,
		Outcome: code, Duration: d}
	pipeline.Decided(&rec, c.decisions)
	s.p.Emit(r.Context(), rec)
}

func (s *Server) runKMS(w http.ResponseWriter, r *http.Request, c *call, rt route, known bool) error {
	timeout := rt.timeout
	if !known {
		timeout = DataTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	admitted := time.Now()
	until, err := s.p.Admit(ctx) // the root api's freshness gate (consistency.go), before the access key is looked up
	if err != nil {
		return err
	}
	if !known {
		// Authenticate first so that an unauthenticated caller learns nothing, not even which
		// operations exist.
		if _, err := s.readAndVerify(r, c, DataLimit); err != nil {
			return err
		}
		return &pipeline.PublicError{Kind: errUnknownOperation, Msg: "Unknown operation " + r.Header.Get("X-Amz-Target")}
	}
	if _, err := s.readAndVerify(r, c, rt.limit); err != nil {
		return err
	}
	ctx = pipeline.WithCaller(ctx, r, c.who, s.svc.ARNs().Region, admitted)
	if err := s.p.Charge(ctx, "kms", quotaOp(c.op, c.body)); err != nil { // quota.go
		return err
	}
	if err := checkGrantTokens(c.body); err != nil {
		return err
	}
	ctx, c.decisions = domain.WithDecisionLog(ctx)
	// Authorization happens in the service: a key operation is decided once its key is
	// resolved, against the key's ARN and the request's condition keys (domain/authz_keys.go).
	if dryRun(c.body) {
		if err := s.svc.AuthorizeKeyUse(ctx, rt.action, requestedKey(c.body), requestedContext(c.body)); err != nil {
			return err
		}
		return &pipeline.PublicError{Kind: errDryRun, Msg: "The request would have succeeded, but the DryRun option is set."}
	}
	linear, err := s.linearize(ctx, rt)
	if err != nil {
		return err
	}
	resp, err := rt.handle(ctx, s, c)
	// A read answered past its admission's bound could be stale; so could a write's refusal.
	if !linear && (err != nil || rt.consistency != Write) {
		// Past its admission's bound, an answer stands only if the node stayed current all the
		// while (a slow operation); a node that was paused or cut off meanwhile refuses it.
		if ferr := pipeline.StillFresh(until); ferr != nil && s.p.Recheck(admitted) != nil {
			if sr, ok := resp.(secretResponse); ok && err == nil {
				sr.clear()
			}
			return ferr
		}
	}
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return pipeline.ErrTimeout
		}
		return err
	}
	writeResponse(w, resp)
	return nil
}

// readAndVerify reads the body under limit and checks the SigV4 signature over it.
func (s *Server) readAndVerify(r *http.Request, c *call, limit int64) (sigv4.Result, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return sigv4.Result{}, serializationError("could not read the request body")
	}
	if int64(len(body)) > limit {
		return sigv4.Result{}, &pipeline.PublicError{Kind: pipeline.ErrRequestTooLarge, Msg: fmt.Sprintf("The request body exceeds the %d-byte limit for %s.", limit, c.op)}
	}
	c.body = body
	sum := sha256.Sum256(body)
	var sumHex [2 * sha256.Size]byte
	hex.Encode(sumHex[:], sum[:])
	res, err := s.verify.Verify(r, "kms", string(sumHex[:]))
	if err != nil {
		return sigv4.Result{}, err
	}
	c.who = res.Identity
	return res, nil
}

// dryRun reports whether the request sets DryRun: AWS answers such requests, once they pass
// authentication and authorisation, with DryRunOperationException.
func dryRun(body []byte) bool {
	if !bytes.Contains(body, []byte("DryRun")) {
		return false
	}
	var v struct{ DryRun bool }
	return json.Unmarshal(body, &v) == nil && v.DryRun
}

// checkGrantTokens validates the GrantTokens parameter that every operation using a key accepts.
// keyhold's grants are in force once CreateGrant returns, so a token adds no permission; its
// shape is still checked, as KMS does.
func checkGrantTokens(body []byte) error {
	if !bytes.Contains(body, []byte("GrantTokens")) {
		return nil
	}
	var v struct{ GrantTokens []string }
	if json.Unmarshal(body, &v) != nil {
		return nil // the handler's own decode reports it
	}
	return domain.CheckGrantTokens(v.GrantTokens)
}

// secretResponse is implemented by responses that carry plaintext; clear is called once the
// response has been written.
type secretResponse interface{ clear() }

func writeResponse(w http.ResponseWriter, resp any) {
	b, err := json.Marshal(resp)
	if sr, ok := resp.(secretResponse); ok {
		sr.clear()
	}
	if err != nil {
		writeError(w, "", fmt.Errorf("api: encode response: %w", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
	// The encoded body holds the base64 of any plaintext; clear it too.
	clear(b)
}

func writeError(w http.ResponseWriter, requestID string, err error) {
	aws, msg := errorFor(err)
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message,omitempty"`
	}{aws.Code, msg})
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amzn-ErrorType", aws.Code)
	w.WriteHeader(aws.Status)
	_, _ = w.Write(b)
}

// linearize waits, for the LinearRead operations, until the replica reflects every write
// acknowledged before the request arrived; linear reports that it did.
func (s *Server) linearize(ctx context.Context, rt route) (linear bool, err error) {
	if rt.consistency != LinearRead {
		return false, nil
	}
	configured, err := s.p.LinearRead(ctx)
	if err != nil {
		return true, pipeline.Unavailable()
	}
	return configured, nil
}
