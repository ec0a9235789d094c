package devcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ReadyTimeout bounds each wait of a starting dev cluster: for a node's /readyz, and for every
// node to vote.
const ReadyTimeout = 90 * time.Second

// NodeInfo is one entry of dir/nodes.json, which `keyhold dev --nodes N` writes once its
// children run, for the tools and tests that drive them.
type NodeInfo struct {
	ID       string `json:"id"`
	APIURL   string `json:"api_url"`
	OpsURL   string `json:"ops_url"`
	RaftAddr string `json:"raft_addr"`
	Config   string `json:"config"`
	PID      int    `json:"pid"`
}

// ConfigPath is where node id's config file lies in a dev directory.
func ConfigPath(dir, id string) string { return filepath.Join(dir, id+".json") }

// AddPort adds off to the port of host:port.
func AddPort(addr string, off int) (string, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n+off > 65535 {
		return "", fmt.Errorf("address %q: bad port", addr)
	}
	return net.JoinHostPort(h, strconv.Itoa(n+off)), nil
}

// JoinPeers is node i's join list: the raft addresses of all the other nodes, so that it can
// join through whichever of them is up.
func JoinPeers(raftAddrs []string, i int) string {
	var peers []string
	for j, a := range raftAddrs {
		if j != i {
			peers = append(peers, a)
		}
	}
	return strings.Join(peers, ",")
}

// WaitReady polls a node's /readyz until it answers 200.
func WaitReady(ctx context.Context, ops string) error {
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ops+"/readyz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := pause(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// WaitVoters polls the first node's /v1/cluster/status until every node is a raft voter.
func WaitVoters(ctx context.Context, infos []NodeInfo) error {
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	for {
		// Only the field this wait needs of the node's status document.
		var st struct {
			Voters []struct {
				ID   string `json:"id"`
				Addr string `json:"addr"`
			} `json:"voters"`
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, infos[0].OpsURL+"/v1/cluster/status", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if err == nil && len(st.Voters) == len(infos) {
				return nil
			}
		}
		if err := pause(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for every node to become a raft voter (voters now: %v): %w", st.Voters, err)
		}
	}
}

// pause waits d, or returns ctx's error first. It paces polls; it is not synchronisation.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// PrintClusterTour tells the user how to reach a running dev cluster.
func PrintClusterTour(w io.Writer, dir string, infos []NodeInfo) {
	fmt.Fprintf(w, "\nkeyhold dev is running a %d-node cluster (raft over mutual TLS), state in %s/\n", len(infos), dir)
	for _, in := range infos {
		fmt.Fprintf(w, "  %-6s API %s  ops %s  pid %d\n", in.ID, in.APIURL, in.OpsURL, in.PID)
	}
	fmt.Fprintf(w, `
In another shell:
  source %s/env
  aws --endpoint-url %s kms create-key --description demo
  aws --endpoint-url %s kms list-keys
  curl -s %s/v1/cluster/status

Nodes are listed in %s/nodes.json. Stop with Ctrl-C; running it again reuses the cluster.
`, dir, infos[0].APIURL, infos[len(infos)-1].APIURL, infos[0].OpsURL, dir)
}
