package adminauth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newKey(t testing.TB) ed25519.PrivateKey {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// serverRequest turns a client request into what the server sees (Host from the URL).
func serverRequest(t *testing.T, method, url string, body []byte, sign func(*http.Request)) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sign(r)
	sr := httptest.NewRequest(method, url, bytes.NewReader(body))
	sr.Header = r.Header.Clone()
	return sr
}

func TestSignThenVerify(t *testing.T) {
	op, other := newKey(t), newKey(t)
	now := time.Unix(1_800_000_000, 0)
	v := &Verifier{Now: func() time.Time { return now }}
	isOp := func(k ed25519.PublicKey) bool { return k.Equal(op.Public()) }
	body := []byte(`{"a":1}`)
	const url = "http://127.0.0.1:8101/v1/admin/proposals/x/approve?y=1"
	signAt := func(priv ed25519.PrivateKey, at time.Time) func(*http.Request) {
		return func(r *http.Request) {
			if err := Sign(r, body, priv, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	good := serverRequest(t, "POST", url, body, signAt(op, now))
	if k, err := v.Verify(good, body, isOp); err != nil || !k.Equal(op.Public()) {
		t.Fatalf("Verify: %v", err)
	}
	cases := []struct {
		name string
		req  *http.Request
		body []byte
		want error
	}{
		{"Replay", good, body, ErrReplay},
		{"Unsigned", httptest.NewRequest("POST", url, nil), body, ErrMissing},
		{"OtherBody", serverRequest(t, "POST", url, body, signAt(op, now)), []byte(`{"a":2}`), ErrBadSignature},
		{"OtherPath", retarget(serverRequest(t, "POST", url, body, signAt(op, now)), "/v1/admin/proposals/x/reject?y=1"), body, ErrBadSignature},
		{"OtherQuery", retarget(serverRequest(t, "POST", url, body, signAt(op, now)), "/v1/admin/proposals/x/approve?y=2"), body, ErrBadSignature},
		{"OtherHost", rehost(serverRequest(t, "POST", url, body, signAt(op, now)), "127.0.0.1:8111"), body, ErrBadSignature},
		{"Stale", serverRequest(t, "POST", url, body, signAt(op, now.Add(-MaxSkew-time.Second))), body, ErrStale},
		{"Future", serverRequest(t, "POST", url, body, signAt(op, now.Add(MaxSkew+time.Second))), body, ErrStale},
		{"NotAnOperator", serverRequest(t, "POST", url, body, signAt(other, now)), body, ErrNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := v.Verify(c.req, c.body, isOp); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	// A refused request does not burn its nonce: the genuine one still passes once.
	r := serverRequest(t, "POST", url, body, signAt(op, now))
	if _, err := v.Verify(r, []byte("tampered"), isOp); !errors.Is(err, ErrBadSignature) {
		t.Fatal(err)
	}
	if _, err := v.Verify(r, body, isOp); err != nil {
		t.Fatalf("the genuine request after a tampered copy: %v", err)
	}
}

func retarget(r *http.Request, pathQuery string) *http.Request {
	path, q, _ := strings.Cut(pathQuery, "?")
	r.URL.Path, r.URL.RawPath, r.URL.RawQuery = path, "", q
	return r
}

func rehost(r *http.Request, host string) *http.Request { r.Host = host; return r }

func TestParseHeaderRefusesVariants(t *testing.T) {
	var a Auth
	a.Key = newKey(t).Public().(ed25519.PublicKey)
	a.Time = 1_800_000_000
	a.Sig = make([]byte, 64)
	good := a.String()
	if _, err := ParseHeader(good); err != nil {
		t.Fatalf("valid header: %v", err)
	}
	for name, v := range map[string]string{
		"Scheme":          strings.Replace(good, Scheme, "Bearer", 1),
		"Space":           strings.Replace(good, ",ts=", ", ts=", 1),
		"Reordered":       strings.Replace(strings.Replace(good, "key=", "KK=", 1), "ts=", "key=", 1),
		"ExtraField":      good + ",x=1",
		"LeadingZero":     strings.Replace(good, "ts=1", "ts=01", 1),
		"Negative":        strings.Replace(good, "ts=1", "ts=-1", 1),
		"UpperHexNonce":   strings.Replace(good, "nonce=00000000000000000000000000000000", "nonce=0000000000000000000000000000000A", 1),
		"ShortNonce":      strings.Replace(good, "nonce=00", "nonce=", 1),
		"UnpaddedSig":     strings.TrimRight(good, "="),
		"Empty":           "",
		"OnlyScheme":      Scheme + " ",
		"TrailingNewline": good + "\n",
	} {
		if _, err := ParseHeader(v); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %q parsed (err %v)", name, v, err)
		}
	}
}

func TestStringToSignIsByteExact(t *testing.T) {
	var nonce [16]byte
	for i := range nonce {
		nonce[i] = byte(i)
	}
	got := StringToSign("POST", "127.0.0.1:8101", "/v1/admin/proposals", "", 1800000000, nonce, []byte("abc"))
	want := "keyhold admin request v1\nPOST\n127.0.0.1:8101\n/v1/admin/proposals\n\n1800000000\n" +
		"000102030405060708090a0b0c0d0e0f\n" +
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
	if string(got) != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}
