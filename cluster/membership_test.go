package cluster

import (
	"slices"
	"testing"
)

func serverIDs(ss []Server) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

// A non-voter receives the log without voting; AddVoter promotes it; AddNonvoter never demotes a
// voter; RemoveServer takes it out of the configuration.
func TestNonvoterLifecycle(t *testing.T) {
	c := newTestCluster(t, 1, nil)
	leader := c.nodes[0]
	c.set(leader, "a", "1")
	c.nodes = append(c.nodes, &testNode{cfg: testConfig(t, "n1", c.logs)})
	c.start(1)
	nv := c.nodes[1]
	if err := leader.node.AddNonvoter(c.ctx(), "n1", nv.node.Addr()); err != nil {
		t.Fatalf("AddNonvoter: %v", err)
	}
	c.waitFor("the non-voter to apply the log", func() bool { return nv.sm.get("a") == "1" })
	st := leader.node.Status()
	if got := serverIDs(st.Voters); !slices.Equal(got, []string{"n0"}) {
		t.Fatalf("voters: got %v, want [n0]", got)
	}
	if got := serverIDs(st.Nonvoters); !slices.Equal(got, []string{"n1"}) {
		t.Fatalf("non-voters: got %v, want [n1]", got)
	}
	if err := leader.node.AddVoter(c.ctx(), "n1", nv.node.Addr()); err != nil {
		t.Fatalf("AddVoter: %v", err)
	}
	if err := leader.node.AddNonvoter(c.ctx(), "n1", nv.node.Addr()); err != nil {
		t.Fatalf("AddNonvoter on a voter: %v", err)
	}
	st = leader.node.Status()
	if got := serverIDs(st.Voters); !slices.Equal(got, []string{"n0", "n1"}) || len(st.Nonvoters) != 0 {
		t.Fatalf("after promotion: voters %v, non-voters %v; want [n0 n1] and none", got, serverIDs(st.Nonvoters))
	}
	if err := leader.node.RemoveServer(c.ctx(), "n1"); err != nil {
		t.Fatalf("RemoveServer: %v", err)
	}
	if got := serverIDs(leader.node.Status().Voters); !slices.Equal(got, []string{"n0"}) {
		t.Fatalf("after RemoveServer: voters %v, want [n0]", got)
	}
}
