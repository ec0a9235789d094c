package node

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"
)

// certRecheck bounds how often a handshake looks at the certificate files: often enough that
// a renewed certificate (certbot, cert-manager, an operator's copy) is served within seconds,
// rarely enough that a busy listener does not stat two files per connection.
const certRecheck = 5 * time.Second

// certReloader serves the API listener's certificate from api_tls_cert/api_tls_key and picks up
// a renewed pair without a restart. A pair that fails to load keeps the previous one in service
// and is logged once per change, so a half-written renewal never takes the listener down.
type certReloader struct {
	certFile, keyFile string
	warn              func(msg string, args ...any)

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   [2]time.Time // modification times of the pair now served, or last refused
	checked time.Time
}

// newCertReloader loads the pair once; a pair that does not load is a startup error.
func newCertReloader(certFile, keyFile string, warn func(string, ...any)) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, warn: warn}
	stamp, err := r.stamps()
	if err != nil {
		return nil, fmt.Errorf("config: api_tls_cert/api_tls_key: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("config: api_tls_cert/api_tls_key: %w", err)
	}
	r.cert, r.stamp, r.checked = &cert, stamp, time.Now()
	return r, nil
}

func (r *certReloader) stamps() ([2]time.Time, error) {
	var s [2]time.Time
	for i, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return s, err
		}
		s[i] = fi.ModTime()
	}
	return s, nil
}

// getCertificate is tls.Config.GetCertificate.
func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= certRecheck {
		r.checked = now
		if stamp, err := r.stamps(); err == nil && stamp != r.stamp {
			r.stamp = stamp
			if cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile); err != nil {
				r.warn("api TLS certificate changed but does not load; still serving the previous one", "cert", r.certFile, "err", err)
			} else {
				r.cert = &cert
			}
		}
	}
	return r.cert, nil
}

// apiTLS returns the API listener's TLS configuration, or nil for plain HTTP. Clients
// authenticate with SigV4, not certificates, as with AWS; TLS 1.2 is the floor AWS endpoints
// keep.
func apiTLS(c Config, warn func(string, ...any)) (*tls.Config, error) {
	if c.APITLSCert == "" {
		return nil, nil
	}
	r, err := newCertReloader(c.APITLSCert, c.APITLSKey, warn)
	if err != nil {
		return nil, err
	}
	return &tls.Config{GetCertificate: r.getCertificate, MinVersion: tls.VersionTLS12}, nil
}
