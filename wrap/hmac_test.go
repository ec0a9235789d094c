package wrap

import (
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"
)

// TestHMACVector checks RFC 4231 test case 2 (key "Jefe").
func TestHMACVector(t *testing.T) {
	k, err := HMACKeyFromBytes([]byte("Jefe"))
	if err != nil {
		t.Fatal(err)
	}
	mac, err := k.MAC(crypto.SHA256, []byte("what do ya want for nothing?"))
	if err != nil {
		t.Fatal(err)
	}
	want := "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got := hex.EncodeToString(mac); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	ok, err := k.VerifyMAC(crypto.SHA256, []byte("what do ya want for nothing?"), mac)
	if err != nil || !ok {
		t.Fatalf("VerifyMAC: %v %v", ok, err)
	}
	if ok, _ := k.VerifyMAC(crypto.SHA256, []byte("what do ya want for nothing!"), mac); ok {
		t.Fatal("VerifyMAC of another message: got true")
	}
	if _, err := k.MAC(crypto.SHA1, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("HMAC-SHA1: got %v", err)
	}
}

func TestHMACKeyLifecycle(t *testing.T) {
	if _, err := NewHMACKey(0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NewHMACKey(0): %v", err)
	}
	if _, err := NewHMACKey(MaxHMACKeySize + 1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NewHMACKey(65): %v", err)
	}
	k, err := NewHMACKey(28)
	if err != nil {
		t.Fatal(err)
	}
	raw := k.SecretBytes()
	k2, _ := HMACKeyFromBytes(raw)
	if len(raw) != 28 || !k.Equal(k2) {
		t.Fatal("HMACKeyFromBytes(SecretBytes()) differs")
	}
	want := hmac.New(sha256.New, raw)
	want.Write([]byte("m"))
	got, _ := k.MAC(crypto.SHA256, []byte("m"))
	if !hmac.Equal(got, want.Sum(nil)) {
		t.Fatal("MAC differs from crypto/hmac")
	}
	k.Destroy()
	if _, err := k.MAC(crypto.SHA256, nil); !errors.Is(err, ErrKeyUnusable) || k.Equal(k2) || k.SecretBytes() != nil {
		t.Fatal("a destroyed key is still usable")
	}
}

// TestCacheHoldsEveryKind: private and HMAC keys share the cache's bound, TTL and zeroing with
// backing keys, and a key id cached as one kind is never handed out as another.
func TestCacheHoldsEveryKind(t *testing.T) {
	c := NewCache(2, time.Hour)
	id := mustKeyID(t)
	var hk *HMACKey
	err := c.WithHMACKey(CacheKey{ID: id, Version: 1}, func() (*HMACKey, error) { return NewHMACKey(32) }, func(k *HMACKey) error {
		hk = k
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pk *PrivateKey
	err = c.WithPrivateKey(CacheKey{ID: id, Version: 2}, func() (*PrivateKey, error) { return GeneratePrivateKey(KeyAlgP256) }, func(k *PrivateKey) error {
		pk = k
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = c.WithPrivateKey(CacheKey{ID: id, Version: 1}, func() (*PrivateKey, error) { t.Fatal("loaded a cached key"); return nil, nil }, func(*PrivateKey) error { return nil })
	if !errors.Is(err, errKindMismatch) {
		t.Fatalf("HMAC entry as a private key: got %v, want errKindMismatch", err)
	}
	c.Purge(id)
	if hk.usable() || pk.usable() {
		t.Fatal("Purge left keys usable (not zeroed)")
	}
}

func mustKeyID(t *testing.T) KeyID {
	t.Helper()
	id, err := NewKeyID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}
