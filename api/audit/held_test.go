package audit

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHeldSendsNothingBeforeRelease: a held response reaches the client only on Release; a
// failed record replaces it, headers included, with the refusal.
func TestHeldSendsNothingBeforeRelease(t *testing.T) {
	rec := httptest.NewRecorder()
	h := Hold(rec)
	h.Header().Set("X-Amzn-RequestId", "rid")
	h.Header().Set("Content-Length", "9")
	h.WriteHeader(http.StatusOK)
	_, _ = h.Write([]byte("plaintext"))
	_ = http.NewResponseController(h).Flush()
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Flushed {
		t.Fatalf("before Release: %d %q flushed=%v, want nothing sent", rec.Code, rec.Body.String(), rec.Flushed)
	}
	h.Recorded(errors.New("disk full"))
	h.Release(func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("refused"))
	})
	if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != "refused" {
		t.Fatalf("after a failed record: %d %q, want the refusal", rec.Code, rec.Body.String())
	}
	if rec.Header().Get("Content-Length") != "" || rec.Header().Get("X-Amzn-RequestId") != "rid" {
		t.Fatalf("refusal headers: %v, want the request id only", rec.Header())
	}

	rec = httptest.NewRecorder()
	h = Hold(rec)
	_, _ = h.Write([]byte("answer"))
	h.Recorded(nil)
	h.Release(nil)
	if rec.Code != http.StatusOK || rec.Body.String() != "answer" {
		t.Fatalf("after a stored record: %d %q", rec.Code, rec.Body.String())
	}
}

// TestHeldLargeResponseAborts: a response past HoldLimit streams; if its record then fails, the
// connection is cut (http.ErrAbortHandler) so the client cannot take it for complete.
func TestHeldLargeResponseAborts(t *testing.T) {
	rec := httptest.NewRecorder()
	h := Hold(rec)
	big := bytes.Repeat([]byte("x"), HoldLimit+1)
	_, _ = h.Write(big)
	if rec.Body.Len() != len(big) {
		t.Fatalf("a response past HoldLimit: %d bytes sent, want %d", rec.Body.Len(), len(big))
	}
	h.Recorded(errors.New("disk full"))
	defer func() {
		if r := recover(); r != http.ErrAbortHandler {
			t.Fatalf("Release after a streamed response's record failed: recovered %v, want http.ErrAbortHandler", r)
		}
	}()
	h.Release(func(http.ResponseWriter) { t.Fatal("refusal written after the response went out") })
}
