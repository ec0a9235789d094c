package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/cluster/devcluster"
)

// runCluster measures writes on an n-node loopback cluster started with `keyhold dev --nodes n`:
// CreateKey throughput (group commit) at each concurrency, callers spread over every node (so
// two thirds of the writes are forwarded to the leader), then the failover time: the leader is
// SIGKILLed while writers keep calling CreateKey on the other nodes, and the time to the first
// acknowledged write is reported.
func runCluster(ctx context.Context, keyholdBin string, n int, levels []int, d time.Duration) error {
	dir, err := os.MkdirTemp("", "keyhold-load-cluster-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	base, err := freeBase(n)
	if err != nil {
		return err
	}
	dev := exec.Command(keyholdBin, "dev", "--nodes", fmt.Sprint(n), "-dir", dir,
		"-api-addr", fmt.Sprintf("127.0.0.1:%d", base), "-ops-addr", fmt.Sprintf("127.0.0.1:%d", base+1),
		"-raft-addr", fmt.Sprintf("127.0.0.1:%d", base+2), "-log-level", "warn")
	out, err := dev.StdoutPipe()
	if err != nil {
		return err
	}
	if err := dev.Start(); err != nil {
		return err
	}
	var nodes []devcluster.NodeInfo
	defer func() {
		for _, nd := range nodes {
			_ = syscall.Kill(nd.PID, syscall.SIGKILL)
		}
		_ = dev.Process.Signal(syscall.SIGTERM)
		_ = dev.Wait()
	}()
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "Nodes are listed in") {
	}
	b, err := os.ReadFile(filepath.Join(dir, "nodes.json"))
	if err != nil {
		return fmt.Errorf("the dev cluster did not start: %w", err)
	}
	var nj struct{ Nodes []devcluster.NodeInfo }
	if err := json.Unmarshal(b, &nj); err != nil {
		return err
	}
	nodes = nj.Nodes
	akid, secret, err := readCreds(filepath.Join(dir, "credentials"))
	if err != nil {
		return err
	}
	maxC := 1
	for _, c := range levels {
		maxC = max(maxC, c)
	}
	clients := make([]*kms.Client, len(nodes))
	for i, nd := range nodes {
		clients[i] = newClient(nd.APIURL, akid, secret, maxC)
	}
	var rr atomic.Uint64
	create := func(ctx context.Context, _ *kms.Client) error {
		_, err := clients[rr.Add(1)%uint64(len(clients))].CreateKey(ctx, &kms.CreateKeyInput{})
		return err
	}
	fmt.Printf("\n%d-node loopback cluster, raft over mutual TLS, CreateKey from callers spread over all nodes\n", n)
	fmt.Printf("%-12s %6s %12s %10s %10s %8s\n", "operation", "conc", "ops/s", "p50", "p99", "errors")
	for _, c := range levels {
		r := measure(ctx, nil, create, c, d)
		fmt.Printf("%-12s %6d %12.0f %10s %10s %8d\n", "CreateKey", c, r.rate(), r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.errors)
	}
	ft, err := failover(ctx, nodes, clients)
	if err != nil {
		return err
	}
	fmt.Printf("failover: leader SIGKILL to first acknowledged CreateKey on a surviving node: %s\n", ft.Round(time.Millisecond))
	return nil
}

// failover kills the leader and times the first successful write through the other nodes.
func failover(ctx context.Context, nodes []devcluster.NodeInfo, clients []*kms.Client) (time.Duration, error) {
	lead := -1
	for i, nd := range nodes {
		var st struct {
			RaftState string `json:"raft_state"`
		}
		resp, err := http.Get(nd.OpsURL + "/v1/cluster/status")
		if err != nil {
			continue
		}
		_ = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if st.RaftState == "Leader" {
			lead = i
		}
	}
	if lead < 0 {
		return 0, fmt.Errorf("no leader found")
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	done := make(chan time.Time, 1)
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	if err := syscall.Kill(nodes[lead].PID, syscall.SIGKILL); err != nil {
		return 0, err
	}
	for i, c := range clients {
		if i == lead {
			continue
		}
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
					_, err := c.CreateKey(cctx, &kms.CreateKeyInput{})
					ccancel()
					if err == nil {
						once.Do(func() { done <- time.Now() })
						return
					}
				}
			}()
		}
	}
	select {
	case t := <-done:
		cancel()
		wg.Wait()
		return t.Sub(start), nil
	case <-ctx.Done():
		wg.Wait()
		return 0, fmt.Errorf("no write succeeded within 60s of the leader's death")
	}
}

// freeBase finds a base port with base+10*i+{0,1,2} free for n nodes.
func freeBase(n int) (int, error) {
	for base := 21000; base < 60000; base += 100 {
		ok := true
		for i := 0; i < n && ok; i++ {
			for j := range 3 {
				ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+10*i+j))
				if err != nil {
					ok = false
					break
				}
				ln.Close()
			}
		}
		if ok {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no free port range")
}
