package hsm

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// retryable reports whether err is one a caller should retry later, not a verdict on the key or
// the data.
func retryable(err error) bool {
	return errors.Is(err, ErrDevice) || errors.Is(err, ErrTokenNotFound) || errors.Is(err, ErrSessionClosed)
}

// TestTokenHealsAfterStorageReturns: SoftHSM2's storage of the token is moved away under a
// running Token and put back. While it is away operations fail with retryable errors (never
// "key not found", which would send keyhold to re-create keys); once it is back, Heal brings the
// token back without reopening it, and a second Token of the same module, untouched, keeps
// working across the module's re-initialisation.
func TestTokenHealsAfterStorageReturns(t *testing.T) {
	tok, st := newTestToken(t, Options{Sessions: 2})
	other, _ := newTestToken(t, Options{Sessions: 2})
	k, err := tok.GenerateAESKey("k")
	if err != nil {
		t.Fatal(err)
	}
	ok, err := other.GenerateAESKey("k-other")
	if err != nil {
		t.Fatal(err)
	}
	before, err := k.Encrypt([]byte("sealed before"), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := st.StorageDir()
	if err != nil {
		t.Fatal(err)
	}
	// Out of the token directory altogether: SoftHSM2 would find it under any name inside.
	away := filepath.Join(filepath.Dir(filepath.Dir(dir)), "away-"+filepath.Base(dir))
	if err := os.Rename(dir, away); err != nil {
		t.Fatal(err)
	}
	restored := false
	defer func() {
		if !restored {
			_ = os.Rename(away, dir)
		}
	}()

	if _, err := k.Encrypt([]byte("x"), nil); !retryable(err) {
		t.Fatalf("Encrypt with the token away: got %v, want a retryable error", err)
	}
	if _, err := tok.FindAESKey("k"); !retryable(err) {
		t.Fatalf("FindAESKey with the token away: got %v, want a retryable error, not ErrKeyNotFound", err)
	}
	if err := tok.Heal(); err == nil {
		t.Fatal("Heal with the token away: got nil")
	}
	if _, err := k.Encrypt([]byte("x"), nil); !retryable(err) {
		t.Fatalf("Encrypt after a module re-initialisation, token still away: got %v", err)
	}

	if err := os.Rename(away, dir); err != nil {
		t.Fatal(err)
	}
	restored = true
	start := time.Now()
	deadline := start.Add(20 * time.Second)
	for {
		err := tok.Heal()
		if err == nil {
			if _, err = k.Encrypt([]byte("x"), nil); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the token did not recover within 20s: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling a device that is coming back, not a fixed wait
	}
	t.Logf("recovered %v after the storage came back", time.Since(start))
	if pt, err := k.Decrypt(before, nil); err != nil || !bytes.Equal(pt, []byte("sealed before")) {
		t.Fatalf("Decrypt of a ciphertext from before: %v", err)
	}
	if _, err := ok.Encrypt([]byte("y"), nil); err != nil {
		t.Fatalf("the other token after the re-initialisation: %v", err)
	}
	if _, err := tok.Random(8); err != nil {
		t.Fatalf("Random after recovery: %v", err)
	}
}
