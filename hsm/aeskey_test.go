package hsm

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/pkcs11"
)

func TestGenerateFindAESKey(t *testing.T) {
	tok, _ := newTestToken(t, Options{Sessions: 2})
	k, err := tok.GenerateAESKey("domain-key-1")
	if err != nil {
		t.Fatalf("GenerateAESKey: %v", err)
	}
	if got := k.Label(); got != "domain-key-1" {
		t.Errorf("Label: got %q, want %q", got, "domain-key-1")
	}
	if _, err := tok.GenerateAESKey("domain-key-1"); !errors.Is(err, ErrKeyExists) {
		t.Errorf("GenerateAESKey of a taken label: got %v, want ErrKeyExists", err)
	}
	if _, err := tok.FindAESKey("domain-key-2"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("FindAESKey of a missing label: got %v, want ErrKeyNotFound", err)
	}
	for _, label := range []string{"", strings.Repeat("l", maxLabel+1)} {
		if _, err := tok.GenerateAESKey(label); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("GenerateAESKey(%d-byte label): got %v, want ErrInvalidArgument", len(label), err)
		}
		if _, err := tok.FindAESKey(label); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("FindAESKey(%d-byte label): got %v, want ErrInvalidArgument", len(label), err)
		}
	}
	found, err := tok.FindAESKey("domain-key-1")
	if err != nil {
		t.Fatalf("FindAESKey: %v", err)
	}
	ct, err := k.Encrypt([]byte("secret"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := found.Decrypt(ct, []byte("aad")); err != nil || string(pt) != "secret" {
		t.Fatalf("Decrypt with the found key: got %q, %v; want %q", pt, err, "secret")
	}
}

func TestAESKeyAttributes(t *testing.T) {
	tok, _ := newTestToken(t, Options{Sessions: 1})
	k, err := tok.GenerateAESKey("k")
	if err != nil {
		t.Fatal(err)
	}
	got := keyAttrs(t, k, pkcs11.CKA_TOKEN, pkcs11.CKA_PRIVATE, pkcs11.CKA_SENSITIVE, pkcs11.CKA_EXTRACTABLE,
		pkcs11.CKA_ALWAYS_SENSITIVE, pkcs11.CKA_NEVER_EXTRACTABLE, pkcs11.CKA_ENCRYPT, pkcs11.CKA_DECRYPT,
		pkcs11.CKA_WRAP, pkcs11.CKA_UNWRAP, pkcs11.CKA_DERIVE)
	want := map[uint]bool{
		pkcs11.CKA_TOKEN: true, pkcs11.CKA_PRIVATE: true, pkcs11.CKA_SENSITIVE: true,
		pkcs11.CKA_EXTRACTABLE: false, pkcs11.CKA_ALWAYS_SENSITIVE: true, pkcs11.CKA_NEVER_EXTRACTABLE: true,
		pkcs11.CKA_ENCRYPT: true, pkcs11.CKA_DECRYPT: true,
		pkcs11.CKA_WRAP: false, pkcs11.CKA_UNWRAP: false, pkcs11.CKA_DERIVE: false,
	}
	for typ, w := range want {
		if got[typ] != w {
			t.Errorf("attribute 0x%x: got %v, want %v", typ, got[typ], w)
		}
	}
	value, err := readKeyValue(k)
	if code, _ := ckrCode(err); code != pkcs11.CKR_ATTRIBUTE_SENSITIVE {
		t.Errorf("reading CKA_VALUE: got %d bytes, %v; want CKR_ATTRIBUTE_SENSITIVE", len(value), err)
	}
}

func TestEncryptDecrypt(t *testing.T) {
	tok, _ := newTestToken(t, Options{Sessions: 2})
	k, err := tok.GenerateAESKey("k")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		plaintext []byte
		aad       []byte
	}{
		{"empty", nil, nil},
		{"32 bytes", bytes.Repeat([]byte{7}, 32), nil},
		{"with aad", []byte("a domain keyset"), []byte("key-id|v1")},
		{"empty plaintext with aad", nil, []byte("context")},
		{"64 KiB", bytes.Repeat([]byte("x"), 64<<10), []byte("big")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, err := k.Encrypt(tt.plaintext, tt.aad)
			if err != nil {
				t.Fatalf("Encrypt: %v", err)
			}
			if got, want := len(ct), gcmIVBytes+len(tt.plaintext)+gcmTagBytes; got != want {
				t.Fatalf("ciphertext length: got %d, want %d", got, want)
			}
			pt, err := k.Decrypt(ct, tt.aad)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !bytes.Equal(pt, tt.plaintext) {
				t.Fatalf("Decrypt: got %q, want %q", pt, tt.plaintext)
			}
			again, _ := k.Encrypt(tt.plaintext, tt.aad)
			if bytes.Equal(again[:gcmIVBytes], ct[:gcmIVBytes]) {
				t.Errorf("two encryptions used the same IV")
			}
		})
	}
}

