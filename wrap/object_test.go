package wrap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

const testSeg = MinObjectSegment // small segments make boundary cases cheap

func testDataKeys(layers int) [][]byte {
	keys := make([][]byte, layers)
	for i := range keys {
		keys[i] = bytes.Repeat([]byte{byte(0x40 + i)}, ObjectDataKeySize)
	}
	return keys
}

// testBinding is the name the test objects are sealed for.
var testBinding = []byte("bucket\x00key")

func sealObject(t testing.TB, layers int, pt []byte) (*ObjectCipher, []byte) {
	t.Helper()
	h, err := NewObjectHeader(layers, testSeg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewObjectCipher(h, testBinding, testDataKeys(layers)...)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := NewObjectWriter(&out, c)
	// Uneven writes exercise the buffering.
	for rest := pt; len(rest) > 0; {
		n := min(len(rest), 333)
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := int64(out.Len()), h.SealedSize(int64(len(pt))); got != want {
		t.Fatalf("sealed size: got %d, want %d", got, want)
	}
	return c, out.Bytes()
}

func openRange(c *ObjectCipher, sealed []byte, plain, start, end int64) ([]byte, error) {
	sp := c.Header().Span(plain, start, end)
	if sp.Off+sp.Len > int64(len(sealed)) {
		return nil, ErrInvalidCiphertext
	}
	src := func() io.Reader { return bytes.NewReader(sealed[sp.Off : sp.Off+sp.Len]) }
	// Read and WriteTo must agree on every byte and every failure.
	read, err := io.ReadAll(NewObjectRangeReader(c, src(), plain, start, end))
	var written bytes.Buffer
	_, werr := NewObjectRangeReader(c, src(), plain, start, end).(io.WriterTo).WriteTo(&written)
	if err != werr || err == nil && !bytes.Equal(read, written.Bytes()) {
		return nil, fmt.Errorf("Read gave %d bytes, %v; WriteTo gave %d bytes, %v", len(read), err, written.Len(), werr)
	}
	return read, err
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestObjectRoundTrip(t *testing.T) {
	for _, layers := range []int{1, 2} {
		for _, n := range []int{0, 1, testSeg - 1, testSeg, testSeg + 1, 3 * testSeg, 3*testSeg + 17, 9*testSeg + 5} {
			pt := pattern(n)
			c, sealed := sealObject(t, layers, pt)
			plain, err := c.Header().PlainSize(int64(len(sealed)))
			if err != nil || plain != int64(n) {
				t.Fatalf("layers %d n %d: PlainSize got %d, %v, want %d", layers, n, plain, err, n)
			}
			got, err := openRange(c, sealed, int64(n), 0, int64(n))
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("layers %d n %d: full read got %d bytes, %v", layers, n, len(got), err)
			}
			// Every range whose ends sit at or next to a segment boundary.
			var edges []int
			for _, b := range []int{0, testSeg, 2 * testSeg, 3 * testSeg, 4 * testSeg, 8 * testSeg, n} {
				for _, d := range []int{-1, 0, 1} {
					if e := b + d; e >= 0 && e <= n {
						edges = append(edges, e)
					}
				}
			}
			for _, s := range edges {
				for _, e := range edges {
					if e < s {
						continue
					}
					got, err := openRange(c, sealed, int64(n), int64(s), int64(e))
					if err != nil || !bytes.Equal(got, pt[s:e]) {
						t.Fatalf("layers %d n %d range [%d,%d): got %d bytes, %v", layers, n, s, e, len(got), err)
					}
				}
			}
		}
	}
}

func TestObjectSpanReadsOnlyCoveredSegments(t *testing.T) {
	h := ObjectHeader{Layers: 1, SegmentSize: testSeg}
	plain := int64(10 * testSeg)
	sp := h.Span(plain, 3*testSeg+5, 3*testSeg+10)
	full := int64(testSeg + TagSize)
	if sp.FirstSegment != 3 || sp.Off != ObjectHeaderSize+3*full || sp.Len != full {
		t.Fatalf("got %+v, want segment 3 only", sp)
	}
}

func TestObjectTamperDetected(t *testing.T) {
	for _, layers := range []int{1, 2} {
		pt := pattern(3*testSeg + 100)
		c, sealed := sealObject(t, layers, pt)
		n := int64(len(pt))
		full := testSeg + TagSize*layers
		seg := func(i int) []byte {
			off := ObjectHeaderSize + i*full
			return sealed[off:min(off+full, len(sealed))]
		}
		join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
		hdr := sealed[:ObjectHeaderSize]
		_, other := sealObject(t, layers, pt) // same data keys, another salt
		cases := map[string][]byte{
			"flipped bit":      flip(sealed, ObjectHeaderSize+testSeg+3),
			"flipped tag":      flip(sealed, len(sealed)-1),
			"swapped segments": join(hdr, seg(1), seg(0), seg(2), seg(3)),
			"dropped segment":  join(hdr, seg(0), seg(2), seg(3)),
			"spliced segment":  join(hdr, seg(0), other[ObjectHeaderSize+full:ObjectHeaderSize+2*full], seg(2), seg(3)),
		}
		for name, bad := range cases {
			if _, err := openRange(c, bad, n, 0, n); !errors.Is(err, ErrInvalidCiphertext) {
				t.Errorf("layers %d %s: got %v, want ErrInvalidCiphertext", layers, name, err)
			}
		}
		// Truncating at a segment boundary leaves a shorter object whose last segment was not
		// sealed as final.
		trunc := sealed[:ObjectHeaderSize+2*full]
		if _, err := openRange(c, trunc, 2*testSeg, 0, 2*testSeg); !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("layers %d truncated: got %v, want ErrInvalidCiphertext", layers, err)
		}
		// A header with a changed salt derives other keys.
		h2, err := ParseObjectHeader(flip(sealed, 10))
		if err != nil {
			t.Fatal(err)
		}
		c2, _ := NewObjectCipher(h2, testBinding, testDataKeys(layers)...)
		if _, err := openRange(c2, flip(sealed, 10), n, 0, n); !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("layers %d changed header: got %v", layers, err)
		}
	}
}

