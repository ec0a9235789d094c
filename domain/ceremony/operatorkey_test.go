package ceremony

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"
)

func TestOperatorKeyFile(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	file, err := EncryptOperatorKey(priv, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	pass := func(p string) func() ([]byte, error) { return func() ([]byte, error) { return []byte(p), nil } }
	got, enc, err := ReadOperatorKey(file, pass("correct horse"))
	if err != nil || !enc || !got.Equal(priv) {
		t.Fatalf("ReadOperatorKey: got %v, %v", enc, err)
	}
	if _, _, err := ReadOperatorKey(file, pass("wrong")); !errors.Is(err, ErrOperatorKey) {
		t.Fatalf("wrong passphrase: got %v, want ErrOperatorKey", err)
	}
	bad := bytes.Replace(file, []byte("Iterations: 600000"), []byte("Iterations: 1"), 1)
	if _, _, err := ReadOperatorKey(bad, pass("correct horse")); !errors.Is(err, ErrOperatorKey) {
		t.Fatalf("tampered iterations: got %v, want ErrOperatorKey", err)
	}
	dev, _ := DevOperatorKey(priv)
	got, enc, err = ReadOperatorKey(dev, nil)
	if err != nil || enc || !got.Equal(priv) {
		t.Fatalf("dev key: got %v, %v", enc, err)
	}
	pub, err := ParseOperatorPublicKey(MarshalOperatorPublicKey(priv.Public().(ed25519.PublicKey)))
	if err != nil || !pub.Equal(priv.Public()) {
		t.Fatalf("public key round trip: %v", err)
	}
}
