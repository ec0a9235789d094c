package clustertest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/cluster/devcluster"
)

// ProcCluster is a real multi-process keyhold cluster on loopback, started with
// `keyhold dev --nodes N` (so dev mode's provisioning, admission and TLS are what the tests run),
// and then killed and restarted node by node with SIGKILL and `keyhold serve`.
//
// T is the test (or subtest) that a failed helper stops: a subtest works on pc.Sub(t), which
// shares the processes, never on its parent's pc (a subtest must not call FailNow on it).
type ProcCluster struct {
	T *testing.T
	*Procs
}

// Procs is what every view of one process cluster shares.
type Procs struct {
	Bin string // the keyhold binary
	Dir string // the dev directory: state, config files, node logs
	// Nodes are the nodes, in order; nodes.json's entries for a dev cluster.
	Nodes []devcluster.NodeInfo
	// AKID and Secret are the root principal's credentials.
	AKID, Secret string

	dev   *exec.Cmd
	mu    sync.Mutex
	procs map[string]*proc // nodes the test (re)started itself
	pids  map[string]int   // current pid per node, 0 when killed
	// env, when set, is the environment of restarted nodes (default: dev's SoftHSM2 config).
	env []string
}

// NewProcCluster returns a cluster of no nodes yet, its binary built and its directory made,
// for a test that configures and starts its nodes itself (AddNode, Restart). Its processes are
// killed when t ends.
func NewProcCluster(t *testing.T) *ProcCluster {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go toolchain not found")
	}
	pc := &ProcCluster{T: t, Procs: &Procs{Bin: KeyholdBinary(t), Dir: ClusterDir(t), procs: map[string]*proc{}, pids: map[string]int{}}}
	t.Cleanup(pc.stopAll)
	t.Cleanup(func() {
		if t.Failed() {
			pc.logTails(t)
		}
	})
	return pc
}

// logTailLines is how much of each node's log a failed test prints: enough to show the node's
// last elections and errors, where CI keeps nothing but the test output.
const logTailLines = 80

// logTails prints the end of every node log in the cluster directory.
func (pc *ProcCluster) logTails(t *testing.T) {
	logs, _ := filepath.Glob(filepath.Join(pc.Dir, "*.log"))
	for _, p := range logs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) > logTailLines {
			lines = lines[len(lines)-logTailLines:]
		}
		t.Logf("last %d lines of %s:\n%s", len(lines), filepath.Base(p), strings.Join(lines, "\n"))
	}
}

// StartProcCluster runs `keyhold dev --nodes n` and returns once every node is ready and votes.
func StartProcCluster(t *testing.T, n int) *ProcCluster {
	t.Helper()
	pc := NewProcCluster(t)
	base := FreePortBase(t, n)
	pc.dev = exec.Command(pc.Bin, "dev", "--nodes", fmt.Sprint(n), "-dir", pc.Dir,
		"-api-addr", fmt.Sprintf("127.0.0.1:%d", base), "-ops-addr", fmt.Sprintf("127.0.0.1:%d", base+1),
		"-raft-addr", fmt.Sprintf("127.0.0.1:%d", base+2))
	pc.dev.Env = WithoutEnv(os.Environ(), "SOFTHSM2_CONF")
	out, err := pc.dev.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		pc.dev.Stderr = os.Stderr
	}
	if err := pc.dev.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Nodes are listed in") {
				ready <- true
			}
		}
		ready <- false
	}()
	wait := time.NewTimer(time.Until(PollDeadline(t, 2*ClusterWait)))
	defer wait.Stop()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("keyhold dev --nodes %d exited before the cluster was ready; logs in %s", n, pc.Dir)
		}
	case <-wait.C:
		t.Fatalf("keyhold dev --nodes %d not ready", n)
	}
	b, err := os.ReadFile(filepath.Join(pc.Dir, "nodes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var nj struct{ Nodes []devcluster.NodeInfo }
	if err := json.Unmarshal(b, &nj); err != nil {
		t.Fatal(err)
	}
	pc.Nodes = nj.Nodes
	for _, in := range pc.Nodes {
		pc.pids[in.ID] = in.PID
	}
	pc.AKID, pc.Secret = ReadCredentials(t, filepath.Join(pc.Dir, "credentials"))
	return pc
}

// Sub returns a view of pc for subtest t.
func (pc *ProcCluster) Sub(t *testing.T) *ProcCluster {
	return &ProcCluster{T: t, Procs: pc.Procs}
}

// AddNode adds a node the test configured itself; Restart starts it.
func (pc *ProcCluster) AddNode(in devcluster.NodeInfo) { pc.Nodes = append(pc.Nodes, in) }

// SetEnv sets the environment of the nodes Restart starts from now on; nil restores the
// default (this process's environment, with the dev directory's SoftHSM2 config).
func (pc *ProcCluster) SetEnv(env []string) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.env = env
}

