package node

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhold/keyhold/cluster/devcluster"
)

// apiTestCert issues a certificate for 127.0.0.1 under a fresh CA in dir and returns the
// files and a pool trusting the CA.
func apiTestCert(t *testing.T, dir, name string) (cert, key string, roots *x509.CertPool) {
	t.Helper()
	ca, caKey, err := devcluster.EnsureCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cert, key, err = devcluster.EnsureNodeCert(dir, name, ca, caKey); err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(ca)
	return cert, key, roots
}

// serveTLS restarts the node with its API on HTTPS under a fresh test CA, SSE-C allowed only
// over TLS as in production, and returns the CA certificate file for clients outside Go.
func (tn *testNode) serveTLS(t *testing.T) (caFile string) {
	t.Helper()
	pki := t.TempDir()
	tn.cfg.APITLSCert, tn.cfg.APITLSKey, tn.tlsRoots = apiTestCert(t, pki, "api")
	tn.cfg.AllowSSECOverHTTP = false
	tn.restart(t)
	caFile, _ = devcluster.CAFiles(pki)
	return caFile
}

// TestAPIOverTLS serves KMS and S3 over HTTPS (api_tls_cert) to the SDK's default clients,
// which then send S3 bodies as STREAMING-UNSIGNED-PAYLOAD-TRAILER; SSE-C works without
// allow_sse_c_over_http because the request came over TLS, and a client that does not trust
// the certificate gets nowhere.
func TestAPIOverTLS(t *testing.T) {
	tn := newTestNode(t)
	tn.serveTLS(t)
	roots := tn.tlsRoots
	if tn.url[:8] != "https://" {
		t.Fatalf("API URL %s, want https", tn.url)
	}
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: ck.KeyMetadata.KeyId, Plaintext: []byte("over tls")})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := tn.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil || string(dec.Plaintext) != "over tls" {
		t.Fatalf("Decrypt over TLS: %v", err)
	}

	c := tn.s3Client(true)
	mustCreateBucket(t, c, "tls")
	body := payload(3<<20+11, "MARKER-tls ")
	k := newCustomerKey(0x33)
	put := mustPut(t, c, "tls", "ssec", body, func(in *s3.PutObjectInput) {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(k.b64), aws.String(k.md5)
	})
	if put.ChecksumCRC32 == nil {
		t.Fatal("PUT over TLS: no CRC32 came back, so the SDK's trailing checksum was not kept")
	}
	got, _ := mustGet(t, c, "tls", "ssec", func(in *s3.GetObjectInput) {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(k.b64), aws.String(k.md5)
	})
	if !bytes.Equal(got, body) {
		t.Fatal("SSE-C round trip over TLS")
	}

	untrusted := &http.Client{Transport: &http.Transport{}}
	_, err = untrusted.Get(tn.url + "/")
	var unknownAuthority x509.UnknownAuthorityError
	if !errors.As(err, &unknownAuthority) {
		t.Fatalf("client without the CA: got %v, want an unknown-authority error", err)
	}
	resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS11}}}).Get(tn.url + "/")
	if err == nil {
		resp.Body.Close()
		t.Fatal("TLS 1.1 client was served")
	}
}

// TestAPICertificateReload: a renewed certificate is served without a restart, and a pair that
// does not load leaves the previous one in service.
func TestAPICertificateReload(t *testing.T) {
	dir := t.TempDir()
	cert, key, _ := apiTestCert(t, dir, "api")
	var warned int
	r, err := newCertReloader(cert, key, func(string, ...any) { warned++ })
	if err != nil {
		t.Fatal(err)
	}
	first, _ := r.getCertificate(nil)

	// Renew: a new pair under the same names, with a later modification time.
	if err := os.Remove(cert); err != nil {
		t.Fatal(err)
	}
	os.Remove(key)
	ca, caKey, _ := devcluster.EnsureCA(dir)
	if _, _, err := devcluster.EnsureNodeCert(dir, "api", ca, caKey); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	_ = os.Chtimes(cert, later, later)
	r.checked = time.Time{}
	renewed, _ := r.getCertificate(nil)
	if bytes.Equal(renewed.Certificate[0], first.Certificate[0]) {
		t.Fatal("renewed certificate not picked up")
	}

	// A torn renewal: the key file is garbage.
	if err := os.WriteFile(filepath.Join(dir, "api.key"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	evenLater := later.Add(time.Minute)
	_ = os.Chtimes(key, evenLater, evenLater)
	r.checked = time.Time{}
	kept, _ := r.getCertificate(nil)
	if !bytes.Equal(kept.Certificate[0], renewed.Certificate[0]) || warned != 1 {
		t.Fatalf("broken pair: served a different certificate or warned %d times, want the renewed one and 1 warning", warned)
	}
	if _, err := newCertReloader(cert, key, nil); err == nil {
		t.Fatal("a pair that does not load must fail at start")
	}
}
