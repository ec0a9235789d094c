package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
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
)

// procCluster is a real multi-process keyhold cluster on loopback, started with
// `keyhold dev --nodes N` (so dev mode's provisioning, admission and TLS are what the tests run),
// and then killed and restarted node by node with SIGKILL and `keyhold serve`.
//
// t is the test (or subtest) that a failed helper stops: a subtest works on pc.sub(t), which
// shares the processes, never on its parent's pc (a subtest must not call FailNow on its parent).
type procCluster struct {
	t *testing.T
	*procState
}

// procState is what every view of one process cluster shares.
type procState struct {
	bin    string
	dir    string
	dev    *exec.Cmd
	nodes  []devNodeInfo
	mu     sync.Mutex
	procs  map[string]*exec.Cmd // nodes the test (re)started itself
	pids   map[string]int       // current pid per node, 0 when killed
	akid   string
	secret string
	// env, when set, is the environment of restarted nodes (default: dev's SoftHSM2 config).
	env []string
}

// clusterWait bounds a poll when the test binary has no deadline; with one (go test -timeout),
// polls wait on their condition until shortly before it, so that a loaded machine makes a test
// slower, not failed. Reaching it fails the test (it is not a timing assertion).
const clusterWait = 60 * time.Second

// pollDeadline is when a poll started now gives up: shortly before the test binary's deadline
// (leaving time to report and clean up), and never sooner than now+min.
func pollDeadline(t testing.TB, min time.Duration) time.Time {
	d := time.Now().Add(min)
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, ok := dt.Deadline(); ok {
			if margin := time.Until(end) / 10; end.Add(-max(margin, 20*time.Second)).After(d) {
				d = end.Add(-max(margin, 20*time.Second))
			}
		}
	}
	return d
}

// sub returns a view of pc for subtest t.
func (pc *procCluster) sub(t *testing.T) *procCluster {
	return &procCluster{t: t, procState: pc.procState}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// keyholdBinary builds cmd/keyhold once per test process (without -race: the processes under
// test are the product, the race detector runs on the in-process tests).
func keyholdBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "keyhold-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "keyhold")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// freePortBase finds a base port such that base+10*i+{0,1,2} are free for n nodes.
func freePortBase(t *testing.T, n int) int {
	t.Helper()
	for range 100 {
		base := 20000 + 10*rand.IntN(3000)
		ok := true
		var lns []net.Listener
		for i := 0; i < n && ok; i++ {
			for j := range 3 {
				ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+10*i+j))
				if err != nil {
					ok = false
					break
				}
				lns = append(lns, ln)
			}
		}
		for _, ln := range lns {
			ln.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

func startProcCluster(t *testing.T, n int) *procCluster {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go toolchain not found")
	}
	pc := &procCluster{t: t, procState: &procState{bin: keyholdBinary(t), dir: clusterDir(t), procs: map[string]*exec.Cmd{}, pids: map[string]int{}}}
	base := freePortBase(t, n)
	pc.dev = exec.Command(pc.bin, "dev", "--nodes", fmt.Sprint(n), "-dir", pc.dir,
		"-api-addr", fmt.Sprintf("127.0.0.1:%d", base), "-ops-addr", fmt.Sprintf("127.0.0.1:%d", base+1),
		"-raft-addr", fmt.Sprintf("127.0.0.1:%d", base+2))
	pc.dev.Env = withoutEnv(os.Environ(), "SOFTHSM2_CONF")
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
	t.Cleanup(pc.stopAll)
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
	wait := time.NewTimer(time.Until(pollDeadline(t, 2*clusterWait)))
	defer wait.Stop()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("keyhold dev --nodes %d exited before the cluster was ready; logs in %s", n, pc.dir)
		}
	case <-wait.C:
		t.Fatalf("keyhold dev --nodes %d not ready", n)
	}
	b, err := os.ReadFile(filepath.Join(pc.dir, "nodes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var nj struct{ Nodes []devNodeInfo }
	if err := json.Unmarshal(b, &nj); err != nil {
		t.Fatal(err)
	}
	pc.nodes = nj.Nodes
	for _, in := range pc.nodes {
		pc.pids[in.ID] = in.PID
	}
	pc.akid, pc.secret = readCredentials(t, filepath.Join(pc.dir, "credentials"))
	return pc
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	return out
}

// stopAll ends the dev parent (which stops its children) and every node the test started.
func (pc *procCluster) stopAll() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for id, pid := range pc.pids {
		if pid != 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if c := pc.procs[id]; c != nil {
			_ = c.Wait()
		}
	}
	if pc.dev != nil && pc.dev.Process != nil {
		_ = pc.dev.Process.Signal(syscall.SIGTERM)
		_ = pc.dev.Wait()
	}
}

