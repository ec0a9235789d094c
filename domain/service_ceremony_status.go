package domain

import (
	"encoding/hex"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// DomainStatus is what `keyholdctl domain status` shows: the domain record (no key material: the
// wrapped domain keys are left out, their versions listed), its record hash (what an
// export-token proposal names), open proposals and the re-wrap progress.
type DomainStatus struct {
	DomainID    string                      `json:"domain_id"`
	Epoch       uint64                      `json:"epoch"`
	RecordHash  string                      `json:"record_hash"`
	CurrentDK   uint32                      `json:"current_dk"`
	DKVersions  []ceremony.DomainKeyVersion `json:"dk_versions"`
	Operators   []ceremony.Operator         `json:"operators"`
	Quorum      int                         `json:"quorum"`
	Rules       ceremony.QuorumRules        `json:"rules"`
	Members     []MemberStatus              `json:"members"`
	Open        int                         `json:"open_proposals"`
	Rewrap      RewrapProgress              `json:"rewrap"`
	Initialised bool                        `json:"initialised"`
	// LastExecutionFailure is why this node (the leader) last failed to execute an approved
	// proposal; nil if it has not, or the proposal has since executed.
	LastExecutionFailure *ExecutionFailure `json:"last_execution_failure,omitempty"`
}

// MemberStatus is a member as the status shows it.
type MemberStatus struct {
	NodeID      string   `json:"node_id"`
	Address     string   `json:"address"`
	IdentityKey []byte   `json:"identity_key"`
	WrappedDKs  []uint32 `json:"wrapped_dk_versions"`
}

// Status returns the domain status; Initialised is false before the domain exists.
func (s *Service) Status() DomainStatus {
	var st DomainStatus
	s.st.View(func(v *View) {
		st.Open = v.s.proposals.open()
		d := v.Domain()
		if d == nil {
			return
		}
		h := ceremony.RecordHash(d)
		st.Initialised = true
		st.DomainID, st.Epoch, st.RecordHash = d.ID, d.Epoch, hex.EncodeToString(h[:])
		st.CurrentDK, st.Quorum, st.Rules = d.CurrentDK, d.Quorum, d.Rules
		st.DKVersions = append([]ceremony.DomainKeyVersion(nil), d.DKVersions...)
		st.Operators = append([]ceremony.Operator(nil), d.Operators...)
		for _, m := range d.Members {
			ms := MemberStatus{NodeID: m.NodeID, Address: m.Address, IdentityKey: m.IdentityKey}
			for _, w := range m.WrappedDKs {
				ms.WrappedDKs = append(ms.WrappedDKs, w.Version)
			}
			st.Members = append(st.Members, ms)
		}
	})
	st.Rewrap = s.RewrapStatus()
	st.LastExecutionFailure = s.execFail.get()
	return st
}
