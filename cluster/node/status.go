package node

import "github.com/keyhold/keyhold/domain"

// statusReporter answers /v1/cluster/status.
type statusReporter struct{ n *Node }

// clusterStatus is the JSON body of /v1/cluster/status.
type clusterStatus struct {
	NodeID            string `json:"node_id"`
	RaftState         string `json:"raft_state"`
	LeaderID          string `json:"leader_id"`
	LeaderAddr        string `json:"leader_addr"`
	Term              uint64 `json:"term"`
	LastLogIndex      uint64 `json:"last_log_index"`
	CommitIndex       uint64 `json:"commit_index"`
	AppliedIndex      uint64 `json:"applied_index"`
	DomainKeyVersion  uint32 `json:"domain_key_version"`
	DomainInitialised bool   `json:"domain_initialised"`
	Ready             bool   `json:"ready"`
	NotReadyReason    string `json:"not_ready_reason,omitempty"`
	// Freshness (freshness.go): the bound the API serves under, how long ago the replica was last
	// confirmed current (-1: never since start), and the consistency of KMS metadata reads.
	MaxStalenessMS  int64  `json:"max_staleness_ms"`
	ConfirmedAgoMS  int64  `json:"confirmed_ago_ms"`
	ReadConsistency string `json:"read_consistency"`
	// Voters is the raft configuration this node knows; Members the domain's member nodes.
	Voters  []statusServer `json:"voters"`
	Members []string       `json:"members"`
	// JoinStatus says, on a node started with join, whether it is a voter yet and if not why.
	JoinStatus string `json:"join_status,omitempty"`
	// LastSnapshotIndex is the index the newest local snapshot covers.
	LastSnapshotIndex uint64 `json:"last_snapshot_index"`
}

// statusServer is one raft voter.
type statusServer struct {
	ID   string `json:"id"`
	Addr string `json:"addr"`
}

func (s statusReporter) Status() any {
	st := s.n.raft.Status()
	out := clusterStatus{
		NodeID: s.n.cfg.NodeID, RaftState: st.State, LeaderID: st.LeaderID, LeaderAddr: st.LeaderAddr,
		Term: st.Term, LastLogIndex: st.LastLogIndex, CommitIndex: st.CommitIndex, AppliedIndex: st.AppliedIndex,
		LastSnapshotIndex: st.LastSnapshotIndex, JoinStatus: s.n.join.get(),
		Voters: []statusServer{}, Members: []string{},
	}
	for _, v := range st.Voters {
		out.Voters = append(out.Voters, statusServer{ID: v.ID, Addr: v.Addr})
	}
	if d := s.n.svc.Domain(); d != nil {
		out.DomainInitialised, out.DomainKeyVersion = true, d.CurrentDK
		for _, m := range d.Members {
			out.Members = append(out.Members, m.NodeID)
		}
	}
	out.MaxStalenessMS, out.ConfirmedAgoMS, out.ReadConsistency = s.n.fresh.statusFields(s.n.cfg.ReadConsistency)
	if err := s.n.ready(); err != nil {
		out.NotReadyReason = err.Error()
	} else {
		out.Ready = true
	}
	return out
}

func (n *Node) registerMetrics() {
	m := n.metrics
	stats := func() (h, mi, e, en float64) {
		s := n.cache.Stats()
		return float64(s.Hits), float64(s.Misses), float64(s.Evictions), float64(s.Entries)
	}
	m.CounterFunc("keyhold_key_cache_hits_total", "Backing key cache hits (no HSM call).", func() float64 { h, _, _, _ := stats(); return h })
	m.CounterFunc("keyhold_key_cache_misses_total", "Backing key cache misses (one HSM unwrap each).", func() float64 { _, mi, _, _ := stats(); return mi })
	m.CounterFunc("keyhold_key_cache_evictions_total", "Backing keys dropped from the cache and zeroed.", func() float64 { _, _, e, _ := stats(); return e })
	m.GaugeFunc("keyhold_key_cache_entries", "Unwrapped backing keys in memory now.", func() float64 { _, _, _, en := stats(); return en })
	m.GaugeFunc("keyhold_raft_leader", "1 if this node is the raft leader.", func() float64 {
		if n.raft.IsLeader() {
			return 1
		}
		return 0
	})
	m.GaugeFunc("keyhold_raft_term", "Current raft term.", func() float64 { return float64(n.raft.Status().Term) })
	m.GaugeFunc("keyhold_raft_commit_index", "Raft commit index.", func() float64 { return float64(n.raft.Status().CommitIndex) })
	m.GaugeFunc("keyhold_raft_applied_index", "Raft index applied to the state machine.", func() float64 { return float64(n.raft.Status().AppliedIndex) })
	m.GaugeFunc("keyhold_domain_key_version", "Current domain key version.", func() float64 {
		if d := n.svc.Domain(); d != nil {
			return float64(d.CurrentDK)
		}
		return 0
	})
	m.GaugeFunc("keyhold_keys", "KMS keys in the replicated state, in any state.", func() float64 {
		var c int
		n.state.View(func(v *domain.View) { c = v.KeyCount() })
		return float64(c)
	})
}
