package main

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

// A new node starts with join set and no raft state. It is not a voter, so raft sends it
// nothing; it asks a peer for the current domain key's label, checks that its own HSM holds that
// key (put there by an admission ceremony), and sends the leader a join request with a proof made
// by its HSM. The leader verifies the proof with its own copy of the domain key and adds the node
// as a voter (peerJoin). Until then the node retries every joinRetry and reports why in
// /v1/cluster/status (join_status).

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
func (n *node) isVoter() bool {
	return slices.ContainsFunc(n.raft.Status().Voters, func(s cluster.Server) bool { return s.ID == n.cfg.NodeID })
}

// joinLoop runs until this node is a voter or ctx ends.
func (n *node) joinLoop(ctx context.Context) {
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
func (n *node) tryJoin(ctx context.Context, peers []string) error {
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
		if errors.As(err, &pe) && pe.Code == peerCodeRefused {
			return err // the leader said no; another peer would say the same
		}
	}
	return last
}

func (n *node) joinVia(ctx context.Context, peer string) error {
	var dk domainKeyResponse
	if err := n.peerCall(ctx, peer, http.MethodGet, peerPathDomainKey, nil, &dk); err != nil {
		return fmt.Errorf("asking %s for the domain key: %w", peer, err)
	}
	key, err := n.tok.FindAESKey(dk.Label)
	if errors.Is(err, hsm.ErrKeyNotFound) {
		return fmt.Errorf("waiting for admission: this node's HSM does not hold domain key version %d (%s)", dk.Version, dk.Label)
	} else if err != nil {
		return err
	}
	req := joinRequest{NodeID: n.cfg.NodeID, RaftAddr: n.raft.Addr(), DKVersion: dk.Version, At: time.Now().Unix()}
	if req.Proof, err = key.Encrypt(joinProofText(req.NodeID, req.RaftAddr, req.At), joinProofAAD); err != nil {
		return fmt.Errorf("making the join proof: %w", err)
	}
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