func (pc *procCluster) info(id string) devNodeInfo {
	for _, in := range pc.nodes {
		if in.ID == id {
			return in
		}
	}
	pc.t.Fatalf("no node %s", id)
	return devNodeInfo{}
}

// kms returns an SDK client for node id.
func (pc *procCluster) kms(id string) *kms.Client {
	return kms.New(kms.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(pc.akid, pc.secret, ""),
		BaseEndpoint: aws.String(pc.info(id).APIURL),
		Retryer:      clientRaceRetryer(),
	})
}

// kill SIGKILLs node id and waits until its API port refuses connections.
func (pc *procCluster) kill(id string) {
	pc.t.Helper()
	pc.mu.Lock()
	pid := pc.pids[id]
	pc.pids[id] = 0
	c := pc.procs[id]
	delete(pc.procs, id)
	pc.mu.Unlock()
	if pid == 0 {
		pc.t.Fatalf("%s is not running", id)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		pc.t.Fatalf("kill %s: %v", id, err)
	}
	if c != nil {
		_ = c.Wait()
	}
	addr := strings.TrimPrefix(pc.info(id).APIURL, "http://")
	pc.poll(id+" to stop listening", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
}

// restart starts node id again with `keyhold serve` on its config.
func (pc *procCluster) restart(id string) {
	pc.t.Helper()
	cmd := exec.Command(pc.bin, "serve", "-config", pc.info(id).Config)
	cmd.Env = append(withoutEnv(os.Environ(), "SOFTHSM2_CONF"), "SOFTHSM2_CONF="+filepath.Join(pc.dir, "hsm", "softhsm2.conf"))
	if pc.env != nil {
		cmd.Env = pc.env
	}
	logf, err := os.OpenFile(filepath.Join(pc.dir, id+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		pc.t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		pc.t.Fatal(err)
	}
	pc.mu.Lock()
	pc.procs[id], pc.pids[id] = cmd, cmd.Process.Pid
	pc.mu.Unlock()
}

// status reads node id's /v1/cluster/status; ok is false when it does not answer.
func (pc *procCluster) status(id string) (clusterStatus, bool) {
	var st clusterStatus
	resp, err := http.Get(pc.info(id).OpsURL + "/v1/cluster/status")
	if err != nil {
		return st, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&st) != nil {
		return st, false
	}
	return st, true
}

// leader polls the live nodes until they agree on a leader among them, and returns its id.
func (pc *procCluster) leader(live ...string) string {
	pc.t.Helper()
	var lead string
	pc.poll("a leader all live nodes agree on", func() bool {
		lead = ""
		for _, id := range live {
			st, ok := pc.status(id)
			if !ok || st.LeaderID == "" || (lead != "" && st.LeaderID != lead) {
				return false
			}
			lead = st.LeaderID
		}
		return lead != "" && slices.Contains(live, lead)
	})
	return lead
}

// caughtUp polls until node id is ready and has applied the leader's commit index as of now.
func (pc *procCluster) caughtUp(id, leader string) {
	pc.t.Helper()
	var target uint64
	pc.poll("the leader's status", func() bool {
		st, ok := pc.status(leader)
		target = st.CommitIndex
		return ok
	})
	pc.poll(id+" to catch up to index "+fmt.Sprint(target), func() bool {
		st, ok := pc.status(id)
		return ok && st.Ready && st.AppliedIndex >= target
	})
}

func (pc *procCluster) poll(what string, cond func() bool) {
	pc.t.Helper()
	deadline := pollDeadline(pc.t, clusterWait)
	for !cond() {
		if time.Now().After(deadline) {
			pc.t.Fatalf("timed out waiting for %s (node logs in %s)", what, pc.dir)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

func without(s []string, v string) []string {
	var out []string
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// clusterDir is where a process cluster keeps its state and node logs: a test temp dir, or, with
// KEYHOLD_KEEP_CLUSTER_DIRS set, a directory that outlives the test so a failure can be read.
func clusterDir(t *testing.T) string {
	if os.Getenv("KEYHOLD_KEEP_CLUSTER_DIRS") == "" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", "keyhold-"+strings.ReplaceAll(t.Name(), "/", "_")+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster state and logs kept in %s", dir)
	return dir
}
