package node

import (
	"errors"

	"github.com/keyhold/keyhold/domain"
)

// Peer API paths, served on the raft port (cluster.Config.Peer) to other nodes only.
const (
	peerPathPropose   = "/peer/v1/propose"    // POST raw command -> proposeResponse (leader only)
	peerPathReadIndex = "/peer/v1/read-index" // POST -> readIndexResponse (leader only)
	peerPathDomainKey = "/peer/v1/domain-key" // GET -> domainKeyResponse (any member)
	peerPathJoin      = "/peer/v1/join"       // POST joinRequest -> 204 (leader only)
)

// peerError is the body of every non-2xx peer response. Code is one of the peerCode constants;
// LeaderAddr names the leader when Code is peerCodeNotLeader and one is known.
type peerError struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	LeaderAddr string `json:"leader_addr,omitempty"`
}

// Peer error codes.
const (
	peerCodeNotLeader = "not_leader" // nothing was proposed: safe to send to LeaderAddr
	peerCodeUnknown   = "unknown"    // proposed, outcome unknown (leadership lost, timeout)
	peerCodeRefused   = "refused"    // the request is not acceptable (a join without the DK)
	peerCodeBad       = "bad_request"
	peerCodeInternal  = "internal"
)

// proposeResponse is the leader's answer to a forwarded command: the index it was committed at
// and the StateMachine's error for it, if any.
type proposeResponse struct {
	Index uint64     `json:"index"`
	Err   *wireError `json:"err,omitempty"`
}

// readIndexResponse carries an index covering every write acknowledged before the request.
type readIndexResponse struct {
	Index uint64 `json:"index"`
}

// domainKeyResponse names the current domain key version and its HSM label (not secret), and
// the member identities.
type domainKeyResponse struct {
	Version uint32 `json:"version"`
	Label   string `json:"label"`
	// Members is the domain's member set, which a joining node trusts until its own record
	// arrives (peerauth.go).
	Members memberSet `json:"members"`
}

// joinRequest asks the leader to add NodeID, a member of the domain, at RaftAddr to raft: as a
// voter with a Proof, the current domain key's AES-GCM encryption, made by the joiner's HSM, of
// joinProofText(NodeID, RaftAddr, At) (only an HSM that holds the domain key can make it); as a
// non-voter, to receive its wrapped domain keys, without one.
type joinRequest struct {
	NodeID    string `json:"node_id"`
	RaftAddr  string `json:"raft_addr"`
	DKVersion uint32 `json:"dk_version"`
	At        int64  `json:"at"` // unix seconds, bounds replay
	Proof     []byte `json:"proof"`
}

// wireError carries a *domain.Error across the peer API: its kind by the sentinel's text and the
// client-safe message. The log-only Cause never leaves the leader.
type wireError struct {
	Kind string `json:"kind"`
	Msg  string `json:"msg"`
}

// domainKinds is every domain sentinel a forwarded Apply can return: domain.ErrorKinds, so a
// new sentinel crosses the peer wire without an edit here.
var domainKinds = domain.ErrorKinds()

// toWire encodes an Apply result error.
func toWire(err error) *wireError {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) && de.Kind != nil {
		return &wireError{Kind: de.Kind.Error(), Msg: de.Msg}
	}
	return &wireError{Kind: domain.ErrDependency.Error(), Msg: "applying the command failed"}
}

// fromWire rebuilds the *domain.Error; an unknown kind (a newer leader) becomes ErrDependency
// with the message kept.
func (w *wireError) fromWire() error {
	if w == nil {
		return nil
	}
	for _, k := range domainKinds {
		if k.Error() == w.Kind {
			return &domain.Error{Kind: k, Msg: w.Msg}
		}
	}
	return &domain.Error{Kind: domain.ErrDependency, Msg: w.Msg}
}
