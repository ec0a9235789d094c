package sts

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"strings"
)

// OIDCProvider is an OpenID Connect issuer whose tokens AssumeRoleWithWebIdentity accepts
// (a Kubernetes cluster's service account issuer, for example). Its public keys are
// configured, never fetched: keyhold makes no network call to verify a token.
type OIDCProvider struct {
	// Issuer is the iss claim, exactly ("https://oidc.example.com/id/ABC").
	Issuer string
	// Audiences are the client ids a token's aud must contain one of ("sts.amazonaws.com").
	Audiences []string
	// keys are the verification keys by kid; a key without kid has kid "".
	keys []oidcKey
}

// oidcKey is one verification key and the only algorithm it verifies.
type oidcKey struct {
	kid string
	alg string // RS256 or ES256
	pub crypto.PublicKey
}

// Host is the issuer without its scheme ("oidc.example.com/id/ABC"): the provider's name in
// trust policies and the prefix of its condition keys ("oidc.example.com/id/ABC:sub").
func (p *OIDCProvider) Host() string { return strings.TrimPrefix(p.Issuer, "https://") }

// OIDCProviderConfig is one provider in the providers file (oidc_providers_file): the issuer,
// its audiences, and its public keys as a JWKS file, a JWKS document or PEM public keys.
type OIDCProviderConfig struct {
	Issuer    string          `json:"issuer"`
	Audiences []string        `json:"audiences"`
	JWKSFile  string          `json:"jwks_file,omitempty"`
	JWKS      json.RawMessage `json:"jwks,omitempty"`
	PEM       string          `json:"pem,omitempty"`
}

// LoadOIDCProviders reads a providers file: a JSON array of OIDCProviderConfig. An empty path
// is no providers (AssumeRoleWithWebIdentity then refuses every token).
func LoadOIDCProviders(path string) ([]*OIDCProvider, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("oidc providers: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var cfgs []OIDCProviderConfig
	if err := d.Decode(&cfgs); err != nil {
		return nil, fmt.Errorf("oidc providers %s: %w", path, err)
	}
	out := make([]*OIDCProvider, 0, len(cfgs))
	seen := map[string]bool{}
	for _, c := range cfgs {
		p, err := NewOIDCProvider(c)
		if err != nil {
			return nil, fmt.Errorf("oidc providers %s: %w", path, err)
		}
		if seen[p.Issuer] {
			return nil, fmt.Errorf("oidc providers %s: issuer %s listed twice", path, p.Issuer)
		}
		seen[p.Issuer] = true
		out = append(out, p)
	}
	return out, nil
}

// NewOIDCProvider checks a provider's configuration and loads its keys.
func NewOIDCProvider(c OIDCProviderConfig) (*OIDCProvider, error) {
	u, err := url.Parse(c.Issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("issuer %q: must be an https URL without query or fragment", c.Issuer)
	}
	if len(c.Audiences) == 0 {
		return nil, fmt.Errorf("issuer %s: no audiences", c.Issuer)
	}
	p := &OIDCProvider{Issuer: c.Issuer, Audiences: c.Audiences}
	jwks := []byte(c.JWKS)
	if c.JWKSFile != "" {
		if jwks, err = os.ReadFile(c.JWKSFile); err != nil {
			return nil, fmt.Errorf("issuer %s: %w", c.Issuer, err)
		}
	}
	if len(jwks) > 0 {
		if p.keys, err = parseJWKS(jwks); err != nil {
			return nil, fmt.Errorf("issuer %s: %w", c.Issuer, err)
		}
	}
	if c.PEM != "" {
		keys, err := parsePEMKeys([]byte(c.PEM))
		if err != nil {
			return nil, fmt.Errorf("issuer %s: %w", c.Issuer, err)
		}
		p.keys = append(p.keys, keys...)
	}
	if len(p.keys) == 0 {
		return nil, fmt.Errorf("issuer %s: no public keys (jwks_file, jwks or pem)", c.Issuer)
	}
	return p, nil
}

// jwk is the part of a JSON Web Key keyhold reads (RFC 7517, 7518).
type jwk struct {
	Kty, Kid, Alg, Use, Crv string
	N, E, X, Y              string
}

func parseJWKS(b []byte) ([]oidcKey, error) {
	var set struct{ Keys []jwk }
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	var out []oidcKey
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		var key oidcKey
		switch k.Kty {
		case "RSA":
			n, err1 := b64BigInt(k.N)
			e, err2 := b64BigInt(k.E)
			if err1 != nil || err2 != nil || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
				return nil, fmt.Errorf("jwks: RSA key %q: bad n or e", k.Kid)
			}
			key = oidcKey{kid: k.Kid, alg: "RS256", pub: &rsa.PublicKey{N: n, E: int(e.Int64())}}
		case "EC":
			if k.Crv != "P-256" {
				return nil, fmt.Errorf("jwks: EC key %q: curve %q (only P-256)", k.Kid, k.Crv)
			}
			x, err1 := b64BigInt(k.X)
			y, err2 := b64BigInt(k.Y)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("jwks: EC key %q: bad x or y", k.Kid)
			}
			pub, err := ecdhCheck(x, y)
			if err != nil {
				return nil, fmt.Errorf("jwks: EC key %q: %w", k.Kid, err)
			}
			key = oidcKey{kid: k.Kid, alg: "ES256", pub: pub}
		default:
			return nil, fmt.Errorf("jwks: key %q: kty %q (only RSA and EC)", k.Kid, k.Kty)
		}
		if k.Alg != "" && k.Alg != key.alg {
			return nil, fmt.Errorf("jwks: key %q: alg %q (only RS256 for RSA, ES256 for P-256)", k.Kid, k.Alg)
		}
		if err := checkKeyStrength(key.pub); err != nil {
			return nil, fmt.Errorf("jwks: key %q: %w", k.Kid, err)
		}
		out = append(out, key)
	}
	return out, nil
}