// stopAll ends the dev parent (which stops its children) and every node the test started.
func (pc *ProcCluster) stopAll() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for id, pid := range pc.pids {
		if pid != 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if p := pc.procs[id]; p != nil {
			<-p.done
		}
	}
	if pc.dev != nil && pc.dev.Process != nil {
		_ = pc.dev.Process.Signal(syscall.SIGTERM)
		_ = pc.dev.Wait()
	}
}

// Info returns node id's entry.
func (pc *ProcCluster) Info(id string) devcluster.NodeInfo {
	for _, in := range pc.Nodes {
		if in.ID == id {
			return in
		}
	}
	pc.T.Fatalf("no node %s", id)
	return devcluster.NodeInfo{}
}

// KMS returns an SDK client for node id.
func (pc *ProcCluster) KMS(id string) *kms.Client {
	return kms.New(kms.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(pc.AKID, pc.Secret, ""),
		BaseEndpoint: aws.String(pc.Info(id).APIURL),
		Retryer:      ClientRaceRetryer(),
	})
}

// Kill SIGKILLs node id and waits until its API port refuses connections.
func (pc *ProcCluster) Kill(id string) {
	pc.T.Helper()
	pc.mu.Lock()
	pid := pc.pids[id]
	pc.pids[id] = 0
	p := pc.procs[id]
	delete(pc.procs, id)
	pc.mu.Unlock()
	if pid == 0 {
		pc.T.Fatalf("%s is not running", id)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		pc.T.Fatalf("kill %s: %v", id, err)
	}
	if p != nil {
		<-p.done
	}
	pc.waitDown(id)
}

// KillAll SIGKILLs every node at once (all signals first, then the waits), as a power cut does.
func (pc *ProcCluster) KillAll(ids ...string) {
	pc.T.Helper()
	pc.mu.Lock()
	var waits []func()
	for _, id := range ids {
		if pid := pc.pids[id]; pid != 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		pc.pids[id] = 0
		if p := pc.procs[id]; p != nil {
			waits = append(waits, func() { <-p.done })
		}
		delete(pc.procs, id)
	}
	pc.mu.Unlock()
	for _, w := range waits {
		w()
	}
	for _, id := range ids {
		pc.waitDown(id)
	}
}

