package cluster

import (
	"bufio"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// StateMachine is the replicated state. Raft calls Apply, Snapshot and Restore from one goroutine,
// never concurrently with each other; Snapshot.Persist runs concurrently with later Applies.
type StateMachine interface {
	// Apply applies one committed command at log index index and returns its result, which is
	// handed to the proposer when the proposer is this node (and discarded elsewhere).
	//
	// Apply must be deterministic: the same commands in the same order give the same state and
	// results on every node. It must not do I/O, read clocks or draw randomness; everything like
	// that is decided before proposing and carried in cmd. Apply must be idempotent with respect
	// to retried commands (a proposer that lost leadership cannot know whether its command
	// committed, so it retries). Apply must not panic on any bytes: a panic here kills the node,
	// and raft replays the same entry at every restart, so one bad entry would crash-loop every
	// replica. A command it cannot decode must be rejected deterministically (an error result,
	// no state change). Only a command it knows to come from a newer version may stop the
	// process, and must say so. Results that are errors are results, not failures: Node.Apply
	// returns them as its first value.
	Apply(index uint64, cmd []byte) any

	// Snapshot captures the current state. It must be cheap (capture an immutable view or a
	// copy-on-write pointer): Apply is blocked while it runs. Serialising happens in Persist.
	Snapshot() (Snapshot, error)

	// Restore replaces the whole state with the one in r (written by a Snapshot's Persist, maybe
	// on another node). On error the state machine must be left unchanged or unusable, never half
	// restored and in use.
	Restore(r io.Reader) error
}

// Snapshot is a point-in-time view of the state, taken by StateMachine.Snapshot.
type Snapshot interface {
	// Persist writes the state to w. It may run concurrently with Apply.
	Persist(w io.Writer) error
	// Release is called once raft is done with the snapshot, whether or not Persist ran.
	Release()
}

// fsm adapts a StateMachine to raft.BatchingFSM. It tracks the index its state reflects, which
// raft's AppliedIndex does not (raft bumps that when it queues entries for the FSM, not when the
// FSM has applied them).
type fsm struct {
	sm  StateMachine
	cfg *Config

	// applied is the index of the last entry the StateMachine has seen (commands and
	// configuration changes), or the index restored from a snapshot header.
	applied atomic.Uint64
	// restores counts successful Restores, for tests.
	restores atomic.Uint64
	// persisted, if set, is told the size of each snapshot written; set before raft starts.
	persisted func(size int64)

	mu     sync.Mutex
	notify chan struct{} // closed and replaced whenever applied moves
}

// changed returns a channel that is closed the next time applied moves.
func (f *fsm) changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.notify == nil {
		f.notify = make(chan struct{})
	}
	return f.notify
}

// wake releases everyone waiting in changed.
func (f *fsm) wake() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.notify != nil {
		close(f.notify)
		f.notify = nil
	}
}

var _ raft.BatchingFSM = (*fsm)(nil)

// ApplyBatch applies a group of committed entries in order. Raft hands it LogCommand and
// LogConfiguration entries; only commands reach the StateMachine.
func (f *fsm) ApplyBatch(logs []*raft.Log) []any {
	start := time.Now()
	out := make([]any, len(logs))
	for i, l := range logs {
		if l.Type == raft.LogCommand {
			out[i] = f.sm.Apply(l.Index, l.Data)
		}
		// Published per entry so WaitForApplied sees progress inside a large batch.
		f.applied.Store(l.Index)
	}
	f.wake()
	f.cfg.observe(OpApplyBatch, start, nil)
	return out
}

// Apply is raft's one-entry path, used only if batching is off.
func (f *fsm) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// Snapshot runs on raft's FSM goroutine, so applied is exactly the state sm.Snapshot captures.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	s, err := f.sm.Snapshot()
	if err != nil {
		return nil, err
	}
	return &fsmSnapshot{s: s, index: f.applied.Load(), cfg: f.cfg, persisted: f.persisted}, nil
}

// Restore reads the header, hands the payload to the StateMachine and adopts the header's index.
// Raft opened rc and closes it.
func (f *fsm) Restore(rc io.ReadCloser) (err error) {
	start := time.Now()
	defer func() { f.cfg.observe(OpRestore, start, err) }()
	br := bufio.NewReaderSize(rc, 64<<10)
	idx, err := readSnapshotHeader(br)
	if err != nil {
		return err
	}
	if err := f.sm.Restore(br); err != nil {
		return err
	}
	f.applied.Store(idx)
	f.restores.Add(1)
	f.wake()
	return nil
}

type fsmSnapshot struct {
	s     Snapshot
	index uint64
	cfg   *Config
	// persisted, if set, is told the size of each snapshot written (adaptSnapshotThreshold).
	persisted func(size int64)
}

// Persist writes header then payload; on any error the sink is cancelled so raft discards the
// partial file instead of keeping a truncated snapshot.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) (err error) {
	start := time.Now()
	defer func() { s.cfg.observe(OpPersist, start, err) }()
	cw := &countingWriter{w: sink}
	w := bufio.NewWriterSize(cw, 64<<10)
	h := marshalSnapshotHeader(s.index)
	if _, err = w.Write(h[:]); err == nil {
		if err = s.s.Persist(w); err == nil {
			err = w.Flush()
		}
	}
	if err != nil {
		_ = sink.Cancel()
		return err
	}
	if err := sink.Close(); err != nil {
		return err
	}
	if s.persisted != nil {
		s.persisted(cw.n)
	}
	return nil
}

func (s *fsmSnapshot) Release() { s.s.Release() }
