package audit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lines splits a file into its lines, keeping the LFs.
func lines(b []byte) [][]byte { return bytes.SplitAfter(b, []byte("\n")) }

// TestVerifyFindsTampering: an untouched trail verifies; each kind of tampering is reported at
// the right file and line with the right error.
func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name     string
		tamper   func(files []string) // edits the trail
		wantErr  error
		wantFile int // index into files
		wantLine int
	}{
		{"untouched", func([]string) {}, nil, 0, 0},
		{"modified byte", func(fs []string) {
			edit(fs[0], func(b []byte) []byte { i := bytes.Index(b, []byte("Encrypt")); b[i] = 'e'; return b })
		}, ErrHashMismatch, 0, 1},
		{"modified hash", func(fs []string) {
			edit(fs[0], func(b []byte) []byte { ls := lines(b); ls[1][len(ls[1])-4] ^= 1; return bytes.Join(ls, nil) })
		}, ErrHashMismatch, 0, 2},
		{"deleted line", func(fs []string) {
			edit(fs[0], func(b []byte) []byte { ls := lines(b); return bytes.Join(append(ls[:1:1], ls[2:]...), nil) })
		}, ErrBrokenChain, 0, 2},
		{"reordered pair", func(fs []string) {
			edit(fs[0], func(b []byte) []byte { ls := lines(b); ls[1], ls[2] = ls[2], ls[1]; return bytes.Join(ls, nil) })
		}, ErrBrokenChain, 0, 2},
		{"truncated tail", func(fs []string) {
			edit(fs[len(fs)-1], func(b []byte) []byte { return b[:len(b)-20] })
		}, ErrTruncated, -1, -1},
		{"deleted middle file", func(fs []string) { os.Remove(fs[1]) }, ErrBrokenChain, 2, 1},
		{"renamed file", func(fs []string) {
			os.Rename(fs[1], strings.Replace(fs[1], "audit-0", "audit-1", 1))
		}, ErrBrokenChain, 1, 1},
		{"rewritten chain with a forged seq", func(fs []string) {
			edit(fs[0], func(b []byte) []byte { return bytes.Replace(b, []byte(`{"seq":2,`), []byte(`{"seq":9,`), 1) })
		}, ErrHashMismatch, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTrail(t, dir, 12, Options{MaxFileBytes: 2048})
			files, _ := trailFiles(dir)
			if len(files) < 3 {
				t.Fatalf("got %d files, want at least 3", len(files))
			}
			tt.tamper(files)
			_, err := Verify(dir, VerifyOptions{})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("got %v, want a good trail", err)
				}
				return
			}
			var be *BreakError
			if !errors.As(err, &be) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want a BreakError wrapping %v", err, tt.wantErr)
			}
			wantFile, wantLine := tt.wantFile, tt.wantLine
			if wantFile < 0 {
				wantFile = len(files) - 1
				b, _ := os.ReadFile(files[wantFile])
				wantLine = bytes.Count(b, []byte("\n")) + 1
			}
			if filepath.Base(be.File) != filepath.Base(files[wantFile]) && tt.name != "renamed file" {
				t.Errorf("file: got %s, want %s", be.File, files[wantFile])
			}
			if be.Line != wantLine {
				t.Errorf("line: got %d, want %d (%v)", be.Line, wantLine, err)
			}
		})
	}
}

func TestVerifyPruned(t *testing.T) {
	dir := t.TempDir()
	writeTrail(t, dir, 12, Options{MaxFileBytes: 2048})
	files, _ := trailFiles(dir)
	os.Remove(files[0])
	if _, err := Verify(dir, VerifyOptions{}); !errors.Is(err, ErrBrokenChain) {
		t.Fatalf("strict: got %v, want ErrBrokenChain", err)
	}
	sum, err := Verify(dir, VerifyOptions{AllowPruned: true})
	if err != nil || sum.FirstSeq <= 1 || sum.HeadSeq != 12 {
		t.Fatalf("pruned: got %+v, %v; want a good trail starting after seq 1", sum, err)
	}
}

func edit(path string, f func([]byte) []byte) {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(path, f(b), 0o600); err != nil {
		panic(err)
	}
}
