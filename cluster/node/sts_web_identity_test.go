package node

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// oidcIssuer is a test OpenID Connect issuer: an RSA key published as a JWKS file and a P-256
// key published as PEM, as a Kubernetes cluster's service account issuer would be configured.
type oidcIssuer struct {
	url string
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// sign makes a compact JWS of claims with alg ("RS256", "ES256" or "none") and key id kid.
func (o *oidcIssuer) sign(t *testing.T, alg, kid string, claims map[string]any) string {
	t.Helper()
	hdr, _ := json.Marshal(map[string]string{"alg": alg, "kid": kid, "typ": "JWT"})
	body, _ := json.Marshal(claims)
	in := b64(hdr) + "." + b64(body)
	h := sha256.Sum256([]byte(in))
	var sig []byte
	switch alg {
	case "RS256":
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, o.rsa, crypto.SHA256, h[:]); err != nil {
			t.Fatal(err)
		}
	case "HS256":
		// Algorithm confusion: the RSA public key, as published, used as an HMAC secret.
		der, _ := x509.MarshalPKIXPublicKey(&o.rsa.PublicKey)
		m := hmac.New(sha256.New, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		m.Write([]byte(in))
		sig = m.Sum(nil)
	case "ES256":
		r, s, err := ecdsa.Sign(rand.Reader, o.ec, h[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	}
	return in + "." + b64(sig)
}

// claims are a Kubernetes projected service account token's.
func (o *oidcIssuer) claims(aud, sub string, exp time.Time) map[string]any {
	return map[string]any{"iss": o.url, "sub": sub, "aud": []string{aud}, "exp": exp.Unix(), "iat": time.Now().Unix(), "nbf": time.Now().Unix()}
}

// writeProviders writes the node's providers file for o and returns its path.
func writeProviders(t *testing.T, dir string, o *oidcIssuer) string {
	t.Helper()
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "rsa1", "alg": "RS256", "use": "sig",
		"n": b64(o.rsa.N.Bytes()), "e": b64(big.NewInt(int64(o.rsa.E)).Bytes())}}})
	jwksPath := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(jwksPath, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&o.ec.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal([]map[string]any{{"issuer": o.url, "audiences": []string{"sts.amazonaws.com"}, "jwks_file": jwksPath,
		"pem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}})
	path := filepath.Join(dir, "oidc.json")
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func newIssuer(t *testing.T, url string) *oidcIssuer {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &oidcIssuer{url: url, rsa: rk, ec: ek}
}

// TestAssumeRoleWithWebIdentity: a workload holding a token of a configured issuer (RS256 from
// the JWKS, ES256 from the PEM key) assumes a role whose trust policy names the provider and
// conditions on its sub and aud, as an EKS service-account role does, through the SDK's STS
// client and through stscreds' web identity provider reading a token file. Tokens with the
// wrong audience, issuer, signing key or subject, expired ones and unsigned ones are refused
// with STS's codes.
func TestAssumeRoleWithWebIdentity(t *testing.T) {
	dir := t.TempDir()
	iss := newIssuer(t, "https://oidc.example.com/id/ABC123")
	providers := writeProviders(t, dir, iss)
	tn := newCeremonyNodeWith(t, func(c *Config) { c.OIDCProvidersFile = providers })
	acct := tn.n.svc.ARNs().Account
	host := "oidc.example.com/id/ABC123"
	sub := "system:serviceaccount:payments:api"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + acct + `:oidc-provider/` + host + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + host + `:sub":"` + sub + `","` + host + `:aud":"sts.amazonaws.com"}}}]}`
	roleARN := tn.mkRole(t, "payments-api", trust)
	// Unsigned requests: the SDK sends AssumeRoleWithWebIdentity without credentials.
	sc := sts.New(sts.Options{Region: tn.cfg.Region, BaseEndpoint: aws.String(tn.url), HTTPClient: tn.httpClient(nil)})
	assume := func(tok string) (*sts.AssumeRoleWithWebIdentityOutput, error) {
		return sc.AssumeRoleWithWebIdentity(ctx(), &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN),
			RoleSessionName: aws.String("pod-1"), WebIdentityToken: aws.String(tok)})
	}
	exp := time.Now().Add(time.Hour)
	for _, alg := range []string{"RS256", "ES256"} {
		kid := "rsa1"
		if alg == "ES256" {
			kid = ""
		}
		out, err := assume(iss.sign(t, alg, kid, iss.claims("sts.amazonaws.com", sub, exp)))
		if err != nil {
			t.Fatalf("%s token: %v", alg, err)
		}
		if aws.ToString(out.SubjectFromWebIdentityToken) != sub || aws.ToString(out.Audience) != "sts.amazonaws.com" ||
			aws.ToString(out.Provider) != host || aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::"+acct+":assumed-role/payments-api/pod-1" {
			t.Fatalf("%s: %+v %+v", alg, out, out.AssumedRoleUser)
		}
		if arn, code := tn.whoAmI(out.Credentials); arn != "arn:aws:sts::"+acct+":assumed-role/payments-api/pod-1" {
			t.Fatalf("%s session: %s %s", alg, arn, code)
		}
	}

	// The SDK's web identity provider, as a pod with a projected token file uses it
	// (AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE).
	tokFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokFile, []byte(iss.sign(t, "RS256", "rsa1", iss.claims("sts.amazonaws.com", sub, exp))), 0o600); err != nil {
		t.Fatal(err)
	}
	prov := aws.NewCredentialsCache(stscreds.NewWebIdentityRoleProvider(sc, roleARN, stscreds.IdentityTokenFile(tokFile),
		func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = "pod-2" }))
	who, err := sts.New(sts.Options{Region: tn.cfg.Region, Credentials: prov, BaseEndpoint: aws.String(tn.url), HTTPClient: tn.httpClient(nil)}).
		GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:sts::"+acct+":assumed-role/payments-api/pod-2" {
		t.Fatalf("web identity provider: %+v %v", who, err)
	}

	// The AWS CLI v2, with no credentials at all (the call is unsigned).
	cmd := exec.Command(clustertest.AWSCLI(t), "--endpoint-url", tn.url, "--region", tn.cfg.Region, "--output", "json",
		"sts", "assume-role-with-web-identity", "--role-arn", roleARN, "--role-session-name", "cli",
		"--web-identity-token", iss.sign(t, "ES256", "", iss.claims("sts.amazonaws.com", sub, exp)))
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "HOME="+dir,
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=")
	cliOut, err := cmd.CombinedOutput()
	var viaCLI struct {
		SubjectFromWebIdentityToken string
		AssumedRoleUser             struct{ Arn string }
	}
	if err != nil || json.Unmarshal(cliOut, &viaCLI) != nil || viaCLI.SubjectFromWebIdentityToken != sub ||
		viaCLI.AssumedRoleUser.Arn != "arn:aws:sts::"+acct+":assumed-role/payments-api/cli" {
		t.Fatalf("aws sts assume-role-with-web-identity: %v\n%s", err, cliOut)
	}

	other := newIssuer(t, iss.url)
	evil := newIssuer(t, "https://evil.example.com")
	noneTok := strings.TrimSuffix(iss.sign(t, "none", "", iss.claims("sts.amazonaws.com", sub, exp)), ".") + "."
	for name, c := range map[string]struct {
		tok, code string
	}{
		"wrong audience":            {iss.sign(t, "RS256", "rsa1", iss.claims("other-client", sub, exp)), "InvalidIdentityToken"},
		"wrong issuer":              {evil.sign(t, "RS256", "rsa1", evil.claims("sts.amazonaws.com", sub, exp)), "InvalidIdentityToken"},
		"wrong key":                 {other.sign(t, "RS256", "rsa1", iss.claims("sts.amazonaws.com", sub, exp)), "InvalidIdentityToken"},
		"alg none":                  {noneTok, "InvalidIdentityToken"},
		"HS256 with the public key": {iss.sign(t, "HS256", "rsa1", iss.claims("sts.amazonaws.com", sub, exp)), "InvalidIdentityToken"},
		"expired":                   {iss.sign(t, "RS256", "rsa1", iss.claims("sts.amazonaws.com", sub, time.Now().Add(-10*time.Minute))), "ExpiredTokenException"},
		"other subject":             {iss.sign(t, "RS256", "rsa1", iss.claims("sts.amazonaws.com", "system:serviceaccount:other:api", exp)), "AccessDenied"},
		"not a JWT":                 {"abcd.efgh", "InvalidIdentityToken"},
		"tampered claims":           {tamper(iss.sign(t, "RS256", "rsa1", iss.claims("sts.amazonaws.com", "system:serviceaccount:other:api", exp)), sub), "InvalidIdentityToken"},
	} {
		if _, err := assume(c.tok); apiCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}

// tamper replaces the sub claim of a signed token, keeping its signature.
func tamper(tok, sub string) string {
	parts := strings.Split(tok, ".")
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	m["sub"] = sub
	nb, _ := json.Marshal(m)
	return parts[0] + "." + b64(nb) + "." + parts[2]
}
