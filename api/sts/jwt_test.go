package sts

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"
)

type testIssuer struct {
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
	p   *OIDCProvider
}

func newTestIssuer(t testing.TB) *testIssuer {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(rk.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(rk.E)).Bytes())}}})
	der, _ := x509.MarshalPKIXPublicKey(&ek.PublicKey)
	p, err := NewOIDCProvider(OIDCProviderConfig{Issuer: "https://issuer.example/id/1", Audiences: []string{"sts.amazonaws.com"},
		JWKS: jwks, PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))})
	if err != nil {
		t.Fatal(err)
	}
	return &testIssuer{rsa: rk, ec: ek, p: p}
}

func (ti *testIssuer) token(t testing.TB, hdr, claims string, alg string) string {
	t.Helper()
	in := base64.RawURLEncoding.EncodeToString([]byte(hdr)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	h := sha256.Sum256([]byte(in))
	var sig []byte
	switch alg {
	case "RS256":
		sig, _ = rsa.SignPKCS1v15(rand.Reader, ti.rsa, crypto.SHA256, h[:])
	case "ES256":
		r, s, _ := ecdsa.Sign(rand.Reader, ti.ec, h[:])
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// TestVerifyWebIdentityStrict: what the verifier accepts and refuses, claim by claim.
func TestVerifyWebIdentityStrict(t *testing.T) {
	ti := newTestIssuer(t)
	now := time.Unix(1_800_000_000, 0)
	ok := `{"iss":"https://issuer.example/id/1","sub":"system:serviceaccount:a:b","aud":["x","sts.amazonaws.com"],"exp":1800000600,"iat":1800000000}`
	rs := `{"alg":"RS256","kid":"k1"}`
	id, err := VerifyWebIdentity([]*OIDCProvider{ti.p}, ti.token(t, rs, ok, "RS256"), now)
	if err != nil || id.Subject != "system:serviceaccount:a:b" || id.Audience != "sts.amazonaws.com" {
		t.Fatalf("good token: %+v %v", id, err)
	}
	if _, err := VerifyWebIdentity([]*OIDCProvider{ti.p}, ti.token(t, `{"alg":"ES256"}`, ok, "ES256"), now); err != nil {
		t.Fatalf("ES256 token: %v", err)
	}
	for name, c := range map[string]struct {
		hdr, claims, alg string
		want             error
	}{
		"alg none":                  {`{"alg":"none"}`, ok, "none", ErrInvalidIdentityToken},
		"alg RS256 signed by EC":    {`{"alg":"RS256"}`, ok, "ES256", ErrInvalidIdentityToken},
		"alg ES256 signed by RSA":   {`{"alg":"ES256"}`, ok, "RS256", ErrInvalidIdentityToken},
		"unknown kid":               {`{"alg":"RS256","kid":"k2"}`, ok, "RS256", ErrInvalidIdentityToken},
		"duplicate alg":             {`{"alg":"RS256","alg":"RS256"}`, ok, "RS256", ErrInvalidIdentityToken},
		"duplicate alg, other case": {`{"alg":"RS256","ALG":"none"}`, ok, "RS256", ErrInvalidIdentityToken},
		"crit":                      {`{"alg":"RS256","crit":["exp"]}`, ok, "RS256", ErrInvalidIdentityToken},
		"duplicate sub":             {rs, `{"iss":"https://issuer.example/id/1","sub":"a","sub":"b","aud":"sts.amazonaws.com","exp":1800000600}`, "RS256", ErrInvalidIdentityToken},
		"issuer with slash":         {rs, `{"iss":"https://issuer.example/id/1/","sub":"a","aud":"sts.amazonaws.com","exp":1800000600}`, "RS256", ErrInvalidIdentityToken},
		"no exp":                    {rs, `{"iss":"https://issuer.example/id/1","sub":"a","aud":"sts.amazonaws.com"}`, "RS256", ErrInvalidIdentityToken},
		"exp as string":             {rs, `{"iss":"https://issuer.example/id/1","sub":"a","aud":"sts.amazonaws.com","exp":"1800000600"}`, "RS256", ErrInvalidIdentityToken},
		"expired beyond skew":       {rs, `{"iss":"https://issuer.example/id/1","sub":"a","aud":"sts.amazonaws.com","exp":1799999900}`, "RS256", ErrExpiredIdentityToken},
		"nbf in the future":         {rs, `{"iss":"https://issuer.example/id/1","sub":"a","aud":"sts.amazonaws.com","exp":1800000600,"nbf":1800000300}`, "RS256", ErrInvalidIdentityToken},
		"iat in the future":         {rs, `{"iss":"https://issuer.example/id/1","sub":"a","aud":"sts.amazonaws.com","exp":1800000600,"iat":1800000300}`, "RS256", ErrInvalidIdentityToken},
		"no sub":                    {rs, `{"iss":"https://issuer.example/id/1","aud":"sts.amazonaws.com","exp":1800000600}`, "RS256", ErrInvalidIdentityToken},
		"aud not configured":        {rs, `{"iss":"https://issuer.example/id/1","sub":"a","aud":"other","exp":1800000600}`, "RS256", ErrInvalidIdentityToken},
		"aud of wrong type":         {rs, `{"iss":"https://issuer.example/id/1","sub":"a","aud":[1],"exp":1800000600}`, "RS256", ErrInvalidIdentityToken},
		"claims not an object":      {rs, `["iss"]`, "RS256", ErrInvalidIdentityToken},
		"trailing data in claims":   {rs, ok + `{}`, "RS256", ErrInvalidIdentityToken},
	} {
		if _, err := VerifyWebIdentity([]*OIDCProvider{ti.p}, ti.token(t, c.hdr, c.claims, c.alg), now); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	// Within the skew, exp still holds.
	if _, err := VerifyWebIdentity([]*OIDCProvider{ti.p}, ti.token(t, rs, `{"iss":"https://issuer.example/id/1","sub":"a","aud":"sts.amazonaws.com","exp":1799999970}`, "RS256"), now); err != nil {
		t.Errorf("exp 30s ago: %v", err)
	}
	if _, err := VerifyWebIdentity(nil, ti.token(t, rs, ok, "RS256"), now); !errors.Is(err, ErrInvalidIdentityToken) {
		t.Errorf("no providers: %v", err)
	}
}

// TestOIDCProviderConfig: a provider needs an https issuer, audiences and strong keys.
func TestOIDCProviderConfig(t *testing.T) {
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	jwksSmall, _ := json.Marshal(map[string]any{"keys": []map[string]string{{"kty": "RSA", "n": base64.RawURLEncoding.EncodeToString(small.N.Bytes()), "e": "AQAB"}}})
	for name, c := range map[string]OIDCProviderConfig{
		"http issuer":     {Issuer: "http://issuer.example", Audiences: []string{"a"}, JWKS: jwksSmall},
		"no audiences":    {Issuer: "https://issuer.example", JWKS: jwksSmall},
		"no keys":         {Issuer: "https://issuer.example", Audiences: []string{"a"}},
		"1024-bit RSA":    {Issuer: "https://issuer.example", Audiences: []string{"a"}, JWKS: jwksSmall},
		"HS256 JWK":       {Issuer: "https://issuer.example", Audiences: []string{"a"}, JWKS: json.RawMessage(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`)},
		"EC off-curve":    {Issuer: "https://issuer.example", Audiences: []string{"a"}, JWKS: json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}]}`)},
		"certificate PEM": {Issuer: "https://issuer.example", Audiences: []string{"a"}, PEM: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
	} {
		if _, err := NewOIDCProvider(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzVerifyWebIdentity: the verifier never panics on any token and accepts nothing that was
// not signed by the configured keys.
func FuzzVerifyWebIdentity(f *testing.F) {
	ti := newTestIssuer(f)
	now := time.Unix(1_800_000_000, 0)
	good := ti.token(f, `{"alg":"RS256","kid":"k1"}`, `{"iss":"https://issuer.example/id/1","sub":"a","aud":"sts.amazonaws.com","exp":1800000600}`, "RS256")
	f.Add(good)
	f.Add("e30.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, tok string) {
		id, err := VerifyWebIdentity([]*OIDCProvider{ti.p}, tok, now)
		if err == nil && id.Subject != "a" {
			t.Fatalf("accepted a token the issuer never signed: %+v", id)
		}
	})
}

// TestOIDCProvidersExample: the deploy example loads.
func TestOIDCProvidersExample(t *testing.T) {
	ps, err := LoadOIDCProviders("../../deploy/oidc-providers.example.json")
	if err != nil || len(ps) != 1 || ps[0].Host() != "kubernetes.default.svc.cluster.local" {
		t.Fatalf("%+v %v", ps, err)
	}
}