func parsePEMKeys(b []byte) ([]oidcKey, error) {
	var out []oidcKey
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("pem: %s block (want PUBLIC KEY)", blk.Type)
		}
		pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pem: %w", err)
		}
		var alg string
		switch k := pub.(type) {
		case *rsa.PublicKey:
			alg = "RS256"
		case *ecdsa.PublicKey:
			if k.Curve != elliptic.P256() {
				return nil, errors.New("pem: EC key not on P-256")
			}
			alg = "ES256"
		default:
			return nil, fmt.Errorf("pem: %T keys are not supported", pub)
		}
		if err := checkKeyStrength(pub); err != nil {
			return nil, err
		}
		out = append(out, oidcKey{alg: alg, pub: pub})
	}
	if len(bytes.TrimSpace(b)) != 0 {
		return nil, errors.New("pem: trailing data")
	}
	return out, nil
}

func checkKeyStrength(pub crypto.PublicKey) error {
	if k, ok := pub.(*rsa.PublicKey); ok && (k.N.BitLen() < 2048 || k.N.BitLen() > 8192) {
		return fmt.Errorf("RSA key of %d bits (2048 to 8192)", k.N.BitLen())
	}
	return nil
}

// ecdhCheck builds a P-256 public key, refusing points off the curve.
func ecdhCheck(x, y *big.Int) (*ecdsa.PublicKey, error) {
	if x.BitLen() > 256 || y.BitLen() > 256 {
		return nil, errors.New("coordinates too large")
	}
	raw := make([]byte, 65)
	raw[0] = 4
	x.FillBytes(raw[1:33])
	y.FillBytes(raw[33:])
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return nil, errors.New("point not on P-256")
	}
	return pub, nil
}

func b64BigInt(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, errors.New("bad base64url integer")
	}
	return new(big.Int).SetBytes(b), nil
}
