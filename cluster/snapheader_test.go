package cluster

import (
	"bytes"
	"errors"
	"testing"
)

func TestSnapshotHeader(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []byte
		want    uint64
		wantErr bool
	}{
		{"zero", []byte{1, 0, 0, 0, 0, 0, 0, 0, 0}, 0, false},
		{"big-endian", []byte{1, 0, 0, 0, 0, 0, 0, 1, 2}, 258, false},
		{"max", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 1<<64 - 1, false},
		{"empty", nil, 0, true},
		{"short", []byte{1, 0, 0}, 0, true},
		{"long", []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, true},
		{"version 0", []byte{0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, true},
		{"version 2", []byte{2, 0, 0, 0, 0, 0, 0, 0, 0}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSnapshotHeader(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrSnapshotFormat) {
					t.Fatalf("got %d, %v; want ErrSnapshotFormat", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %d, %v; want %d, nil", got, err, tc.want)
			}
		})
	}
	if _, err := readSnapshotHeader(bytes.NewReader([]byte{1, 2})); !errors.Is(err, ErrSnapshotFormat) {
		t.Errorf("readSnapshotHeader(truncated): got %v, want ErrSnapshotFormat", err)
	}
}

// FuzzSnapshotHeader checks that parsing never panics and that whatever parses marshals back to
// the same bytes (the header has exactly one encoding per index).
func FuzzSnapshotHeader(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0x30, 0x39})
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, err := parseSnapshotHeader(b)
		if err != nil {
			return
		}
		if h := marshalSnapshotHeader(idx); !bytes.Equal(h[:], b) {
			t.Fatalf("parse(%x) = %d, marshals to %x", b, idx, h)
		}
	})
}
