package domain

import (
	"strconv"
	"testing"
	"time"
)

// TestTimeKeysPerSecond: the cached forms are those of the request's own second, in UTC
// whatever the time's location, and a new second is formatted anew.
func TestTimeKeysPerSecond(t *testing.T) {
	var k timeKeys
	east := time.FixedZone("UTC+5", 5*3600)
	t0 := time.Date(2026, 12, 7, 20, 30, 15, 100, east)
	for _, tc := range []time.Time{t0, t0.Add(800 * time.Millisecond), t0.Add(time.Second), t0.Add(-time.Hour)} {
		f := k.of(tc)
		if want := tc.UTC().Format("2006-01-02T15:04:05Z"); f.iso != want {
			t.Errorf("%v: aws:CurrentTime %q, want %q", tc, f.iso, want)
		}
		if want := strconv.FormatInt(tc.Unix(), 10); f.epoch != want {
			t.Errorf("%v: aws:EpochTime %q, want %q", tc, f.epoch, want)
		}
	}
	if a, b := k.of(t0), k.of(t0.Add(500*time.Millisecond)); a != b {
		t.Error("two times of one second were formatted twice")
	}
}
