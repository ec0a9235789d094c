package wrap

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

const objectVectorsFile = "object_vectors.json"

// objectVector is one object format-v2 test vector (hex byte fields). The derived layer keys are
// included so that another implementation can find where it diverges.
type objectVector struct {
	Comment     string   `json:"comment"`
	Layers      int      `json:"layers"`
	SegmentSize int      `json:"segment_size"`
	Salt        string   `json:"salt"`
	Binding     string   `json:"binding"`
	DataKeys    []string `json:"data_keys"`
	LayerKeys   []string `json:"layer_keys"`
	Plaintext   string   `json:"plaintext"`
	Object      string   `json:"object"`
}

func objectVectorInputs() []objectVector {
	seq := func(start byte, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = start + byte(i)
		}
		return hex.EncodeToString(b)
	}
	bind := hex.EncodeToString([]byte("keyhold s3 object name v1\x00\x00\x00\x03fin\x00\x00\x00\x0ctransfer.txt\x00\x00\x00\x00\x00\x00\x00\x00"))
	return []objectVector{
		{Comment: "empty object: one empty final segment", Layers: 1, SegmentSize: MinObjectSegment, Salt: seq(0x40, 32), DataKeys: []string{seq(0, 32)}, Binding: bind},
		{Comment: "short object, one segment", Layers: 1, SegmentSize: MinObjectSegment, Salt: seq(0x40, 32), DataKeys: []string{seq(0, 32)}, Binding: bind, Plaintext: hex.EncodeToString([]byte("hello, keyhold"))},
		{Comment: "the same object with an empty binding: other layer keys, other ciphertext", Layers: 1, SegmentSize: MinObjectSegment, Salt: seq(0x40, 32), DataKeys: []string{seq(0, 32)}, Plaintext: hex.EncodeToString([]byte("hello, keyhold"))},
		{Comment: "exactly two full segments: the second is final, no empty third", Layers: 1, SegmentSize: MinObjectSegment, Salt: seq(0x41, 32), Binding: bind, DataKeys: []string{seq(1, 32)}, Plaintext: hex.EncodeToString(pattern(2 * MinObjectSegment))},
		{Comment: "two full segments and a partial one", Layers: 1, SegmentSize: MinObjectSegment, Salt: seq(0x42, 32), Binding: bind, DataKeys: []string{seq(2, 32)}, Plaintext: hex.EncodeToString(pattern(2*MinObjectSegment + 5))},
		{Comment: "DSSE: two layers, two independent data keys", Layers: 2, SegmentSize: MinObjectSegment, Salt: seq(0x43, 32), Binding: bind, DataKeys: []string{seq(3, 32), seq(0x80, 32)}, Plaintext: hex.EncodeToString(pattern(MinObjectSegment + 1))},
	}
}

func (v objectVector) cipher(t testing.TB) *ObjectCipher {
	t.Helper()
	h := ObjectHeader{Layers: v.Layers, SegmentSize: v.SegmentSize}
	copy(h.Salt[:], mustHex(t, v.Salt))
	var keys [][]byte
	for _, k := range v.DataKeys {
		keys = append(keys, mustHex(t, k))
	}
	c, err := NewObjectCipher(h, mustHex(t, v.Binding), keys...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (v objectVector) seal(t testing.TB) []byte {
	var out bytes.Buffer
	w := NewObjectWriter(&out, v.cipher(t))
	if _, err := w.Write(mustHex(t, v.Plaintext)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func (v objectVector) layerKeys(t testing.TB) []string {
	h := ObjectHeader{Layers: v.Layers, SegmentSize: v.SegmentSize}
	copy(h.Salt[:], mustHex(t, v.Salt))
	raw := h.Marshal()
	var out []string
	for i, k := range v.DataKeys {
		info := append(append([]byte(objectInfo), raw[:6]...), byte(i+1))
		info = append(info, mustHex(t, v.Binding)...)
		lk, err := hkdf.Key(sha256.New, mustHex(t, k), h.Salt[:], string(info), 32)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, hex.EncodeToString(lk))
	}
	return out
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestObjectVectors checks the writer and reader against testdata/object_vectors.json
// (go test -run TestObjectVectors -update regenerates it).
func TestObjectVectors(t *testing.T) {
	path := filepath.Join("testdata", objectVectorsFile)
	if *update {
		vs := objectVectorInputs()
		for i := range vs {
			vs[i].LayerKeys = vs[i].layerKeys(t)
			vs[i].Object = hex.EncodeToString(vs[i].seal(t))
		}
		b, _ := json.MarshalIndent(vs, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vs []objectVector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(objectVectorInputs()) {
		t.Fatalf("got %d vectors, want %d", len(vs), len(objectVectorInputs()))
	}
	for _, v := range vs {
		t.Run(v.Comment, func(t *testing.T) {
			if got := v.layerKeys(t); !equalStrings(got, v.LayerKeys) {
				t.Fatalf("layer keys: got %v, want %v", got, v.LayerKeys)
			}
			if got := hex.EncodeToString(v.seal(t)); got != v.Object {
				t.Fatalf("object: got %s, want %s", got, v.Object)
			}
			obj, pt := mustHex(t, v.Object), mustHex(t, v.Plaintext)
			n := int64(len(pt))
			got, err := openRange(v.cipher(t), obj, n, 0, n)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("open: got %x, %v, want %x", got, err, pt)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
