package sts

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/pipeline"
)

// Web identity token failures, answered as STS does.
var (
	// ErrInvalidIdentityToken is a token that does not verify: malformed, unsigned, signed by
	// no configured key, another issuer, another audience (InvalidIdentityToken 400).
	ErrInvalidIdentityToken = errors.New("sts: invalid identity token")
	// ErrExpiredIdentityToken is a token past its exp (ExpiredTokenException 400).
	ErrExpiredIdentityToken = errors.New("sts: expired identity token")
)

// Limits of web identity tokens: STS's WebIdentityToken is 4 to 20,000 characters; clock skew
// tolerated on exp, nbf and iat.
const (
	maxWebIdentityToken = 20000
	jwtSkew             = 60 * time.Second
)

// WebIdentity is what a verified token says.
type WebIdentity struct {
	Provider *OIDCProvider
	Subject  string
	Audience string // the configured client id the token's aud contains
	Claims   map[string]any
}

func invalidToken(msg string) error {
	return &pipeline.PublicError{Kind: ErrInvalidIdentityToken, Msg: msg}
}

// VerifyWebIdentity verifies a compact JWS (header.payload.signature) against the configured
// providers: the issuer must be one of them exactly, the algorithm the one of the key that
// verifies (RS256 or ES256; never "none", never one the header picks for a key of another
// type), exp in the future and nbf/iat not in it (with a minute of skew), and aud must contain
// one of the provider's audiences. Duplicate JSON members in header or claims are refused.
func VerifyWebIdentity(providers []*OIDCProvider, token string, now time.Time) (*WebIdentity, error) {
	if len(token) < 4 || len(token) > maxWebIdentityToken {
		return nil, invalidToken("The web identity token is not between 4 and 20000 characters.")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, invalidToken("The web identity token is not a signed JWT.")
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, invalidToken("The web identity token is not a signed JWT.")
	}
	var hdr struct {
		Alg  string   `json:"alg"`
		Kid  string   `json:"kid"`
		Typ  string   `json:"typ"`
		Crit []string `json:"crit"`
	}
	if err := strictJSON(hb, &hdr); err != nil {
		return nil, invalidToken("The web identity token's header is malformed.")
	}
	if len(hdr.Crit) > 0 {
		return nil, invalidToken("The web identity token names critical extensions keyhold does not support.")
	}
	var claims map[string]any
	if err := strictJSON(pb, &claims); err != nil {
		return nil, invalidToken("The web identity token's claims are malformed.")
	}
	iss, _ := claims["iss"].(string)
	i := slices.IndexFunc(providers, func(p *OIDCProvider) bool { return p.Issuer == iss })
	if i < 0 {
		return nil, invalidToken("No OpenIDConnect provider found for " + iss)
	}
	p := providers[i]
	// The key decides the algorithm: the header's alg must be that key's, so "none", HS256
	// with the public key as a secret, or RS256 against an EC key never verify.
	signed := []byte(parts[0] + "." + parts[1])
	verified := false
	for _, k := range p.keys {
		if hdr.Kid != "" && k.kid != "" && k.kid != hdr.Kid {
			continue
		}
		if hdr.Alg != k.alg {
			continue
		}
		if verifySig(k, signed, sig) {
			verified = true
			break
		}
	}
	if !verified {
		return nil, invalidToken("The web identity token's signature could not be verified.")
	}
	exp, okExp := numericDate(claims["exp"])
	if !okExp {
		return nil, invalidToken("The web identity token has no valid exp claim.")
	}
	if !now.Before(exp.Add(jwtSkew)) {
		return nil, &pipeline.PublicError{Kind: ErrExpiredIdentityToken, Msg: "Token expired: current date/time " + now.UTC().Format(time.RFC3339) +
			" must be before the expiration date/time " + exp.UTC().Format(time.RFC3339)}
	}
	for _, name := range []string{"nbf", "iat"} {
		if v, present := claims[name]; present {
			t, ok := numericDate(v)
			if !ok || t.After(now.Add(jwtSkew)) {
				return nil, invalidToken("The web identity token's " + name + " claim is invalid or in the future.")
			}
		}
	}
	sub, _ := claims["sub"].(string)
	if sub == "" || len(sub) > 255 {
		return nil, invalidToken("The web identity token has no valid sub claim.")
	}
	var auds []string
	switch a := claims["aud"].(type) {
	case string:
		auds = []string{a}
	case []any:
		for _, v := range a {
			s, ok := v.(string)
			if !ok {
				return nil, invalidToken("The web identity token's aud claim is malformed.")
			}
			auds = append(auds, s)
		}
	}
	for _, a := range auds {
		if slices.Contains(p.Audiences, a) {
			return &WebIdentity{Provider: p, Subject: sub, Audience: a, Claims: claims}, nil
		}
	}
	return nil, invalidToken("Incorrect token audience")
}

func verifySig(k oidcKey, signed, sig []byte) bool {
	h := sha256.Sum256(signed)
	switch pub := k.pub.(type) {
	case *rsa.PublicKey:
		return k.alg == "RS256" && rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) == nil
	case *ecdsa.PublicKey:
		if k.alg != "ES256" || len(sig) != 64 {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(pub, h[:], r, s)
	}
	return false
}

// numericDate reads a JWT NumericDate (seconds since the epoch, possibly fractional).
func numericDate(v any) (time.Time, bool) {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || f < 0 || f > 253402300799 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// strictJSON decodes one JSON object into v, refusing duplicate members at its top level
// (encoding/json would keep the last, so two parsers could disagree on a claim) and trailing
// data.
func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	tok, err := d.Token()
	if err != nil || tok != json.Delim('{') {
		return errors.New("not an object")
	}
	seen := map[string]bool{}
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return err
		}
		// encoding/json matches struct fields case-insensitively: "alg" and "ALG" are one.
		key, _ := k.(string)
		key = strings.ToLower(key)
		if seen[key] {
			return errors.New("duplicate member " + key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return err
		}
	}
	if _, err := d.Token(); err != nil {
		return err
	}
	if _, err := d.Token(); err == nil {
		return errors.New("trailing data")
	}
	return json.Unmarshal(b, v)
}
