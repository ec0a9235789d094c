package node

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/keyhold/keyhold/api"
	"github.com/keyhold/keyhold/cluster"
	"github.com/keyhold/keyhold/domain"
)

const (
	// maxPeerCommand bounds a forwarded command; domain commands are a few KiB at most.
	maxPeerCommand = 4 << 20
	// joinProofMaxAge bounds how old (or how far in the future) a join proof may be.
	joinProofMaxAge = 5 * time.Minute
)

// joinProofAAD separates join proofs from every other use of the domain key.
var joinProofAAD = []byte("keyhold join proof v1")

// joinProofText is what a joiner's HSM encrypts under the domain key to prove it holds it.
func joinProofText(nodeID, raftAddr string, at int64) []byte {
	return []byte("keyhold-join\x00" + nodeID + "\x00" + raftAddr + "\x00" + strconv.FormatInt(at, 10))
}

// peerHandler serves the peer API, to current members only (requireMember; the raft port's
// VerifyPeer refused anyone else's connection already). Requests wait until the node has
// finished starting: raft accepts peer connections before the service exists.
func (n *Node) peerHandler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range n.peerRoutes() {
		mux.HandleFunc(rt.Method+" "+rt.Path, rt.h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-n.started:
		case <-r.Context().Done():
			return
		}
		n.requireMember(mux).ServeHTTP(w, r)
	})
}

// peerRoute is one route of the peer API. Every one requires a current member's certificate:
// the demux checks it before the connection reaches the peer server (cluster.Config.VerifyPeer)
// and requireMember again on every request.
type peerRoute struct {
	api.Route
	h http.HandlerFunc
}

func (n *Node) peerRoutes() []peerRoute {
	route := func(method, path string, h http.HandlerFunc) peerRoute {
		return peerRoute{api.Route{Listener: "peer", Method: method, Path: path, Auth: api.AuthMember}, h}
	}
	return []peerRoute{
		route("POST", peerPathPropose, n.peerPropose),
		route("POST", peerPathReadIndex, n.peerReadIndex),
		route("GET", peerPathDomainKey, n.peerDomainKey),
		route("POST", peerPathJoin, n.peerJoin),
	}
}

func (n *Node) peerPropose(w http.ResponseWriter, r *http.Request) {
	cmd, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPeerCommand))
	if err != nil || len(cmd) == 0 {
		writePeerError(w, http.StatusBadRequest, peerError{Code: peerCodeBad, Message: "unreadable command"})
		return
	}
	// Nothing from the network reaches the log undecoded: only command types followers
	// forward, each strictly decoded (domain.ValidateForwarded). Apply checks it again.
	if err := domain.ValidateForwarded(cmd); err != nil {
		n.log.Warn("forwarded command refused", "remote", r.RemoteAddr, "bytes", len(cmd), "reason", err)
		writePeerError(w, http.StatusBadRequest, peerError{Code: peerCodeBad, Message: err.Error()})
		return
	}
	res, idx, err := n.raft.ApplyIndex(r.Context(), cmd)
	if err != nil {
		writeClusterError(w, err)
		return
	}
	out := proposeResponse{Index: idx}
	if e, ok := res.(error); ok {
		out.Err = toWire(e)
	}
	writePeerJSON(w, out)
}

func (n *Node) peerReadIndex(w http.ResponseWriter, r *http.Request) {
	idx, err := n.leaderReadIndex(r.Context()) // readindex.go: shared rounds
	if err != nil {
		writeClusterError(w, err)
		return
	}
	writePeerJSON(w, readIndexResponse{Index: idx})
}

func (n *Node) peerDomainKey(w http.ResponseWriter, _ *http.Request) {
	d := n.svc.Domain()
	if d == nil {
		writePeerError(w, http.StatusServiceUnavailable, peerError{Code: peerCodeRefused, Message: "this node has no domain state yet"})
		return
	}
	dk, _ := d.DK(d.CurrentDK)
	// The member set lets a joining node, which has no domain record yet, recognise the
	// leader that will send it the log (peerauth.go).
	writePeerJSON(w, domainKeyResponse{Version: dk.Version, Label: dk.Label, Members: setOf(d)})
}

