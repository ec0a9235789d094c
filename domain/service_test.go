package domain

import (
	"context"
	"errors"
	"testing"
)

func TestEncryptDecrypt(t *testing.T) {
	svc, _, _ := newTestService(t)
	bg := AsSystem(context.Background())
	k, err := svc.CreateKey(bg, CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	ec := map[string]string{"a": "1"}
	blob, id, err := svc.Encrypt(bg, k.ID.String(), []byte("hello"), ec)
	if err != nil || id != k.ID {
		t.Fatalf("Encrypt: %v", err)
	}
	pt, _, err := svc.Decrypt(bg, "", blob, ec)
	if err != nil || string(pt) != "hello" {
		t.Fatalf("Decrypt: got %q, %v", pt, err)
	}
	for name, fn := range map[string]func() error{
		"wrong context": func() error { _, _, err := svc.Decrypt(bg, "", blob, map[string]string{"a": "2"}); return err },
		"short blob":    func() error { _, _, err := svc.Decrypt(bg, "", blob[:3], ec); return err },
	} {
		if err := fn(); !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("%s: got %v, want ErrInvalidCiphertext", name, err)
		}
	}
	if err := svc.DisableKey(bg, k.ID.String()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Encrypt(bg, k.ID.String(), []byte("x"), nil); !errors.Is(err, ErrDisabled) {
		t.Fatalf("Encrypt with a disabled key: got %v, want ErrDisabled", err)
	}
}

func TestErrorsCarryClientMessages(t *testing.T) {
	svc, _, _ := newTestService(t)
	_, err := svc.DescribeKey(bg, "alias/missing")
	var de *Error
	if !errors.As(err, &de) || de.ClientMessage() == "" || !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %#v", err)
	}
}
