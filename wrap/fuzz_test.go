package wrap

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzKey seals the FuzzOpen seeds; fuzzOtherKey is a key that sealed nothing.
var (
	fuzzKey, _      = BackingKeyFromBytes(bytes.Repeat([]byte{0x5a}, BackingKeySize))
	fuzzOtherKey, _ = BackingKeyFromBytes(bytes.Repeat([]byte{0xa5}, BackingKeySize))
	fuzzID          = KeyID{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x47, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01}
)

// fuzzBlob seals pt under fuzzKey with a salt and nonce fixed by seed, so seeds are stable.
func fuzzBlob(seed byte, pt string, ec EncryptionContext) []byte {
	salt := [SaltSize]byte(bytes.Repeat([]byte{seed}, SaltSize))
	nonce := [NonceSize]byte(bytes.Repeat([]byte{seed + 1}, NonceSize))
	b, err := seal(fuzzKey, fuzzID, uint32(seed), salt, nonce, []byte(pt), ec)
	if err != nil {
		panic(err)
	}
	return b
}

func parseBlobSeeds() [][]byte {
	return [][]byte{
		fuzzBlob(1, "", nil),
		fuzzBlob(2, "hello", EncryptionContext{"a": "b"}),
		bytes.Repeat([]byte{1}, MinBlobSize),
		append([]byte{1}, make([]byte, MinBlobSize-2)...), // one short
		{0x02},
		{},
	}
}

func FuzzParseBlob(f *testing.F) {
	for _, s := range parseBlobSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBlob(data)
		id, v, perr := PeekKey(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidCiphertext) || perr == nil {
				t.Fatalf("ParseBlob: got %v (PeekKey %v), want ErrInvalidCiphertext from both", err, perr)
			}
			return
		}
		if got := b.Marshal(); !bytes.Equal(got, data) {
			t.Fatalf("Marshal(ParseBlob(x)) != x:\n got %x\nwant %x", got, data)
		}
		if perr != nil || id != b.KeyID || v != b.KeyVersion {
			t.Fatalf("PeekKey disagrees with ParseBlob: %v %d %v", id, v, perr)
		}
	})
}

type openSeed struct {
	blob   []byte
	ek, ev string
}

func openSeeds() []openSeed {
	return []openSeed{
		{fuzzBlob(3, "secret", nil), "", ""},
		{fuzzBlob(4, "secret", EncryptionContext{"tenant": "a"}), "tenant", "a"},
		{fuzzBlob(5, strings.Repeat("x", 64), EncryptionContext{"ab": "c"}), "a", "bc"},
		{[]byte{1, 2, 3}, "k", "v"},
	}
}

// FuzzOpen feeds arbitrary bytes and contexts to ParseBlob+Open: it must never panic, never
// open under a key that sealed nothing, and open under fuzzKey only what fuzzKey really sealed
// (re-sealing the result reproduces the input exactly, so nothing was forged).
func FuzzOpen(f *testing.F) {
	for _, s := range openSeeds() {
		f.Add(s.blob, s.ek, s.ev)
	}
	f.Fuzz(func(t *testing.T, data []byte, ek, ev string) {
		var ec EncryptionContext
		if ek != "" || ev != "" {
			ec = EncryptionContext{ek: ev}
		}
		b, err := ParseBlob(data)
		if err != nil {
			return
		}
		if pt, err := Open(fuzzOtherKey, b, ec); err == nil {
			t.Fatalf("opened without the key: %x", pt)
		} else if !errors.Is(err, ErrInvalidCiphertext) {
			t.Fatalf("Open: got %v, want ErrInvalidCiphertext", err)
		}
		pt, err := Open(fuzzKey, b, ec)
		if err != nil {
			if !errors.Is(err, ErrInvalidCiphertext) {
				t.Fatalf("Open: got %v, want ErrInvalidCiphertext", err)
			}
			return
		}
		again, err := seal(fuzzKey, b.KeyID, b.KeyVersion, b.Salt, b.Nonce, pt, ec)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("Open accepted a blob fuzzKey did not seal: %x", data)
		}
	})
}

// contextFrom decodes fuzz bytes into a context: NUL-separated strings, taken as key, value.
func contextFrom(b []byte) EncryptionContext {
	if len(b) == 0 {
		return nil
	}
	parts := strings.Split(string(b), "\x00")
	ec := EncryptionContext{}
	for i := 0; i+1 < len(parts); i += 2 {
		ec[parts[i]] = parts[i+1]
	}
	return ec
}

// FuzzCanonical checks that Canonical is injective: two contexts encode the same exactly when
// they are equal, and the encoding decodes back to the context.
func FuzzCanonical(f *testing.F) {
	f.Add([]byte("ab\x00c"), []byte("a\x00bc"))
	f.Add([]byte("a\x00b\x00c\x00d"), []byte("c\x00d\x00a\x00b"))
	f.Add([]byte(""), []byte("\x00"))
	f.Add([]byte("k\x00v\x00\x00\x00\x01x"), []byte("k\x00v"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		x, y := contextFrom(a), contextFrom(b)
		cx, cy := x.Canonical(), y.Canonical()
		if bytes.Equal(cx, cy) != maps.Equal(x, y) {
			t.Fatalf("%q and %q: equal encodings %v, equal maps %v", x, y, bytes.Equal(cx, cy), maps.Equal(x, y))
		}
		back, err := parseCanonical(cx)
		if err != nil || !maps.Equal(back, x) {
			t.Fatalf("decode(Canonical(%+q)): got %q, %v", x, back, err)
		}
	})
}

// TestWriteFuzzSeeds writes the checked-in seed corpus (with -update) and checks it is there.
func TestWriteFuzzSeeds(t *testing.T) {
	corpus := map[string][][]string{}
	for _, s := range parseBlobSeeds() {
		corpus["FuzzParseBlob"] = append(corpus["FuzzParseBlob"], []string{fmt.Sprintf("[]byte(%+q)", s)})
	}
	for _, s := range openSeeds() {
		corpus["FuzzOpen"] = append(corpus["FuzzOpen"], []string{fmt.Sprintf("[]byte(%+q)", s.blob), fmt.Sprintf("string(%+q)", s.ek), fmt.Sprintf("string(%+q)", s.ev)})
	}
	for _, p := range [][2]string{{"ab\x00c", "a\x00bc"}, {"x\x00\x00y\x00", "x\x00"}, {"", ""}} {
		corpus["FuzzCanonical"] = append(corpus["FuzzCanonical"], []string{fmt.Sprintf("[]byte(%+q)", p[0]), fmt.Sprintf("[]byte(%+q)", p[1])})
	}
	for name, seeds := range corpus {
		dir := filepath.Join("testdata", "fuzz", name)
		for i, args := range seeds {
			path := filepath.Join(dir, fmt.Sprintf("seed-%d", i))
			content := "go test fuzz v1\n" + strings.Join(args, "\n") + "\n"
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != content {
				t.Errorf("%s: stale or missing (run with -update): %v", path, err)
			}
		}
	}
}
