package domain

import (
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// ProposalStatus is where a proposal is in its life. The zero value is invalid.
type ProposalStatus uint8

// Proposal statuses.
const (
	ProposalInvalid ProposalStatus = iota
	// ProposalPending: waiting for approvals.
	ProposalPending
	// ProposalApproved: quorum reached; the leader is doing the HSM work (init, admit, rotate).
	ProposalApproved
	// ProposalExecuted: the ceremony changed the domain (or, for export-token, the token exists).
	ProposalExecuted
	// ProposalRejected: enough operators rejected it that the quorum is out of reach.
	ProposalRejected
	// ProposalExpired: its deadline passed before it was executed.
	ProposalExpired
	// ProposalSuperseded: another ceremony changed the domain's epoch first; it can never apply.
	ProposalSuperseded
)

var proposalStatusNames = [...]string{"", "pending", "approved", "executed", "rejected", "expired", "superseded"}

// String returns the status as the CLI prints it.
func (s ProposalStatus) String() string {
	if int(s) < len(proposalStatusNames) {
		return proposalStatusNames[s]
	}
	return "invalid"
}

// ProposalRecord is a proposal as the domain state keeps it: its signed bytes with the valid
// signatures collected so far, and its status.
type ProposalRecord struct {
	ID          string
	Kind        ceremony.ProposalKind
	Epoch       uint64
	Signed      ceremony.SignedProposal
	Status      ProposalStatus
	SubmittedAt time.Time
	UpdatedAt   time.Time
	NotAfter    time.Time
	// Record is, for an executed export-token, the domain record it exports (canonical CBOR).
	Record []byte
	// Delivery is, for an executed create-account, the new account's root credentials sealed
	// to the proposal's Recipient (ceremony.OpenAccountCredentials): only the proposer opens it.
	Delivery []byte `json:",omitempty"`
}

func (r *ProposalRecord) clone() *ProposalRecord {
	c := *r
	c.Signed.Signatures = append([]ceremony.Signature(nil), r.Signed.Signatures...)
	return &c
}

// proposalLog is the state's proposals: by id, and ids in submission order.
type proposalLog struct {
	byID  map[string]*ProposalRecord
	order []string
}

func (l *proposalLog) get(id string) *ProposalRecord {
	if l.byID == nil {
		return nil
	}
	return l.byID[id]
}

func (l *proposalLog) add(r *ProposalRecord) {
	if l.byID == nil {
		l.byID = map[string]*ProposalRecord{}
	}
	l.byID[r.ID] = r
	l.order = append(l.order, r.ID)
	l.prune()
}

// open counts proposals still waiting for approvals or execution.
func (l *proposalLog) open() int {
	n := 0
	for _, r := range l.byID {
		if r.Status == ProposalPending || r.Status == ProposalApproved {
			n++
		}
	}
	return n
}

// prune drops the oldest finished proposals beyond MaxProposalHistory.
func (l *proposalLog) prune() {
	excess := len(l.order) - ceremony.MaxProposalHistory - ceremony.MaxPendingProposals
	if excess <= 0 {
		return
	}
	kept := l.order[:0]
	for _, id := range l.order {
		r := l.byID[id]
		if excess > 0 && r.Status != ProposalPending && r.Status != ProposalApproved {
			delete(l.byID, id)
			excess--
			continue
		}
		kept = append(kept, id)
	}
	l.order = kept
}

// list returns copies of the records in submission order.
func (l *proposalLog) list() []*ProposalRecord {
	out := make([]*ProposalRecord, 0, len(l.order))
	for _, id := range l.order {
		out = append(out, l.byID[id].clone())
	}
	return out
}

// Proposals returns copies of the ceremony proposals in submission order.
func (v *View) Proposals() []*ProposalRecord { return v.s.proposals.list() }

// Proposal returns a copy of the proposal with id, or nil.
func (v *View) Proposal(id string) *ProposalRecord {
	if r := v.s.proposals.get(id); r != nil {
		return r.clone()
	}
	return nil
}
