package s3

import (
	"strconv"
	"strings"
)

// partRange is the plaintext range of part n (its number as uploaded) of m, and the part; a
// single-PUT object is its own part 1, as in S3.
func partRange(m *objectMeta, n string) (start, end int64, part *partMeta, err error) {
	num, perr := strconv.Atoi(n)
	if perr != nil || num < 1 || num > maxParts {
		return 0, 0, nil, s3Err(errInvalidArgument, "Part number must be an integer between 1 and 10000, inclusive")
	}
	var off int64
	for i, p := range m.Parts {
		if p.Number == num || p.Number == 0 && num == 1 {
			return off, off + p.Size, &m.Parts[i], nil
		}
		off += p.Size
	}
	return 0, 0, nil, s3Err(errInvalidPartNumber, "The requested partnumber is not satisfiable")
}

// parseRange reads a single-range "bytes=" header. S3 ignores a malformed or multi-range
// header (it returns the whole object) and answers an unsatisfiable one with InvalidRange.
func parseRange(v string, size int64) (start, end int64, partial bool, err error) {
	spec, ok := strings.CutPrefix(v, "bytes=")
	if v == "" || !ok || strings.Contains(spec, ",") {
		return 0, size, false, nil
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return 0, size, false, nil
	}
	unsatisfiable := s3Err(errInvalidRange, "The requested range is not satisfiable")
	if a == "" {
		n, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || n < 0 {
			return 0, size, false, nil
		}
		if n == 0 || size == 0 {
			return 0, 0, false, unsatisfiable
		}
		return max(size-n, 0), size, true, nil
	}
	first, perr := strconv.ParseInt(a, 10, 64)
	if perr != nil || first < 0 {
		return 0, size, false, nil
	}
	last := size - 1
	if b != "" {
		if last, perr = strconv.ParseInt(b, 10, 64); perr != nil || last < first {
			return 0, size, false, nil
		}
	}
	if first >= size {
		return 0, 0, false, unsatisfiable
	}
	return first, min(last, size-1) + 1, true, nil
}
