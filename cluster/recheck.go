package cluster

import (
	"crypto/tls"
	"sync"
)

// A raft connection is verified once, when accepted, and raft then keeps it as long as it
// works. A member removed from the domain must lose it at once, not when it next breaks, or a
// removed (perhaps compromised) node keeps talking raft, e.g. an AppendEntries in a later term
// that deposes the leader. So the demux keeps every accepted raft connection of a verified peer
// together with its TLS state, and RecheckPeers verifies them all again. Peer-API connections
// need no tracking: keyhold's peer handler verifies every request (they must stay *tls.Conn for
// net/http to expose the TLS state to it).

// trackedConn is an accepted, verified raft connection.
type trackedConn struct {
	*prefixConn
	d     *demux
	state tls.ConnectionState
}

// Close forgets the connection and closes it.
func (c *trackedConn) Close() error {
	c.d.connsMu.Lock()
	delete(c.d.conns, c)
	c.d.connsMu.Unlock()
	return c.prefixConn.Close()
}

// trackedConns is the demux's set of open, verified raft connections.
type trackedConns struct {
	connsMu sync.Mutex
	conns   map[*trackedConn]struct{}
}

func (d *demux) track(c *prefixConn, state tls.ConnectionState) *trackedConn {
	tc := &trackedConn{prefixConn: c, d: d, state: state}
	d.connsMu.Lock()
	if d.conns == nil {
		d.conns = map[*trackedConn]struct{}{}
	}
	d.conns[tc] = struct{}{}
	d.connsMu.Unlock()
	return tc
}

// RecheckPeers runs Config.VerifyPeer again on every open raft connection this node accepted
// and closes each one it now refuses; it returns how many it closed. Call it when the set of
// acceptable peers shrinks (a member was removed). Connections this node dialled are not
// rechecked: raft dials only the servers of its configuration, which a removal updates. Without
// VerifyPeer or TLS it does nothing.
func (n *Node) RecheckPeers() int {
	d := n.demux
	if d.verify == nil {
		return 0
	}
	d.connsMu.Lock()
	open := make([]*trackedConn, 0, len(d.conns))
	for c := range d.conns {
		open = append(open, c)
	}
	d.connsMu.Unlock()
	closed := 0
	for _, c := range open {
		if err := d.verify(c.state, false); err != nil {
			d.log.Warn("cluster: closing a raft connection of a peer no longer accepted", "remote", c.RemoteAddr().String(), "reason", err)
			_ = c.Close()
			closed++
		}
	}
	return closed
}
