package audit

import "fmt"

// reasonError is a sentinel with a reason; errors.Is matches the sentinel.
type reasonError struct {
	kind   error
	format string
	args   []any
}

func (e *reasonError) Error() string {
	return e.kind.Error() + ": " + fmt.Sprintf(e.format, e.args...)
}

func (e *reasonError) Unwrap() error { return e.kind }

// BreakError is the first broken link Verify found: where, and why.
type BreakError struct {
	File string // path of the file
	Line int    // 1-based line number in File; 0 when the problem is the file itself
	Err  error  // ErrMalformed, ErrHashMismatch, ErrBrokenChain or ErrTruncated, with a reason
}

// Error names the file and line where the trail breaks, and why.
func (e *BreakError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

// Unwrap exposes the kind of break, so errors.Is matches ErrTruncated and the others.
func (e *BreakError) Unwrap() error { return e.Err }
