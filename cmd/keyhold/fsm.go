package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/keyhold/keyhold/cluster"
	"github.com/keyhold/keyhold/domain"
)

// exitNewerLog is the exit status of a node halted by a command from a newer keyhold.
const exitNewerLog = 3

// fsm is the raft state machine: a thin shell over domain.State, so the same Apply replays a
// domain token offline. It never panics on committed bytes: an undecodable command is rejected
// by domain.State.Apply on every replica alike, and counted here; only a command type from a
// newer keyhold halts the node (halt), because it cannot follow that log and skipping the entry
// would diverge from upgraded peers.
type fsm struct {
	st  *domain.State
	log *slog.Logger
	// rejected counts committed commands rejected as undecodable
	// (keyhold_raft_rejected_commands_total).
	rejected atomic.Uint64
	// halt stops the node; tests replace it.
	halt func(msg string)
}

// newFSM returns the node's state machine and registers its rejection counter.
func (n *node) newFSM() *fsm {
	f := &fsm{st: n.state, log: n.log.With("component", "fsm")}
	f.halt = func(msg string) {
		f.log.Error(msg)
		os.Exit(exitNewerLog)
	}
	n.metrics.CounterFunc("keyhold_raft_rejected_commands_total",
		"Committed raft commands rejected as undecodable (no state change on any node).",
		func() float64 { return float64(f.rejected.Load()) })
	return f
}

func (f *fsm) Apply(index uint64, cmd []byte) any {
	err := f.st.Apply(cmd)
	switch {
	case err == nil:
		return nil
	case domain.NewerCommand(err):
		f.halt(fmt.Sprintf("raft entry %d was written by a newer keyhold version (%v): this node cannot apply it and stops; upgrade this node's keyhold binary and start it again", index, err))
	case domain.RejectedCommand(err):
		f.rejected.Add(1)
		// The reason only, never the command's bytes: they could carry sealed material.
		f.log.Warn("committed command rejected", "index", index, "bytes", len(cmd), "reason", err)
	}
	return err
}

func (f *fsm) Snapshot() (cluster.Snapshot, error) { return fsmSnapshot{f.st.Snapshot()}, nil }

func (f *fsm) Restore(r io.Reader) error { return f.st.Restore(r) }

type fsmSnapshot struct{ sn *domain.Snapshot }

func (s fsmSnapshot) Persist(w io.Writer) error {
	_, err := s.sn.WriteTo(w)
	return err
}

func (s fsmSnapshot) Release() {}

// errNotReady explains why /readyz is failing.
var errNotReady = errors.New("keyhold: not ready")
