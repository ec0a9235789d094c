package devcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Run starts `bin serve -config <its config file>` for every node (logs in dir/<id>.log),
// records their pids in nodes and in dir/nodes.json, and waits until every node is ready and
// votes. stop ends the processes (SIGTERM, then waits); it must be called even when err is not
// nil.
func Run(ctx context.Context, bin, dir string, nodes []NodeInfo) (stop func(), err error) {
	var procs []*exec.Cmd
	stop = func() {
		for _, p := range procs {
			_ = p.Process.Signal(syscall.SIGTERM)
		}
		for _, p := range procs {
			_ = p.Wait()
		}
	}
	for i, in := range nodes {
		logf, err := os.OpenFile(filepath.Join(dir, in.ID+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return stop, err
		}
		cmd := exec.Command(bin, "serve", "-config", in.Config)
		cmd.Stdout, cmd.Stderr = logf, logf
		err = cmd.Start()
		logf.Close()
		if err != nil {
			return stop, err
		}
		procs = append(procs, cmd)
		nodes[i].PID = cmd.Process.Pid
	}
	b, _ := json.MarshalIndent(map[string]any{"nodes": nodes}, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "nodes.json"), append(b, '\n'), 0o600); err != nil {
		return stop, err
	}
	for _, in := range nodes {
		if err := WaitReady(ctx, in.OpsURL); err != nil {
			return stop, fmt.Errorf("%s did not become ready (see %s/%s.log): %w", in.ID, dir, in.ID, err)
		}
	}
	// Ready means serving; a joining member is ready as a raft non-voter already. The cluster is
	// up once every node votes, so that losing any one keeps a quorum.
	return stop, WaitVoters(ctx, nodes)
}
