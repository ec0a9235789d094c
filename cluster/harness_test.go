package cluster

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// testTimeout bounds every wait in the harness; reaching it is a test failure, not a timing
// assertion.
const testTimeout = 20 * time.Second

// testCluster runs real raft nodes on 127.0.0.1 with real TCP, each with its own DataDir and kv
// state machine.
type testCluster struct {
	t     testing.TB
	nodes []*testNode
	logs  *syncBuffer
}

type testNode struct {
	cfg  Config
	node *Node // nil while killed
	sm   *kv
}

// syncBuffer collects raft logs for the whole cluster; they are printed only if the test fails.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testConfig is a node config with timeouts short enough for loopback under -race.
func testConfig(t testing.TB, id string, logs *syncBuffer) Config {
	return Config{
		NodeID:             id,
		DataDir:            filepath.Join(t.TempDir(), id),
		BindAddr:           clustertest.FreePort(t), // outside the ephemeral range: kill and start reuse it
		HeartbeatTimeout:   300 * time.Millisecond,
		ElectionTimeout:    300 * time.Millisecond,
		LeaderLeaseTimeout: 150 * time.Millisecond,
		CommitTimeout:      5 * time.Millisecond,
		Logger:             slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})).With("node", id),
	}
}

// newTestCluster starts n nodes: node 0 bootstraps, the others join through AddVoter, and it
// returns once every node has applied the final configuration. tweak, if not nil, edits each
// node's config before it starts.
func newTestCluster(t testing.TB, n int, tweak func(i int, c *Config)) *testCluster {
	t.Helper()
	c := &testCluster{t: t, logs: &syncBuffer{}}
	t.Cleanup(func() {
		c.closeAll()
		if t.Failed() {
			t.Logf("raft logs:\n%s", c.logs.String())
		}
	})
	for i := range n {
		cfg := testConfig(t, fmt.Sprintf("n%d", i), c.logs)
		cfg.Bootstrap = i == 0
		if tweak != nil {
			tweak(i, &cfg)
		}
		c.nodes = append(c.nodes, &testNode{cfg: cfg})
		c.start(i)
	}
	// Only node 0 is a voter until the AddVoters below, so wait for it alone.
	leader := c.nodes[0]
	c.waitFor("n0 to lead", leader.node.IsLeader)
	for _, tn := range c.nodes[1:] {
		if err := leader.node.AddVoter(c.ctx(), tn.cfg.NodeID, tn.node.Addr()); err != nil {
			t.Fatalf("AddVoter(%s): %v", tn.cfg.NodeID, err)
		}
	}
	c.waitConverged()
	return c
}

func (c *testCluster) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	c.t.Cleanup(cancel)
	return ctx
}

// start opens node i on its DataDir with a fresh state machine. After the first start the node
// keeps the address it was given, as peers know it by that.
func (c *testCluster) start(i int) {
	c.t.Helper()
	tn := c.nodes[i]
	tn.sm = newKV()
	n, err := Open(tn.cfg, tn.sm)
	if err != nil {
		c.t.Fatalf("Open(%s): %v", tn.cfg.NodeID, err)
	}
	tn.node = n
	tn.cfg.BindAddr = n.Addr()
}

// kill stops node i (graceful raft shutdown, in-process).
func (c *testCluster) kill(i int) {
	c.t.Helper()
	if err := c.nodes[i].node.Close(); err != nil {
		c.t.Fatalf("Close(%s): %v", c.nodes[i].cfg.NodeID, err)
	}
	c.nodes[i].node = nil
}

func (c *testCluster) closeAll() {
	for _, tn := range c.nodes {
		if tn.node != nil {
			if err := tn.node.Close(); err != nil {
				c.t.Errorf("Close(%s): %v", tn.cfg.NodeID, err)
			}
			tn.node = nil
		}
	}
}

// waitFor polls cond until it holds, failing the test after testTimeout.
func (c *testCluster) waitFor(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(testTimeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for ; time.Now().Before(deadline); <-tick.C {
		if cond() {
			return
		}
	}
	c.t.Fatalf("timed out after %v waiting for %s", testTimeout, what)
}

// leader polls until exactly one running node is leader and every running node names it.
func (c *testCluster) leader() *testNode {
	c.t.Helper()
	deadline := time.Now().Add(testTimeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for ; time.Now().Before(deadline); <-tick.C {
		var leader *testNode
		agreed := true
		for _, tn := range c.nodes {
			if tn.node == nil {
				continue
			}
			if tn.node.IsLeader() {
				if leader != nil {
					agreed = false
				}
				leader = tn
			}
		}
		if leader != nil && agreed {
			for _, tn := range c.nodes {
				if tn.node != nil && tn.node.Status().LeaderID != leader.cfg.NodeID {
					agreed = false
				}
			}
			if agreed {
				return leader
			}
		}
	}
	c.t.Fatalf("no leader within %v", testTimeout)
	return nil
}

// followers returns the running nodes that are not leader.
func (c *testCluster) followers(leader *testNode) []*testNode {
	var out []*testNode
	for _, tn := range c.nodes {
		if tn.node != nil && tn != leader {
			out = append(out, tn)
		}
	}
	return out
}

// waitConverged waits until every running node has applied the leader's commit index.
func (c *testCluster) waitConverged() {
	c.t.Helper()
	leader := c.leader()
	idx := leader.node.Status().CommitIndex
	for _, tn := range c.nodes {
		if tn.node == nil {
			continue
		}
		if err := tn.node.WaitForApplied(c.ctx(), idx); err != nil {
			c.t.Fatalf("%s WaitForApplied(%d): %v (status %+v)", tn.cfg.NodeID, idx, err, tn.node.Status())
		}
	}
}

// set applies key=value through node tn and returns the previous value.
func (c *testCluster) set(tn *testNode, k, v string) string {
	c.t.Helper()
	res, err := tn.node.Apply(c.ctx(), setCmd(k, v))
	if err != nil {
		c.t.Fatalf("Apply(%s=%s) on %s: %v", k, v, tn.cfg.NodeID, err)
	}
	prev, ok := res.(string)
	if !ok {
		c.t.Fatalf("Apply result: got %T, want string", res)
	}
	return prev
}
