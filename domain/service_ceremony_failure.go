package domain

import (
	"sync"
	"time"
)

// ExecutionFailure is the last failed attempt of this node to execute an approved ceremony: the
// leader retries every second, and without this the reason (a missing SO PIN, an HSM that
// refuses a wrap) would be only in its log. It is the leader's memory, not replicated: the status
// of another node, or of a restarted leader, does not have it.
type ExecutionFailure struct {
	ProposalID string    `json:"proposal_id"`
	Kind       string    `json:"kind"`
	Error      string    `json:"error"`
	At         time.Time `json:"at"`
}

// execFailures holds the last ExecutionFailure; a later success of the same proposal clears it.
type execFailures struct {
	mu   sync.Mutex
	last *ExecutionFailure
}

func (f *execFailures) record(r *ProposalRecord, err error, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = &ExecutionFailure{ProposalID: r.ID, Kind: r.Kind.String(), Error: err.Error(), At: at}
}

func (f *execFailures) clear(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last != nil && f.last.ProposalID == id {
		f.last = nil
	}
}

func (f *execFailures) get() *ExecutionFailure {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last == nil {
		return nil
	}
	c := *f.last
	return &c
}