func TestObjectWrongKeyOrLayer(t *testing.T) {
	c, sealed := sealObject(t, 2, pattern(100))
	h := c.Header()
	keys := testDataKeys(2)
	keys[1] = bytes.Repeat([]byte{9}, ObjectDataKeySize)
	wrong, _ := NewObjectCipher(h, testBinding, keys...)
	if _, err := openRange(wrong, sealed, 100, 0, 100); !errors.Is(err, ErrInvalidCiphertext) {
		t.Fatalf("wrong second key: got %v", err)
	}
	if _, err := NewObjectCipher(h, testBinding, keys[0]); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("one key for two layers: got %v", err)
	}
}

// TestObjectBinding: an object opens only under the binding it was sealed with, even with the
// right data keys (one SSE-C key for two S3 objects), and a binding past the bound is refused.
func TestObjectBinding(t *testing.T) {
	for _, tc := range []struct{ layers, size int }{{1, 3*testSeg + 7}, {2, 3*testSeg + 7}, {1, 0}} {
		layers, n := tc.layers, int64(tc.size)
		c, sealed := sealObject(t, layers, pattern(tc.size))
		for _, other := range [][]byte{nil, []byte("bucket\x00kez"), []byte("bucket\x00key\x00"), []byte("bucket")} {
			oc, err := NewObjectCipher(c.Header(), other, testDataKeys(layers)...)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range [][2]int64{{0, n}, {max(n-1, 0), n}, {min(testSeg, n), min(testSeg+1, n)}} {
				if _, err := openRange(oc, sealed, n, r[0], r[1]); !errors.Is(err, ErrInvalidCiphertext) {
					t.Errorf("layers %d binding %q range %v: got %v, want ErrInvalidCiphertext", layers, other, r, err)
				}
			}
		}
	}
	h := ObjectHeader{Layers: 1, SegmentSize: testSeg}
	if _, err := NewObjectCipher(h, make([]byte, MaxObjectBinding+1), testDataKeys(1)...); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("oversized binding: got %v, want ErrInvalidArgument", err)
	}
	if _, err := NewObjectCipher(h, make([]byte, MaxObjectBinding), testDataKeys(1)...); err != nil {
		t.Fatalf("binding of MaxObjectBinding bytes: %v", err)
	}
}

func TestParseObjectHeaderStrict(t *testing.T) {
	good := ObjectHeader{Layers: 1, SegmentSize: DefaultObjectSegment}.Marshal()
	bad := map[string][]byte{
		"short":        good[:ObjectHeaderSize-1],
		"version 1":    append([]byte{1}, good[1:]...),
		"version 3":    append([]byte{3}, good[1:]...),
		"zero layers":  append([]byte{2, 0}, good[2:]...),
		"three layers": append([]byte{2, 3}, good[2:]...),
		"tiny segment": append([]byte{2, 1, 0, 0, 0, 1}, good[6:]...),
	}
	for name, b := range bad {
		if _, err := ParseObjectHeader(b); !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("%s: got %v, want ErrInvalidCiphertext", name, err)
		}
	}
}

func TestObjectPlainSizeRejectsImpossibleLengths(t *testing.T) {
	h := ObjectHeader{Layers: 1, SegmentSize: testSeg}
	for _, sealed := range []int64{0, ObjectHeaderSize, ObjectHeaderSize + TagSize - 1, ObjectHeaderSize + testSeg + TagSize + 1, ObjectHeaderSize + testSeg + 2*TagSize} {
		if _, err := h.PlainSize(sealed); err == nil {
			t.Errorf("PlainSize(%d): got nil error", sealed)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}
