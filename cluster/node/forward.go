package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/keyhold/keyhold/cluster"
	"github.com/keyhold/keyhold/domain"
)

// Writes reach the leader from any node. A node that is not the leader sends the encoded command
// to the leader's peer API, which applies it and answers with the commit index and the
// StateMachine's result; the node then waits until its own replica has applied that index, so the
// caller reads its own write on this node as soon as the call returns.
//
// Retries: a not-leader answer means nothing was proposed; an unknown outcome (leadership lost,
// timeout, a connection cut mid-request) may have committed. Every domain command is idempotent
// (domain/DESIGN.md), so both are retried, against whoever leads now, until ctx ends.

const (
	// defaultWriteTimeout bounds a write when its context has no deadline.
	defaultWriteTimeout = 15 * time.Second
	retryMin            = 10 * time.Millisecond
	retryMax            = 250 * time.Millisecond
)

// forwardingProposer is the domain.Proposer of a cluster node.
type forwardingProposer struct{ n *Node }

func (p forwardingProposer) Propose(ctx context.Context, cmd []byte) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultWriteTimeout)
		defer cancel()
	}
	var last error
	for wait := retryMin; ; wait = min(2*wait, retryMax) {
		res, _, err := p.n.raft.ApplyIndex(ctx, cmd)
		if err == nil {
			return resultError(res)
		}
		var nl *cluster.NotLeaderError
		switch {
		case errors.As(err, &nl) && nl.LeaderAddr != "":
			idx, rerr, ferr := p.n.forward(ctx, nl.LeaderAddr, cmd)
			if ferr == nil {
				if err := p.n.raft.WaitForApplied(ctx, idx); err != nil {
					return fmt.Errorf("keyhold: committed at index %d but not yet applied here: %w", idx, err)
				}
				return rerr
			}
			if err := refusedByLeader(ferr); err != nil {
				return err // nothing was proposed, and retrying would be refused again
			}
			last = ferr
		case errors.Is(err, cluster.ErrNotLeader), errors.Is(err, cluster.ErrLeadershipLost):
			last = err // an election is running, or this node just lost it: retry
		default:
			return err
		}
		if err := pause(ctx, wait); err != nil {
			return fmt.Errorf("keyhold: no leader accepted the write before the deadline: %w", last)
		}
	}
}

// refusedByLeader turns a leader's refusal of a forwarded command (it failed
// domain.ValidateForwarded, or this node's certificate is not a member's) into the error the
// caller gets; other failures give nil and are retried.
func refusedByLeader(ferr error) error {
	var pe *peerError
	if !errors.As(ferr, &pe) {
		return nil
	}
	switch pe.Code {
	case peerCodeBad:
		// The leader's message names the rule (domain.ValidateForwarded), never the command.
		return &domain.Error{Kind: domain.ErrValidation, Msg: "the leader refused the command: " + pe.Message}
	case peerCodeRefused:
		return &domain.Error{Kind: domain.ErrDependency, Msg: "the leader refused this node: a dependency of the key service is unavailable", Cause: ferr}
	}
	return nil
}

// resultError extracts the StateMachine's error from an Apply result.
func resultError(res any) error {
	if e, ok := res.(error); ok {
		return e
	}
	return nil
}

// forward sends cmd to the leader at addr. It returns the commit index and the command's result,
// or ferr when the leader did not answer with one (the caller retries).
func (n *Node) forward(ctx context.Context, addr string, cmd []byte) (idx uint64, result, ferr error) {
	var out proposeResponse
	if err := n.peerCall(ctx, addr, http.MethodPost, peerPathPropose, cmd, &out); err != nil {
		return 0, nil, err
	}
	return out.Index, out.Err.fromWire(), nil
}

// peerCall makes one peer API request to the node at raft address addr and decodes a 2xx JSON
// answer into out (when not nil). A non-2xx answer is returned as *peerError.
func (n *Node) peerCall(ctx context.Context, addr, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, cluster.PeerScheme+"://"+addr+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := n.raft.PeerClient().Do(req)
	if err != nil {
		return fmt.Errorf("keyhold: peer %s: %w", addr, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("keyhold: peer %s: %w", addr, err)
	}
	if resp.StatusCode/100 != 2 {
		pe := &peerError{Code: peerCodeInternal, Message: resp.Status}
		_ = json.Unmarshal(b, pe)
		return pe
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, out)
}

func (e *peerError) Error() string { return "keyhold: peer: " + e.Code + ": " + e.Message }

// pause waits d, or returns ctx's error first. It paces retries; it is not synchronisation.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
