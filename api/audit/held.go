package audit

import (
	"net/http"
)

// HoldLimit is how much of a response a Held keeps back. Every KMS, admin and peer response
// and every S3 response but a large object's body fits; a larger one goes out before its
// record (see Release).
const HoldLimit = 256 << 10

// Held is an http.ResponseWriter that keeps a response back until the request's audit record is
// on disk, so that in Durable mode no caller learns an answer the trail does not hold. Headers
// are set on the real writer's map but sent only on release. Not safe for concurrent use, like
// any ResponseWriter.
type Held struct {
	w       http.ResponseWriter
	status  int
	buf     []byte
	passed  bool // the response outgrew HoldLimit and is going out as it is written
	audited bool
	err     error
}

// Hold wraps w.
func Hold(w http.ResponseWriter) *Held { return &Held{w: w} }

// Header is the real writer's header map.
func (h *Held) Header() http.Header { return h.w.Header() }

// WriteHeader notes the status; informational (1xx) statuses go out at once.
func (h *Held) WriteHeader(code int) {
	switch {
	case h.passed || code < 200:
		h.w.WriteHeader(code)
	case h.status == 0:
		h.status = code
	}
}

// Write holds p, or sends everything held so far and p once the response passes HoldLimit.
func (h *Held) Write(p []byte) (int, error) {
	if h.passed {
		return h.w.Write(p)
	}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	if len(h.buf)+len(p) > HoldLimit {
		if err := h.pass(); err != nil {
			return 0, err
		}
		return h.w.Write(p)
	}
	h.buf = append(h.buf, p...)
	return len(p), nil
}

// FlushError flushes only a response that already passed the hold; a held one stays held, so a
// handler's flush cannot send it before its record.
func (h *Held) FlushError() error {
	if !h.passed {
		return nil
	}
	return http.NewResponseController(h.w).Flush()
}

// Unwrap lets http.ResponseController reach the connection (read and write deadlines).
func (h *Held) Unwrap() http.ResponseWriter { return h.w }

// Status is the status written so far (200 once a body was written without one), 0 before.
func (h *Held) Status() int { return h.status }

// Recorded notes the outcome of handing the request's record to the audit Handler.
func (h *Held) Recorded(err error) { h.audited, h.err = true, err }

// Release sends the held response when its record was stored (or none was made). When the
// record failed, the held response is discarded (its buffer cleared: it may hold plaintext)
// and refuse writes the refusal instead, on a cleared header map; a response that already
// passed the hold cannot be taken back, so the handler panics with http.ErrAbortHandler and
// net/http cuts the connection: the client sees a failed transfer, not a complete one.
func (h *Held) Release(refuse func(http.ResponseWriter)) {
	switch {
	case h.err == nil:
		if !h.passed {
			_ = h.pass()
		}
	case !h.passed:
		clear(h.buf)
		h.buf = nil
		hdr := h.w.Header()
		rid := [2]string{hdr.Get("X-Amzn-RequestId"), hdr.Get("X-Amz-Request-Id")}
		clear(hdr)
		if rid[0] != "" {
			hdr.Set("X-Amzn-RequestId", rid[0])
		}
		if rid[1] != "" {
			hdr.Set("X-Amz-Request-Id", rid[1])
		}
		refuse(h.w)
	default:
		panic(http.ErrAbortHandler)
	}
}

func (h *Held) pass() error {
	h.passed = true
	if h.status == 0 {
		h.status = http.StatusOK
	}
	h.w.WriteHeader(h.status)
	var err error
	if len(h.buf) > 0 {
		_, err = h.w.Write(h.buf)
	}
	clear(h.buf)
	h.buf = nil
	return err
}
