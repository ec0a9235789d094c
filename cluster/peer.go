package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// The peer API shares the raft port: a peer-API connection starts with a marker byte (see
// peerMarker), then carries plain HTTP/1.1 inside the same mutual TLS that protects raft, so every
// caller holds a certificate from the cluster CA. keyhold uses it to forward writes to the leader,
// to ask the leader for a read index, and for joins.

// Bounds of one peer-API request: reading it, and answering it (which includes waiting for a
// forwarded proposal to commit).
const (
	peerReadTimeout  = 30 * time.Second
	peerWriteTimeout = 2 * time.Minute
)

// PeerScheme is the URL scheme of PeerClient requests: "http", because TLS is already done by the
// connection PeerClient dials. URLs look like http://<raft address>/path.
const PeerScheme = "http"

// startPeers serves Config.Peer on the peer connections until Close.
func (n *Node) startPeers() {
	l := &chanListener{d: n.demux, ch: n.demux.peerCh}
	if n.cfg.Peer == nil {
		// Nobody to answer: refuse peer connections instead of leaving them hanging.
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		return
	}
	n.peerSrv = &http.Server{
		Handler:           n.cfg.Peer,
		ReadHeaderTimeout: handshakeTimeout,
		// Peer requests and responses are small (a raft command, a wrapped key): a peer that
		// trickles them is cut off rather than holding the connection.
		ReadTimeout:    peerReadTimeout,
		WriteTimeout:   peerWriteTimeout,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 16 << 10,
		ErrorLog:       slog.NewLogLogger(n.cfg.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		err := n.peerSrv.Serve(l)
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			n.cfg.Logger.Warn("cluster: peer server stopped", "err", err)
		}
	}()
}

// PeerClient returns an HTTP client whose connections go to peers' raft addresses through the
// cluster's transport (mutual TLS unless Config.TLS is nil). Request URLs are
// PeerScheme://<raft address>/<path>. The client is shared and safe for concurrent use; it keeps
// idle connections to each peer so forwarded writes do not pay a handshake each.
func (n *Node) PeerClient() *http.Client { return n.peers }

func newPeerClient(d *demux) *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			c, err := d.dial(ctx, addr)
			if err != nil {
				return nil, err
			}
			_ = c.SetWriteDeadline(time.Now().Add(handshakeTimeout))
			if _, err := c.Write([]byte{peerMarker}); err != nil {
				c.Close()
				return nil, fmt.Errorf("cluster: peer %s: %w", addr, err)
			}
			_ = c.SetWriteDeadline(time.Time{})
			return c, nil
		},
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ForceAttemptHTTP2:     false,
	}
	return &http.Client{Transport: tr}
}
