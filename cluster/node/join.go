package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/keyhold/keyhold/cluster"
	"github.com/keyhold/keyhold/hsm"
)

// A new node starts with join set and no raft state. It is not in the raft configuration, so raft
// sends it nothing. It asks a peer for the current domain key's label; if its HSM lacks that key,
// it asks the leader to add it as a raft non-voter, which the leader does only if the replicated
// domain record lists the node as a member (an approved admit-node ceremony put it there, with its
// HSM identity key and the domain keys wrapped to it). As a non-voter it receives the log, and
// with it its wrapped domain keys, which ceremonyJobs installs into its HSM (SyncDomainKeys).
// Then it sends the leader a join request with a proof made by its HSM under the current domain
// key; the leader checks the membership again, verifies the proof with its own copy of the
// domain key and makes the node a voter (peerJoin). Until then the node retries every joinRetry
// and reports why in /v1/cluster/status (join_status).

const joinRetry = time.Second

// joinState is what /v1/cluster/status says about joining.
type joinState struct {
	mu     sync.Mutex
	status string
}

func (j *joinState) set(s string) {
	j.mu.Lock()
	j.status = s
	j.mu.Unlock()
}

func (j *joinState) get() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.status
}

// isVoter reports whether this node is in the raft configuration as a voter.
func (n *Node) isVoter() bool {
	return slices.ContainsFunc(n.raft.Status().Voters, func(s cluster.Server) bool { return s.ID == n.cfg.NodeID })
}

// joinLoop runs until this node is a voter or ctx ends.
func (n *Node) joinLoop(ctx context.Context) {
	peers := joinPeers(n.cfg.Join)
	for {
		if n.isVoter() {
			n.join.set("voter")
			return
		}
		err := n.tryJoin(ctx, peers)
		switch {
		case err == nil:
			n.join.set("added as a voter; catching up")
		default:
			n.join.set(err.Error())
			n.log.Info("not a voter yet", "reason", err)
		}
		if pause(ctx, joinRetry) != nil {
			return
		}
	}
}

// tryJoin asks each peer in turn (following a not-leader answer to the leader).
func (n *Node) tryJoin(ctx context.Context, peers []string) error {
	var last error = errors.New("no join peers configured")
	for _, p := range peers {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := n.joinVia(cctx, p)
		cancel()
		if err == nil {
			return nil
		}
		last = err
		var pe *peerError
		if errors.As(err, &pe) && pe.Code == peerCodeRefused || errors.Is(err, errNonvoter) {
			return err // the leader answered; another peer would say the same
		}
	}
	return last
}

func (n *Node) joinVia(ctx context.Context, peer string) error {
	var dk domainKeyResponse
	if err := n.peerCall(ctx, peer, http.MethodGet, peerPathDomainKey, nil, &dk); err != nil {
		return fmt.Errorf("asking %s for the domain key: %w", peer, err)
	}
	// The leader that admitted this node will connect to send it the log before this node has
	// a domain record to recognise it by: trust the member set this join peer reports.
	n.trust.learn(dk.Members)
	req := joinRequest{NodeID: n.cfg.NodeID, RaftAddr: n.raft.Addr(), DKVersion: dk.Version, At: time.Now().Unix()}
	key, err := n.tok.FindAESKey(dk.Label)
	switch {
	case errors.Is(err, hsm.ErrKeyNotFound):
		// No proof: a request to receive the log as a non-voter, granted to members only.
		if err := n.sendJoin(ctx, peer, req); err != nil {
			return err
		}
		return fmt.Errorf("%w: installing domain key version %d (%s) from the domain record", errNonvoter, dk.Version, dk.Label)
	case err != nil:
		return err
	}
	if req.Proof, err = key.Encrypt(joinProofText(req.NodeID, req.RaftAddr, req.At), joinProofAAD); err != nil {
		return fmt.Errorf("making the join proof: %w", err)
	}
	return n.sendJoin(ctx, peer, req)
}

// errNonvoter says the node is a raft non-voter waiting for its domain keys.
var errNonvoter = errors.New("admitted to the domain, a raft non-voter")

// sendJoin sends req to the leader, found through peer.
func (n *Node) sendJoin(ctx context.Context, peer string, req joinRequest) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	target := peer
	for range 3 {
		err = n.peerCall(ctx, target, http.MethodPost, peerPathJoin, body, nil)
		var pe *peerError
		if errors.As(err, &pe) && pe.Code == peerCodeNotLeader && pe.LeaderAddr != "" {
			target = pe.LeaderAddr
			continue
		}
		return err
	}
	return err
}
