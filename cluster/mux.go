package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// peerMarker is the first byte a node writes on a peer-API connection to the raft port. Raft's
// own connections start with an RPC type byte (0..4 in hashicorp/raft v1.7), so any byte far
// from those tells the two apart.
const peerMarker byte = 0xE7

// handshakeTimeout bounds the TLS handshake and the first byte of an accepted connection, so a
// peer that connects and stalls cannot pin a goroutine and a file descriptor forever.
const handshakeTimeout = 10 * time.Second

// demux owns the raft listener. Each accepted connection is handshaken (with TLS) and sorted by
// its first byte in its own goroutine, so a slow peer never blocks raft's serial accept loop:
// raft connections go to the raft stream layer, peer-API connections to the peer HTTP server.
type demux struct {
	ln        net.Listener
	advertise net.Addr
	tls       *tls.Config // nil: plain TCP
	verify    func(tls.ConnectionState, bool) error
	log       *slog.Logger
	raftCh    chan net.Conn
	peerCh    chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	trackedConns
}

func newDemux(ln net.Listener, advertise net.Addr, conf *tls.Config, verify func(tls.ConnectionState, bool) error, log *slog.Logger) *demux {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &demux{ln: ln, advertise: advertise, raftCh: make(chan net.Conn), peerCh: make(chan net.Conn), done: make(chan struct{}), verify: verify, log: log}
	if conf != nil {
		d.tls = mtlsConfig(conf)
	}
	go d.run()
	return d
}

func (d *demux) run() {
	for {
		c, err := d.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			d.close()
			return
		}
		go d.route(c)
	}
}

// route handshakes c, checks its peer (VerifyPeer) and hands it to raft or to the peer server by
// its first byte. A refused peer reaches neither: raft never decodes a byte it sent.
func (d *demux) route(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(handshakeTimeout))
	var tc *tls.Conn
	if d.tls != nil {
		tc = tls.Server(c, d.tls)
		if err := tc.Handshake(); err != nil {
			c.Close()
			return
		}
		c = tc
	}
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		c.Close()
		return
	}
	if tc != nil && d.verify != nil {
		if err := d.verify(tc.ConnectionState(), false); err != nil {
			d.refuse(c, b[0], err)
			return
		}
	}
	_ = c.SetDeadline(time.Time{})
	ch := d.raftCh
	if b[0] == peerMarker {
		ch = d.peerCh
	} else {
		pc := &prefixConn{Conn: c, first: b[0]}
		c = pc
		if tc != nil && d.verify != nil {
			c = d.track(pc, tc.ConnectionState()) // RecheckPeers may close it later
		}
	}
	select {
	case ch <- c:
	case <-d.done:
		c.Close()
	}
}

func (d *demux) close() error {
	var err error
	d.closeOnce.Do(func() {
		close(d.done)
		err = d.ln.Close()
	})
	return err
}

// dial connects to a peer's raft port, handshaking TLS when configured.
func (d *demux) dial(ctx context.Context, addr string) (net.Conn, error) {
	if d.tls == nil {
		var nd net.Dialer
		return nd.DialContext(ctx, "tcp", addr)
	}
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	td := &tls.Dialer{Config: d.tls}
	c, err := td.DialContext(ctx, "tcp", addr)
	if err != nil || d.verify == nil {
		return c, err
	}
	if err := d.verify(c.(*tls.Conn).ConnectionState(), true); err != nil {
		c.Close()
		d.log.Warn("cluster: dialled peer refused", "addr", addr, "reason", err)
		return nil, fmt.Errorf("cluster: peer %s: %w", addr, err)
	}
	return c, nil
}

// chanListener is a net.Listener fed by the demux.
type chanListener struct {
	d  *demux
	ch chan net.Conn
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.d.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { return l.d.close() }
func (l *chanListener) Addr() net.Addr { return l.d.advertise }

// streamLayer is raft's transport layer over the demux: plain TCP in dev mode, mutual TLS 1.3
// otherwise. Both directions verify the peer: the listener requires a client certificate
// chaining to ClientCAs, the dialer verifies the server against RootCAs and the dialled host.
type streamLayer struct {
	chanListener
}

var _ raft.StreamLayer = (*streamLayer)(nil)

// Dial connects and completes any TLS handshake within timeout, so a peer with the wrong CA
// fails here with a TLS error rather than later as a mysterious decode error.
func (s *streamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = handshakeTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return s.d.dial(ctx, string(addr))
}

// prefixConn gives back the byte the demux read to sort the connection.
type prefixConn struct {
	net.Conn
	first byte
	used  bool
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if !c.used && len(p) > 0 {
		c.used = true
		p[0] = c.first
		return 1, nil
	}
	return c.Conn.Read(p)
}
