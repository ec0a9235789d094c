package wrap

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestBackingKeyNotComparable(t *testing.T) {
	if reflect.TypeFor[BackingKey]().Comparable() {
		t.Error("BackingKey is comparable with ==; want incomparable")
	}
}

func TestBackingKeyEqual(t *testing.T) {
	a, b := mustKey(t), mustKey(t)
	a2, err := BackingKeyFromBytes(a.SecretBytes())
	if err != nil {
		t.Fatal(err)
	}
	var zero BackingKey
	tests := []struct {
		name string
		x, y *BackingKey
		want bool
	}{
		{"same bytes", a, a2, true},
		{"itself", a, a, true},
		{"different", a, b, false},
		{"nil left", nil, a, false},
		{"nil right", a, nil, false},
		{"both nil", nil, nil, false},
		{"zero value", &zero, &zero, false},
	}
	for _, tt := range tests {
		if got := tt.x.Equal(tt.y); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBackingKeyFromBytes(t *testing.T) {
	for _, n := range []int{0, 1, 16, 31, 33, 64} {
		if _, err := BackingKeyFromBytes(make([]byte, n)); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%d bytes: got %v, want ErrInvalidArgument", n, err)
		}
	}
	src := bytes.Repeat([]byte{7}, BackingKeySize)
	k, err := BackingKeyFromBytes(src)
	if err != nil {
		t.Fatal(err)
	}
	clear(src)
	if got := k.SecretBytes(); !bytes.Equal(got, bytes.Repeat([]byte{7}, BackingKeySize)) {
		t.Errorf("key changed when the caller cleared its input: got %x", got)
	}
}

func TestBackingKeyDestroy(t *testing.T) {
	k := mustKey(t)
	raw := &k.b
	k.Destroy()
	if *raw != [BackingKeySize]byte{} {
		t.Errorf("after Destroy: got %x, want zeros", raw[:])
	}
	if k.SecretBytes() != nil {
		t.Error("SecretBytes after Destroy: got bytes, want nil")
	}
	k.Destroy() // idempotent
	var nilKey *BackingKey
	nilKey.Destroy() // safe on nil
	if _, err := Seal(k, mustID(t), 1, []byte("x"), nil); !errors.Is(err, ErrKeyUnusable) {
		t.Errorf("Seal with a destroyed key: got %v, want ErrKeyUnusable", err)
	}
}

func TestSecretBytesIsACopy(t *testing.T) {
	k := mustKey(t)
	s := k.SecretBytes()
	want := append([]byte(nil), s...)
	clear(s)
	if got := k.SecretBytes(); !bytes.Equal(got, want) {
		t.Error("clearing SecretBytes' result changed the key")
	}
}

func TestNewBackingKeyRandom(t *testing.T) {
	a, b := mustKey(t), mustKey(t)
	if a.Equal(b) {
		t.Error("two new keys are equal")
	}
	if bytes.Equal(a.SecretBytes(), make([]byte, BackingKeySize)) {
		t.Error("new key is all zeros")
	}
}
