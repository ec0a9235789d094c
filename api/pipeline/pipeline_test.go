package pipeline

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/keyhold/keyhold/api/sigv4"
)

// TestRequestIDs: request ids are distinct version-4 UUIDs, the shape AWS request ids have.
func TestRequestIDs(t *testing.T) {
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id := NewRequestID()
		if !uuid4.MatchString(id) || seen[id] {
			t.Fatalf("request id %q: not a fresh UUIDv4", id)
		}
		seen[id] = true
	}
}

// TestSourceIP: the address the listener saw, without the port; a forwarding header the
// client sets is ignored, so a client cannot choose what its audit record says.
func TestSourceIP(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.7:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.1")
	if got := SourceIP(r); got != "192.0.2.7" {
		t.Fatalf("SourceIP = %q", got)
	}
}

// TestPublicErrors: a PublicError matches its kind through wrapping and keeps its message; the
// SigV4 failures get AWS's wording.
func TestPublicErrors(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", Unavailable())
	var pe *PublicError
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &pe) || pe.Msg == "" {
		t.Fatalf("Unavailable: %v", err)
	}
	if PublicMessage(sigv4.ErrMissingAuth) != "Missing Authentication Token" || PublicMessage(errors.New("other")) != "" {
		t.Fatal("PublicMessage")
	}
}
