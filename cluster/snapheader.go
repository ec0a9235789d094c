package cluster

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Every snapshot this package writes starts with a fixed header (see doc.go) that records the
// log index the StateMachine had applied when the snapshot was taken. Raft's own snapshot
// metadata holds an index too, but the FSM is never told it on Restore, and WaitForApplied needs
// to know exactly which entries the StateMachine's state reflects.
const (
	snapshotVersion1  = 1
	snapshotHeaderLen = 1 + 8
)

// marshalSnapshotHeader encodes the header for a snapshot of state at applied index idx.
func marshalSnapshotHeader(idx uint64) [snapshotHeaderLen]byte {
	var h [snapshotHeaderLen]byte
	h[0] = snapshotVersion1
	binary.BigEndian.PutUint64(h[1:], idx)
	return h
}

// parseSnapshotHeader decodes a header. It accepts exactly snapshotHeaderLen bytes of a known
// version.
func parseSnapshotHeader(h []byte) (uint64, error) {
	if len(h) != snapshotHeaderLen {
		return 0, fmt.Errorf("%w: %d bytes, want %d", ErrSnapshotFormat, len(h), snapshotHeaderLen)
	}
	if h[0] != snapshotVersion1 {
		return 0, fmt.Errorf("%w: unknown version %d", ErrSnapshotFormat, h[0])
	}
	return binary.BigEndian.Uint64(h[1:]), nil
}

// readSnapshotHeader reads and decodes the header at the start of r, leaving r at the payload.
func readSnapshotHeader(r io.Reader) (uint64, error) {
	var h [snapshotHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrSnapshotFormat, err)
	}
	return parseSnapshotHeader(h[:])
}
