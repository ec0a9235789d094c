package hsm

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	tests := []struct {
		in   string
		want URI
	}{
		{"pkcs11:", URI{}},
		{"pkcs11:token=keyhold-node1?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/keyhold/pin",
			URI{Token: "keyhold-node1", ModulePath: "/usr/lib/softhsm/libsofthsm2.so", PINSource: "file:/etc/keyhold/pin"}},
		{"PKCS11:token=a", URI{Token: "a"}},
		{"pkcs11:token=My%20token;serial=0123abcd;manufacturer=SoftHSM%20project;model=SoftHSM%20v2",
			URI{Token: "My token", Serial: "0123abcd", Manufacturer: "SoftHSM project", Model: "SoftHSM v2"}},
		{"pkcs11:token=a%3Bb%3fc%26d%25", URI{Token: "a;b?c&d%"}},
		{"pkcs11:token=a+b", URI{Token: "a+b"}}, // '+' is not a space in PKCS#11 URIs
		{"pkcs11:object=my-key;type=secret-key;id=%01%02%FF", URI{Object: "my-key", Type: "secret-key", ID: []byte{1, 2, 0xff}}},
		{"pkcs11:slot-id=7;slot-description=s;slot-manufacturer=m", URI{SlotID: "7", SlotDescription: "s", SlotManufacturer: "m"}},
		{"pkcs11:library-manufacturer=OpenSC%20Project;library-description=d;library-version=1.2",
			URI{LibraryManufacturer: "OpenSC Project", LibraryDescription: "d", LibraryVersion: "1.2"}},
		{"pkcs11:token=t?pin-value=12%2634&module-name=softhsm2", URI{Token: "t", PINValue: "12&34", ModuleName: "softhsm2"}},
		{"pkcs11:token=t;x-vendor=v?x-q=1&x-q=2",
			URI{Token: "t", Vendor: []VendorAttr{{Name: "x-vendor", Value: "v"}, {Name: "x-q", Value: "1", Query: true}, {Name: "x-q", Value: "2", Query: true}}}},
		{"pkcs11:?module-path=/opt/hsm/lib.so", URI{ModulePath: "/opt/hsm/lib.so"}},
		{"pkcs11:token=;id=", URI{}},
	}
	for _, tt := range tests {
		got, err := ParseURI(tt.in)
		if err != nil {
			t.Errorf("ParseURI(%q): got error %v, want nil", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseURI(%q):\n got %#v\nwant %#v", tt.in, got, tt.want)
		}
	}
}

func TestParseURIErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"pkcs11",
		"pkcs12:token=a",
		"token=a",
		"pkcs11:token",
		"pkcs11:=a",
		"pkcs11:token=a;token=b",
		"pkcs11:token=a;",
		"pkcs11:;token=a",
		"pkcs11:tokne=a",
		"pkcs11:Token=a",
		"pkcs11:token=a%",
		"pkcs11:token=a%4",
		"pkcs11:token=a%zz",
		"pkcs11:token=a b",
		"pkcs11:token=\x00",
		"pkcs11:token=caf\xc3\xa9",
		"pkcs11:token=a#frag",
		"pkcs11:type=key",
		"pkcs11:slot-id=-1",
		"pkcs11:slot-id=99999999999999999999",
		"pkcs11:library-version=1.x",
		"pkcs11:token=a?",
		"pkcs11:token=a?pin-value=1&pin-value=2",
		"pkcs11:token=a?pin-value=1&pin-source=/p",
		"pkcs11:token=a?module-path=/a&module-path=/b",
		"pkcs11:token=a?unknown=1",
		"pkcs11:token=a?pin-value=1&",
		"pkcs11:x-a=1;x-a=2",
		"pkcs11:token=" + strings.Repeat("a", maxURI),
	} {
		if u, err := ParseURI(in); !errors.Is(err, ErrBadURI) {
			t.Errorf("ParseURI(%q): got %+v, %v; want ErrBadURI", truncate(in), u, err)
		}
	}
}

func TestParseURIErrorHidesPIN(t *testing.T) {
	_, err := ParseURI("pkcs11:token=a?pin-value=s3cret%zz")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("ParseURI error: got %v, want an error without the PIN", err)
	}
}

func TestURIString(t *testing.T) {
	u, err := ParseURI("pkcs11:serial=42;token=dev%20node;object=k;x-v=1?pin-value=s3cret&module-path=/usr/lib/softhsm/libsofthsm2.so&x-q=%2F")
	if err != nil {
		t.Fatal(err)
	}
	want := "pkcs11:token=dev%20node;serial=42;object=k;x-v=1?module-path=/usr/lib/softhsm/libsofthsm2.so&x-q=/"
	for _, got := range []string{u.String(), fmt.Sprint(u), fmt.Sprintf("%v", &u)} {
		if got != want {
			t.Errorf("String: got %q, want %q", got, want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("String leaks the PIN: %q", got)
		}
	}
}

// FuzzParseURI checks ParseURI never panics, and that whatever it accepts formats to a URI that
// parses back to the same value (less the PIN, which String leaves out).
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"pkcs11:",
		"pkcs11:token=keyhold-node1?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/keyhold/pin",
		"pkcs11:token=a%3Bb;serial=1;manufacturer=m;model=x?pin-value=1234",
		"pkcs11:object=k;type=secret-key;id=%00%ff;slot-id=3;library-version=2.6",
		"pkcs11:x-a=1?x-b=%26&x-b=2&module-name=softhsm2",
		"pkcs11:token=a%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			if !errors.Is(err, ErrBadURI) {
				t.Fatalf("ParseURI(%q): error %v does not wrap ErrBadURI", s, err)
			}
			return
		}
		out := u.String()
		if u.PINValue != "" && strings.Contains(out, "pin-value") {
			t.Fatalf("String printed pin-value: %q", out)
		}
		back, err := ParseURI(out)
		if err != nil {
			t.Fatalf("ParseURI(String()) = %v for %q (from %q)", err, out, s)
		}
		u.PINValue = ""
		if !reflect.DeepEqual(back, u) {
			t.Fatalf("round trip of %q via %q:\n got %#v\nwant %#v", s, out, back, u)
		}
		if again := back.String(); again != out {
			t.Fatalf("String not stable: %q then %q", out, again)
		}
	})
}