func TestDecryptFailures(t *testing.T) {
	tok, _ := newTestToken(t, Options{Sessions: 1})
	k, err := tok.GenerateAESKey("k")
	if err != nil {
		t.Fatal(err)
	}
	other, err := tok.GenerateAESKey("other")
	if err != nil {
		t.Fatal(err)
	}
	pt, aad := []byte("attack at dawn"), []byte("context")
	ct, err := k.Encrypt(pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	type tc struct {
		name string
		key  *AESKey
		ct   []byte
		aad  []byte
	}
	tests := []tc{
		{"wrong aad", k, ct, []byte("Context")},
		{"missing aad", k, ct, nil},
		{"wrong key", other, ct, aad},
		{"truncated", k, ct[:len(ct)-1], aad},
		{"too short", k, ct[:gcmIVBytes+gcmTagBytes-1], aad},
		{"empty", k, nil, aad},
		{"extended", k, append(append([]byte{}, ct...), 0), aad},
	}
	for i := range len(ct) * 8 {
		flipped := append([]byte{}, ct...)
		flipped[i/8] ^= 1 << (i % 8)
		tests = append(tests, tc{fmt.Sprintf("bit %d flipped", i), k, flipped, aad})
	}
	for _, tt := range tests {
		got, err := tt.key.Decrypt(tt.ct, tt.aad)
		if !errors.Is(err, ErrDecrypt) || got != nil {
			t.Errorf("%s: got %q, %v; want nil, ErrDecrypt", tt.name, got, err)
		}
	}
	// The failures must not leave the single session busy or broken.
	if got, err := k.Decrypt(ct, aad); err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("Decrypt after failures: got %q, %v; want %q", got, err, pt)
	}
}

func TestKeyPersistsAcrossOpen(t *testing.T) {
	tok, st := newTestToken(t, Options{Sessions: 1})
	k, err := tok.GenerateAESKey("persistent")
	if err != nil {
		t.Fatal(err)
	}
	ct, err := k.Encrypt([]byte("survives"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.Close(); err != nil {
		t.Fatal(err)
	}
	u, _ := ParseURI(st.URI())
	again, err := Open(u, Options{Sessions: 1})
	if err != nil {
		t.Fatalf("re-Open: %v", err)
	}
	defer again.Close()
	k2, err := again.FindAESKey("persistent")
	if err != nil {
		t.Fatalf("FindAESKey after re-Open: %v", err)
	}
	if pt, err := k2.Decrypt(ct, nil); err != nil || string(pt) != "survives" {
		t.Fatalf("Decrypt after re-Open: got %q, %v", pt, err)
	}
}

// TestKeyHandleRefound spoils the cached handle: the key must be found again by label.
func TestKeyHandleRefound(t *testing.T) {
	tok, _ := newTestToken(t, Options{Sessions: 1})
	k, err := tok.GenerateAESKey("k")
	if err != nil {
		t.Fatal(err)
	}
	good := k.ref.Load().h
	k.store(good+1000, k.ref.Load().gen)
	if _, err := k.Encrypt([]byte("x"), nil); err != nil {
		t.Fatalf("Encrypt with a stale handle: got %v, want nil", err)
	}
	if got := k.ref.Load().h; got != good {
		t.Errorf("handle after re-find: got %d, want %d", got, good)
	}
}

func TestConcurrentEncryptDecrypt(t *testing.T) {
	const goroutines, rounds, sessions = 32, 20, 4
	tok, _ := newTestToken(t, Options{Sessions: sessions})
	k, err := tok.GenerateAESKey("k")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				pt := fmt.Appendf(nil, "goroutine %d round %d", g, r)
				aad := fmt.Appendf(nil, "aad %d", g)
				ct, err := k.Encrypt(pt, aad)
				if err != nil {
					errs <- fmt.Errorf("Encrypt: %w", err)
					return
				}
				got, err := k.Decrypt(ct, aad)
				if err != nil || !bytes.Equal(got, pt) {
					errs <- fmt.Errorf("Decrypt: got %q, %v; want %q", got, err, pt)
					return
				}
				if _, err := tok.Random(16); err != nil {
					errs <- fmt.Errorf("Random: %w", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tok.poolMu.Lock()
	open := len(tok.free)
	tok.poolMu.Unlock()
	if open > sessions {
		t.Errorf("open sessions: got %d, want at most %d", open, sessions)
	}
}

func TestCloseWaitsForOperations(t *testing.T) {
	tok, _ := newTestToken(t, Options{Sessions: 2})
	k, err := tok.GenerateAESKey("k")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := k.Encrypt([]byte("x"), nil); err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("Encrypt during Close: got %v, want nil or ErrClosed", err)
					}
					return
				}
			}
		}()
	}
	if _, err := k.Encrypt([]byte("warm up"), nil); err != nil {
		t.Fatal(err)
	}
	if err := tok.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
}
