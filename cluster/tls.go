package cluster

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// handshakeTimeout bounds a TLS handshake in either direction, so a peer that connects and
// stalls cannot pin a goroutine and a file descriptor forever.
const handshakeTimeout = 10 * time.Second

// tlsStreamLayer is raft's transport layer over mutual TLS. Both directions verify the peer:
// the listener requires a client certificate chaining to ClientCAs, the dialer verifies the
// server against RootCAs and the dialled host (an IP SAN or DNS name in the peer's certificate).
type tlsStreamLayer struct {
	ln        net.Listener // plain TCP; Accept wraps each conn
	advertise net.Addr
	conf      *tls.Config
}

var _ raft.StreamLayer = (*tlsStreamLayer)(nil)

// mtlsConfig clones c and enforces what raft traffic needs whatever the caller set.
func mtlsConfig(c *tls.Config) *tls.Config {
	c = c.Clone()
	c.ClientAuth = tls.RequireAndVerifyClientCert
	if c.MinVersion < tls.VersionTLS13 {
		// Both ends are keyhold, so there is no old peer to accommodate.
		c.MinVersion = tls.VersionTLS13
	}
	return c
}

func newTLSStreamLayer(ln net.Listener, advertise net.Addr, c *tls.Config) *tlsStreamLayer {
	return &tlsStreamLayer{ln: ln, advertise: advertise, conf: mtlsConfig(c)}
}

// Accept returns the next connection without handshaking: raft's accept loop is serial, so a
// slow handshake here would block every other peer. The handshake runs, bounded, on first use.
func (s *tlsStreamLayer) Accept() (net.Conn, error) {
	c, err := s.ln.Accept()
	if err != nil {
		return nil, err
	}
	return &lazyTLSConn{Conn: tls.Server(c, s.conf)}, nil
}

func (s *tlsStreamLayer) Close() error { return s.ln.Close() }

func (s *tlsStreamLayer) Addr() net.Addr {
	if s.advertise != nil {
		return s.advertise
	}
	return s.ln.Addr()
}

// Dial connects and completes the handshake within timeout, so a peer with the wrong CA fails
// here with a TLS error rather than later as a mysterious decode error.
func (s *tlsStreamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = handshakeTimeout
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: timeout}, Config: s.conf}
	ctx, cancel := context.WithTimeout(context.Background(), min(timeout, handshakeTimeout))
	defer cancel()
	return d.DialContext(ctx, "tcp", string(addr))
}

// lazyTLSConn performs the server-side handshake, with a deadline, before the first Read or
// Write.
type lazyTLSConn struct {
	*tls.Conn
	once sync.Once
	err  error
}

func (c *lazyTLSConn) handshake() error {
	c.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
		defer cancel()
		c.err = c.HandshakeContext(ctx)
	})
	return c.err
}

func (c *lazyTLSConn) Read(p []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *lazyTLSConn) Write(p []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}