// peerJoin adds a member of the domain to raft: as a non-voter when the request carries no
// proof (so that it receives the domain record and installs its wrapped domain keys), as a voter
// once it proves that its HSM holds the current domain key. A node the replicated domain record
// does not list as a member is refused either way: only an approved admit-node ceremony puts it
// there, and a domain key reaches an HSM only wrapped to the identity key that ceremony recorded
// (invariant 2).
func (n *Node) peerJoin(w http.ResponseWriter, r *http.Request) {
	var req joinRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil || req.NodeID == "" || req.RaftAddr == "" {
		writePeerError(w, http.StatusBadRequest, peerError{Code: peerCodeBad, Message: "malformed join request"})
		return
	}
	if !n.raft.IsLeader() {
		writeClusterError(w, &cluster.NotLeaderError{LeaderAddr: n.raft.Status().LeaderAddr})
		return
	}
	voter := len(req.Proof) > 0
	err := n.checkMember(req.NodeID, req.RaftAddr)
	if err == nil && r.TLS != nil {
		err = n.checkJoinerCert(req.NodeID, *r.TLS)
	}
	if err == nil && voter {
		err = n.verifyJoin(req)
	}
	if err != nil {
		n.log.Warn("join refused", "node_id", req.NodeID, "raft_addr", req.RaftAddr, "reason", err)
		writePeerError(w, http.StatusForbidden, peerError{Code: peerCodeRefused, Message: err.Error()})
		return
	}
	if voter {
		err = n.raft.AddVoter(r.Context(), req.NodeID, req.RaftAddr)
	} else {
		err = n.raft.AddNonvoter(r.Context(), req.NodeID, req.RaftAddr)
	}
	if err != nil {
		writeClusterError(w, err)
		return
	}
	n.log.Info("member joined raft", "node_id", req.NodeID, "raft_addr", req.RaftAddr, "voter", voter)
	w.WriteHeader(http.StatusNoContent)
}

// checkMember refuses a node the domain record does not list as a member at raftAddr.
func (n *Node) checkMember(nodeID, raftAddr string) error {
	d := n.svc.Domain()
	if d == nil {
		return errors.New("the domain is not initialised")
	}
	for _, m := range d.Members {
		if m.NodeID != nodeID {
			continue
		}
		if m.Address != "" && m.Address != raftAddr {
			return fmt.Errorf("node %s is a member of the domain at %s, not at %s", nodeID, m.Address, raftAddr)
		}
		return nil
	}
	return fmt.Errorf("node %s is not a member of the domain: admit it with an admit-node ceremony first", nodeID)
}

// checkJoinerCert refuses a join request for a member made with another member's certificate:
// a node joins only as itself.
func (n *Node) checkJoinerCert(nodeID string, cs tls.ConnectionState) error {
	m, err := n.peerMemberOf(cs)
	if err != nil {
		return err
	}
	if m.NodeID != nodeID {
		return fmt.Errorf("the certificate is member %s's, not %s's", m.NodeID, nodeID)
	}
	return nil
}

func (n *Node) verifyJoin(req joinRequest) error {
	d := n.svc.Domain()
	if d == nil {
		return errors.New("the domain is not initialised")
	}
	if req.DKVersion != d.CurrentDK {
		return fmt.Errorf("the join proof uses domain key version %d; the current version is %d", req.DKVersion, d.CurrentDK)
	}
	if age := time.Since(time.Unix(req.At, 0)); age > joinProofMaxAge || age < -joinProofMaxAge {
		return errors.New("the join proof is stale: check the clocks")
	}
	dk, err := n.ring.DomainKey(context.Background(), d.CurrentDK)
	if err != nil {
		return errors.New("this node cannot open the current domain key")
	}
	got, err := dk.Decrypt(req.Proof, joinProofAAD)
	if err != nil {
		return fmt.Errorf("node %s cannot prove that its HSM holds domain key version %d", req.NodeID, d.CurrentDK)
	}
	if subtle.ConstantTimeCompare(got, joinProofText(req.NodeID, req.RaftAddr, req.At)) != 1 {
		return errors.New("the join proof was made for another node or address")
	}
	return nil
}

// writeClusterError maps a cluster error to the peer wire: not_leader when nothing was proposed,
// unknown when the outcome is.
func writeClusterError(w http.ResponseWriter, err error) {
	var nl *cluster.NotLeaderError
	switch {
	case errors.As(err, &nl):
		writePeerError(w, http.StatusMisdirectedRequest, peerError{Code: peerCodeNotLeader, Message: err.Error(), LeaderAddr: nl.LeaderAddr})
	case errors.Is(err, cluster.ErrLeadershipLost), errors.Is(err, cluster.ErrTimeout),
		errors.Is(err, cluster.ErrClosed), errors.Is(err, context.Canceled):
		writePeerError(w, http.StatusServiceUnavailable, peerError{Code: peerCodeUnknown, Message: err.Error()})
	default:
		writePeerError(w, http.StatusInternalServerError, peerError{Code: peerCodeInternal, Message: err.Error()})
	}
}

func writePeerError(w http.ResponseWriter, status int, e peerError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(e)
}

func writePeerJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