// waitDown polls until node id's API port refuses connections.
func (pc *ProcCluster) waitDown(id string) {
	pc.T.Helper()
	addr := strings.TrimPrefix(pc.Info(id).APIURL, "http://")
	pc.Poll(id+" to stop listening", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
}

// Signal sends sig to node id's process. A node left SIGSTOPped is continued when the test
// ends: the cleanup's SIGKILL wait would hang on it otherwise.
func (pc *ProcCluster) Signal(id string, sig syscall.Signal) {
	pc.T.Helper()
	pc.mu.Lock()
	pid := pc.pids[id]
	pc.mu.Unlock()
	if pid == 0 {
		pc.T.Fatalf("%s is not running", id)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		pc.T.Fatalf("%v %s: %v", sig, id, err)
	}
	if sig == syscall.SIGSTOP {
		pc.T.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	}
}

// Restart starts node id again with `keyhold serve` on its config.
func (pc *ProcCluster) Restart(id string) {
	pc.T.Helper()
	cmd := exec.Command(pc.Bin, "serve", "-config", pc.Info(id).Config)
	cmd.Env = append(WithoutEnv(os.Environ(), "SOFTHSM2_CONF"), "SOFTHSM2_CONF="+filepath.Join(pc.Dir, "hsm", "softhsm2.conf"))
	pc.mu.Lock()
	if pc.env != nil {
		cmd.Env = pc.env
	}
	pc.mu.Unlock()
	logf, err := os.OpenFile(filepath.Join(pc.Dir, id+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		pc.T.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		pc.T.Fatal(err)
	}
	p := &proc{done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	pc.mu.Lock()
	pc.procs[id], pc.pids[id] = p, cmd.Process.Pid
	pc.mu.Unlock()
}

// proc is a node process the test started: done is closed when it has exited, with err.
type proc struct {
	done chan struct{}
	err  error
}

// exited returns the id ("" if none) and exit error of a node the test started that has exited
// without being killed by it: a node that cannot start (its port taken, its state unreadable)
// must fail the test at once, with its log, rather than leave a poll waiting for it.
func (pc *ProcCluster) exited() (string, error) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for id, p := range pc.procs {
		select {
		case <-p.done:
			return id, p.err
		default:
		}
	}
	return "", nil
}

// statusClient bounds each status request: a node that accepts the connection and never answers
// is a node that does not answer, not a poll that never ends.
var statusClient = &http.Client{Timeout: 10 * time.Second}

// Status decodes node id's /v1/cluster/status into v; false when it does not answer.
func (pc *ProcCluster) Status(id string, v any) bool {
	resp, err := statusClient.Get(pc.Info(id).OpsURL + "/v1/cluster/status")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(v) == nil
}

// raftStatus is the part of /v1/cluster/status that Leader and CaughtUp read.
type raftStatus struct {
	LeaderID     string `json:"leader_id"`
	CommitIndex  uint64 `json:"commit_index"`
	AppliedIndex uint64 `json:"applied_index"`
	Ready        bool   `json:"ready"`
}

// Leader polls the live nodes until they agree on a leader among them, and returns its id.
func (pc *ProcCluster) Leader(live ...string) string {
	pc.T.Helper()
	var lead string
	pc.Poll("a leader all live nodes agree on", func() bool {
		lead = ""
		for _, id := range live {
			var st raftStatus
			if !pc.Status(id, &st) || st.LeaderID == "" || (lead != "" && st.LeaderID != lead) {
				return false
			}
			lead = st.LeaderID
		}
		return lead != "" && slices.Contains(live, lead)
	})
	return lead
}

// CaughtUp polls until node id is ready and has applied the leader's commit index as of now.
func (pc *ProcCluster) CaughtUp(id, leader string) {
	pc.T.Helper()
	var target uint64
	pc.Poll("the leader's status", func() bool {
		var st raftStatus
		ok := pc.Status(leader, &st)
		target = st.CommitIndex
		return ok
	})
	pc.Poll(id+" to catch up to index "+fmt.Sprint(target), func() bool {
		var st raftStatus
		return pc.Status(id, &st) && st.Ready && st.AppliedIndex >= target
	})
}

// Poll waits until cond holds, failing the test past ClusterWait (or near the test binary's
// deadline, PollDeadline).
func (pc *ProcCluster) Poll(what string, cond func() bool) {
	pc.T.Helper()
	deadline := PollDeadline(pc.T, ClusterWait)
	for !cond() {
		if id, err := pc.exited(); id != "" {
			pc.T.Fatalf("waiting for %s: %s exited on its own (%v); node logs in %s", what, id, err, pc.Dir)
		}
		if time.Now().After(deadline) {
			pc.T.Fatalf("timed out waiting for %s (node logs in %s)", what, pc.Dir)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}
