package wrap

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func objectHeaderSeeds() [][]byte {
	return [][]byte{
		ObjectHeader{Layers: 1, SegmentSize: DefaultObjectSegment}.Marshal(),
		ObjectHeader{Layers: 2, SegmentSize: MinObjectSegment, Salt: [ObjectSaltSize]byte{1, 2, 3}}.Marshal(),
		{0x02, 0x03},
		// Version 1 (no binding) is refused.
		{0x01, 0x01, 0x00, 0x01, 0x00, 0x00},
		{},
	}
}

// FuzzParseObjectHeader: parsing is strict and canonical (Marshal gives the input back) and
// never panics.
func FuzzParseObjectHeader(f *testing.F) {
	for _, s := range objectHeaderSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseObjectHeader(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidCiphertext) {
				t.Fatalf("got %v, want ErrInvalidCiphertext", err)
			}
			return
		}
		if got := h.Marshal(); !bytes.Equal(got, data[:ObjectHeaderSize]) {
			t.Fatalf("Marshal(Parse(x)) = %x, want %x", got, data[:ObjectHeaderSize])
		}
	})
}

// FuzzOpenObject feeds arbitrary bytes as a stored object to the range reader: it must fail
// cleanly (never panic, never return bytes it did not authenticate) unless the input is a
// well-formed object sealed under the fuzz keys.
func FuzzOpenObject(f *testing.F) {
	v := objectVectorInputs()[4]
	binding := mustHex(f, v.Binding)
	f.Add(v.seal(f), int64(0), int64(10))
	f.Add(v.seal(f)[:100], int64(5), int64(3000))
	f.Add([]byte{2, 1, 0, 0, 4, 0}, int64(0), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, start, end int64) {
		h, err := ParseObjectHeader(data)
		if err != nil {
			return
		}
		plain, err := h.PlainSize(int64(len(data)))
		if err != nil {
			return
		}
		start, end = clampRange(start, end, plain)
		keys := testDataKeys(h.Layers)
		c, err := NewObjectCipher(h, binding, keys...)
		if err != nil {
			t.Fatal(err)
		}
		sp := h.Span(plain, start, end)
		if sp.Off < 0 || sp.Off+sp.Len > int64(len(data)) {
			t.Fatalf("span %+v outside %d bytes", sp, len(data))
		}
		out, err := io.ReadAll(NewObjectRangeReader(c, bytes.NewReader(data[sp.Off:sp.Off+sp.Len]), plain, start, end))
		if err == nil && int64(len(out)) != end-start {
			t.Fatalf("got %d bytes, want %d", len(out), end-start)
		}
	})
}

func clampRange(start, end, plain int64) (int64, int64) {
	if plain == 0 {
		return 0, 0
	}
	if start < 0 {
		start = -start
	}
	if end < 0 {
		end = -end
	}
	start %= plain + 1
	end %= plain + 1
	if end < start {
		start, end = end, start
	}
	return start, end
}

func benchObject(b *testing.B, n int, open bool) {
	h, _ := NewObjectHeader(1, DefaultObjectSegment)
	c, err := NewObjectCipher(h, testBinding, testDataKeys(1)...)
	if err != nil {
		b.Fatal(err)
	}
	pt := make([]byte, n)
	var sealed bytes.Buffer
	w := NewObjectWriter(&sealed, c)
	_, _ = w.Write(pt)
	_ = w.Close()
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if open {
			if _, err := io.Copy(io.Discard, NewObjectRangeReader(c, bytes.NewReader(sealed.Bytes()[ObjectHeaderSize:]), int64(n), 0, int64(n))); err != nil {
				b.Fatal(err)
			}
			continue
		}
		w := NewObjectWriter(io.Discard, c)
		_, _ = w.Write(pt)
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkObjectSeal1MiB(b *testing.B)  { benchObject(b, 1<<20, false) }
func BenchmarkObjectSeal64MiB(b *testing.B) { benchObject(b, 64<<20, false) }
func BenchmarkObjectOpen1MiB(b *testing.B)  { benchObject(b, 1<<20, true) }
func BenchmarkObjectOpen64MiB(b *testing.B) { benchObject(b, 64<<20, true) }
