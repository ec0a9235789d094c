package main

import (
	"errors"
	"io"

	"github.com/keyhold/keyhold/cluster"
	"github.com/keyhold/keyhold/domain"
)

// fsm is the raft state machine: a thin shell over domain.State, so the same Apply replays a
// domain token offline.
type fsm struct{ st *domain.State }

func (f fsm) Apply(_ uint64, cmd []byte) any {
	if err := f.st.Apply(cmd); err != nil {
		return err
	}
	return nil
}

func (f fsm) Snapshot() (cluster.Snapshot, error) { return fsmSnapshot{f.st.Snapshot()}, nil }

func (f fsm) Restore(r io.Reader) error { return f.st.Restore(r) }

type fsmSnapshot struct{ sn *domain.Snapshot }

func (s fsmSnapshot) Persist(w io.Writer) error {
	_, err := s.sn.WriteTo(w)
	return err
}

func (s fsmSnapshot) Release() {}

// errNotReady explains why /readyz is failing.
var errNotReady = errors.New("keyhold: not ready")
