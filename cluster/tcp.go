package cluster

import (
	"net"
	"time"

	"github.com/hashicorp/raft"
)

// tcpStreamLayer is raft's transport layer over plain TCP (dev mode). It exists beside raft's
// own TCPStreamLayer because Open binds the listener itself, to share that code with TLS.
type tcpStreamLayer struct {
	ln        net.Listener
	advertise net.Addr
}

var _ raft.StreamLayer = (*tcpStreamLayer)(nil)

func (s *tcpStreamLayer) Accept() (net.Conn, error) { return s.ln.Accept() }
func (s *tcpStreamLayer) Close() error              { return s.ln.Close() }
func (s *tcpStreamLayer) Addr() net.Addr            { return s.advertise }

func (s *tcpStreamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("tcp", string(addr), timeout)
}
