package node

import (
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/keyhold/keyhold/domain/ceremony"

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
	// trust is told about every applied or restored domain record (peerauth.go).
	trust *peerTrust
	// selfPin is this node's peer certificate pin (nil without peer TLS).
	selfPin []byte
	// membersChanged, if set, is called when an applied record changed the member set.
	membersChanged func()
}

// newFSM returns the node's state machine and registers its rejection counter. It also loads
// the persisted member set that peer checks fall back on (peerauth.go) and this node's own
// certificate pin, which both exist before raft does.
func (n *Node) newFSM(peerTLS *tls.Config) (*fsm, error) {
	f := &fsm{st: n.state, log: n.log.With("component", "fsm"), trust: &n.trust}
	var err error
	if f.selfPin, err = ownTLSPin(peerTLS); err != nil {
		return nil, err
	}
	if err := n.trust.load(filepath.Join(n.cfg.DataDir, peerMembersFile)); err != nil {
		return nil, err
	}
	if f.selfPin != nil {
		// Operators compare this with the pin an admit-node proposal for this node records.
		n.log.Info("peer TLS certificate pin", "tls_pin", hex.EncodeToString(f.selfPin))
	}
	f.membersChanged = func() {
		select {
		case <-n.started:
			// A removed member loses its open raft connections now, not when they next break.
			// Off the FSM goroutine: closing connections must not delay applying.
			go n.raft.RecheckPeers()
		default:
			// Still starting: the set only catches up with the persisted one (what accepted
			// connections were checked against); a removal committed in the few seconds of a
			// start is caught by the next change or the connection's next break.
		}
	}
	f.halt = func(msg string) {
		f.log.Error(msg)
		os.Exit(exitNewerLog)
	}
	n.metrics.CounterFunc("keyhold_raft_rejected_commands_total",
		"Committed raft commands rejected as undecodable (no state change on any node).",
		func() float64 { return float64(f.rejected.Load()) })
	return f, nil
}

func (f *fsm) Apply(index uint64, cmd []byte) any {
	err := f.st.Apply(cmd)
	f.observe()
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

func (f *fsm) Restore(r io.Reader) error {
	if err := f.st.Restore(r); err != nil {
		return err
	}
	f.observe()
	return nil
}

// observe hands the applied domain record to the peer trust, which persists its member set
// when a ceremony changed it.
func (f *fsm) observe() {
	var d *ceremony.Domain
	f.st.View(func(v *domain.View) { d = v.Domain() })
	if f.trust.observe(d, f.log.Warn) && f.membersChanged != nil {
		f.membersChanged()
	}
}

type fsmSnapshot struct{ sn *domain.Snapshot }

func (s fsmSnapshot) Persist(w io.Writer) error {
	_, err := s.sn.WriteTo(w)
	return err
}

func (s fsmSnapshot) Release() {}

// errNotReady explains why /readyz is failing.
var errNotReady = errors.New("keyhold: not ready")
