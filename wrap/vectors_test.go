package wrap

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "regenerate testdata/blob_vectors.json")

const vectorsFile = "blob_vectors.json"

// blobVector is one format-v1 test vector. Byte fields are hex; the derived key and canonical
// context are included so that another implementation can find where it diverges.
type blobVector struct {
	Comment           string            `json:"comment"`
	BackingKey        string            `json:"backing_key"`
	KeyID             string            `json:"key_id"`
	KeyVersion        uint32            `json:"key_version"`
	Salt              string            `json:"salt"`
	Nonce             string            `json:"nonce"`
	EncryptionContext map[string]string `json:"encryption_context"`
	CanonicalContext  string            `json:"canonical_context"`
	DerivedKey        string            `json:"derived_key"`
	Plaintext         string            `json:"plaintext"`
	Blob              string            `json:"blob"`
}

// vectorInputs are the inputs of the checked-in vectors; generateVectors seals them.
func vectorInputs() []blobVector {
	seq := func(start byte, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = start + byte(i)
		}
		return hex.EncodeToString(b)
	}
	base := blobVector{
		BackingKey: seq(0x00, 32),
		KeyID:      "1234abcd-12ab-34cd-56ef-1234567890ab",
		KeyVersion: 1,
		Salt:       seq(0x40, 16),
		Nonce:      seq(0x80, 12),
	}
	with := func(comment string, f func(*blobVector)) blobVector {
		v := base
		v.Comment = comment
		f(&v)
		return v
	}
	return []blobVector{
		with("32-byte plaintext, no context", func(v *blobVector) { v.Plaintext = seq(0xa0, 32) }),
		with("empty plaintext, no context", func(v *blobVector) {}),
		with("one entry", func(v *blobVector) {
			v.EncryptionContext = map[string]string{"purpose": "test"}
			v.Plaintext = hex.EncodeToString([]byte("hello, keyhold"))
		}),
		with("{ab:c}; compare with the next vector", func(v *blobVector) {
			v.EncryptionContext = map[string]string{"ab": "c"}
			v.Plaintext = "00"
		}),
		with("{a:bc}; same inputs but context, different blob", func(v *blobVector) {
			v.EncryptionContext = map[string]string{"a": "bc"}
			v.Plaintext = "00"
		}),
		with("several entries, sorted bytewise (B < a < b)", func(v *blobVector) {
			v.EncryptionContext = map[string]string{"b": "2", "a": "1", "B": "0", "": "empty key"}
			v.Plaintext = seq(0x00, 100)
		}),
		with("other key version, other salt and nonce", func(v *blobVector) {
			v.KeyVersion = 0xfffffffe
			v.Salt = seq(0xf0, 16)
			v.Nonce = seq(0x10, 12)
			v.Plaintext = seq(0x33, 17)
		}),
	}
}

// generateVectors seals every input with its fixed salt and nonce through seal.
func generateVectors(t *testing.T) []blobVector {
	var out []blobVector
	for _, v := range vectorInputs() {
		k, id, b, pt := decodeVector(t, v)
		blob, err := seal(k, id, v.KeyVersion, b.Salt, b.Nonce, pt, v.EncryptionContext)
		if err != nil {
			t.Fatalf("%s: %v", v.Comment, err)
		}
		dk, err := blobKey(k, &b)
		if err != nil {
			t.Fatal(err)
		}
		v.DerivedKey = hex.EncodeToString(dk)
		v.CanonicalContext = hex.EncodeToString(EncryptionContext(v.EncryptionContext).Canonical())
		v.Blob = hex.EncodeToString(blob)
		out = append(out, v)
	}
	return out
}

func decodeVector(t *testing.T, v blobVector) (*BackingKey, KeyID, Blob, []byte) {
	t.Helper()
	raw := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatalf("%s: %v", v.Comment, err)
		}
		return b
	}
	k, err := BackingKeyFromBytes(raw(v.BackingKey))
	if err != nil {
		t.Fatal(err)
	}
	id, err := ParseKeyID(v.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	b := Blob{KeyID: id, KeyVersion: v.KeyVersion, Salt: [SaltSize]byte(raw(v.Salt)), Nonce: [NonceSize]byte(raw(v.Nonce))}
	return k, id, b, raw(v.Plaintext)
}

func TestBlobVectors(t *testing.T) {
	path := filepath.Join("testdata", vectorsFile)
	if *update {
		js, err := json.MarshalIndent(generateVectors(t), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	js, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	var vs []blobVector
	if err := json.Unmarshal(js, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(vectorInputs()) {
		t.Fatalf("got %d vectors, want %d", len(vs), len(vectorInputs()))
	}
	for i, v := range vs {
		k, id, _, pt := decodeVector(t, v)
		want, _ := hex.DecodeString(v.Blob)
		// The checked-in bytes still open, and seal still produces them exactly.
		b, err := ParseBlob(want)
		if err != nil {
			t.Fatalf("vector %d (%s): %v", i, v.Comment, err)
		}
		if got, err := Open(k, b, v.EncryptionContext); err != nil || !bytes.Equal(got, pt) {
			t.Errorf("vector %d (%s) Open: got %x, %v, want %x", i, v.Comment, got, err, pt)
		}
		got, err := seal(k, id, v.KeyVersion, b.Salt, b.Nonce, pt, v.EncryptionContext)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("vector %d (%s) seal: got %x, %v, want %s", i, v.Comment, got, err, v.Blob)
		}
		// And the vector follows the written spec, computed here without the package's code.
		if spec := specSeal(t, v); !bytes.Equal(spec, want) {
			t.Errorf("vector %d (%s): package and spec disagree:\n got %x\nwant %x", i, v.Comment, want, spec)
		}
	}
	// The two split-context vectors differ only in the context, so their blobs must differ.
	if vs[3].Blob == vs[4].Blob {
		t.Error(`{"ab":"c"} and {"a":"bc"} gave the same blob`)
	}
}

// specSeal computes a blob from doc.go's description alone, with the standard library.
func specSeal(t *testing.T, v blobVector) []byte {
	t.Helper()
	h := func(s string) []byte { b, _ := hex.DecodeString(s); return b }
	id, _ := ParseKeyID(v.KeyID)
	var ver [4]byte
	binary.BigEndian.PutUint32(ver[:], v.KeyVersion)
	info := "keyhold blob v1" + string(id[:]) + string(ver[:])
	key, err := hkdf.Key(sha256.New, h(v.BackingKey), h(v.Salt), info, 32)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(key) != v.DerivedKey {
		t.Errorf("%s: derived key: got %s, want %x", v.Comment, v.DerivedKey, key)
	}
	header := append(append(append(append([]byte{1}, id[:]...), ver[:]...), h(v.Salt)...), h(v.Nonce)...)
	aad := append(bytes.Clone(header), h(v.CanonicalContext)...)
	c, _ := aes.NewCipher(key)
	g, _ := cipher.NewGCM(c)
	return g.Seal(header, h(v.Nonce), h(v.Plaintext), aad)
}
