package policy

import (
	"testing"
	"time"
)

// FuzzParseUTCSeconds: the fast path for aws:CurrentTime's form answers exactly as
// time.Parse(time.RFC3339Nano) does wherever it answers, and answers for every time
// keyhold formats.
func FuzzParseUTCSeconds(f *testing.F) {
	for _, s := range []string{"2026-12-07T15:52:51Z", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z",
		"2026-13-01T00:00:00Z", "2026-12-07T24:00:00Z", "2026-12-07T23:59:60Z", "0000-01-01T00:00:00Z",
		"2026-12-07T15:52:51+00:00", "2026-12-07t15:52:51Z", "2026-1a-07T15:52:51Z", "+026-12-07T15:52:51Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseUTCSeconds(s)
		if !ok {
			return
		}
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("%q: fast path read %v, time.Parse refuses it: %v", s, got, err)
		}
		if !got.Equal(want) || got.Location() != want.Location() {
			t.Fatalf("%q: fast path %v (%v), time.Parse %v (%v)", s, got, got.Location(), want, want.Location())
		}
	})
}

// TestParseUTCSecondsReadsWhatKeyholdFormats: every second keyhold formats for aws:CurrentTime
// takes the fast path, across month ends, leap days and years.
func TestParseUTCSecondsReadsWhatKeyholdFormats(t *testing.T) {
	for at := time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC); at.Year() < 2030; at = at.Add(7*time.Hour + 13*time.Minute + 17*time.Second) {
		s := at.Format("2006-01-02T15:04:05Z")
		got, ok := parseUTCSeconds(s)
		if !ok || !got.Equal(at) {
			t.Fatalf("%s: %v, %v", s, got, ok)
		}
	}
	for _, s := range []string{"2023-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-12-07T23:59:60Z", "2026-12-07T15:52:51+00:00"} {
		if _, ok := parseUTCSeconds(s); ok {
			t.Errorf("%s: read by the fast path", s)
		}
	}
}
