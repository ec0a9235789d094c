package audit

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Errors Verify reports inside a BreakError, besides ParseLine's.
var (
	ErrBrokenChain = errors.New("audit: broken chain")
	ErrTruncated   = errors.New("audit: truncated record")
)

// VerifyOptions tunes Verify.
type VerifyOptions struct {
	// AllowPruned accepts a trail whose first file does not start at seq 1 (older files were
	// archived or deleted by retention); its first record's prev is then taken on trust.
	AllowPruned bool
}

// Summary is what a successful Verify saw.
type Summary struct {
	Files    int    `json:"files"`
	Records  uint64 `json:"records"`
	FirstSeq uint64 `json:"first_seq"`
	HeadSeq  uint64 `json:"head_seq"`  // 0 for an empty trail
	HeadHash string `json:"head_hash"` // hex
}

// Verify walks the trail in dir in order and checks every line: its format and hash, that seq
// goes up by one, that prev is the previous record's hash, and that each file's name gives the
// seq it starts with. It returns the first problem as a *BreakError naming file and line.
func Verify(dir string, o VerifyOptions) (Summary, error) {
	var sum Summary
	files, err := trailFiles(dir)
	if err != nil {
		return sum, err
	}
	prev := Link{} // Seq 0, Hash zero: what seq 1 must follow
	first := true
	for _, path := range files {
		sum.Files++
		f, err := os.Open(path)
		if err != nil {
			return sum, fmt.Errorf("audit: %w", err)
		}
		r := bufio.NewReaderSize(f, 64<<10)
		lineNo := 0
		for {
			line, err := readLine(r)
			if err == io.EOF {
				break
			}
			lineNo++
			if err != nil {
				f.Close()
				return sum, &BreakError{path, lineNo, err}
			}
			l, err := ParseLine(line)
			if err != nil {
				f.Close()
				return sum, &BreakError{path, lineNo, err}
			}
			if lineNo == 1 {
				if want := nameSeq(path); want != l.Seq {
					f.Close()
					return sum, &BreakError{path, lineNo, fmt.Errorf("%w: the file name says it starts at seq %d, its first record is seq %d", ErrBrokenChain, want, l.Seq)}
				}
			}
			switch {
			case first && o.AllowPruned:
				sum.FirstSeq = l.Seq
			case l.Seq != prev.Seq+1:
				f.Close()
				return sum, &BreakError{path, lineNo, fmt.Errorf("%w: sequence gap: got seq %d after seq %d", ErrBrokenChain, l.Seq, prev.Seq)}
			case l.Prev != prev.Hash:
				f.Close()
				return sum, &BreakError{path, lineNo, fmt.Errorf("%w: seq %d does not follow the previous record (prev hash differs)", ErrBrokenChain, l.Seq)}
			default:
				if first {
					sum.FirstSeq = l.Seq
				}
			}
			first = false
			prev = l
			sum.Records++
		}
		f.Close()
	}
	sum.HeadSeq, sum.HeadHash = prev.Seq, hex.EncodeToString(prev.Hash[:])
	return sum, nil
}

// readLine returns the next line without its LF, io.EOF at a clean end, and ErrTruncated for
// bytes after the last LF or a line over MaxLineBytes.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > MaxLineBytes+1 {
			return nil, &reasonError{ErrTruncated, "line longer than %d bytes", []any{MaxLineBytes}}
		}
		switch err {
		case nil:
			return line[:len(line)-1], nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(line) == 0 {
				return nil, io.EOF
			}
			return nil, &reasonError{ErrTruncated, "the file ends inside a record (%d bytes after the last newline)", []any{len(line)}}
		default:
			return nil, fmt.Errorf("audit: %w", err)
		}
	}
}

// trailFiles lists dir's trail files in sequence order.
func trailFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() && nameSeq(e.Name()) != 0 {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(out)
	return out, nil
}

// nameSeq returns the first seq a file name announces, or 0 if it is not a trail file name.
func nameSeq(path string) uint64 {
	name := filepath.Base(path)
	rest, ok := strings.CutPrefix(name, "audit-")
	if !ok || !strings.HasSuffix(name, ".jsonl") || len(rest) < 21 || rest[20] != '-' {
		return 0
	}
	n, err := strconv.ParseUint(rest[:20], 10, 64)
	if err != nil || bytes.ContainsAny([]byte(rest[:20]), "+-") {
		return 0
	}
	return n
}
