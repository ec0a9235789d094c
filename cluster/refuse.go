package cluster

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
)

// refuseBodyMax bounds how much of a refused peer's request is read before answering, so that
// closing the connection does not reset it before the answer arrives.
const refuseBodyMax = 64 << 10

// PeerRefusal is the JSON body of the 403 a node answers a peer-API request with when
// Config.VerifyPeer refuses the connection.
type PeerRefusal struct {
	Code    string `json:"code"` // always "refused"
	Message string `json:"message"`
}

// refuse closes a connection VerifyPeer refused. A raft connection is just closed; a peer-API
// connection first gets a 403 naming the reason, so the dialling node reports something better
// than a reset. The deadline set by route still bounds all of it.
func (d *demux) refuse(c net.Conn, first byte, why error) {
	defer c.Close()
	kind := "raft"
	if first == peerMarker {
		kind = "peer API"
	}
	d.log.Warn("cluster: peer refused", "remote", c.RemoteAddr().String(), "conn", kind, "reason", why)
	if first != peerMarker {
		return
	}
	br := bufio.NewReader(io.LimitReader(c, 2*refuseBodyMax))
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, refuseBodyMax))
	body, _ := json.Marshal(PeerRefusal{Code: "refused", Message: why.Error()})
	_, _ = fmt.Fprintf(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}
