package clustertest

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// ClusterWait bounds a poll when the test binary has no deadline; with one (go test -timeout),
// polls wait on their condition until shortly before it, so that a loaded machine makes a test
// slower, not failed. Reaching it fails the test (it is not a timing assertion).
const ClusterWait = 60 * time.Second

// MaxPoll caps how long any one poll waits, however far the test binary's deadline is. A
// loaded machine makes a cluster slower by seconds or tens of seconds; a condition still false
// after minutes is a bug, and waiting longer would only take the package's remaining tests down
// with it when the binary's deadline panics.
const MaxPoll = 5 * time.Minute

// PollDeadline is when a poll started now gives up: shortly before the test binary's deadline
// (leaving time to report and clean up) but no later than now+MaxPoll, and never sooner than
// now+min.
func PollDeadline(t testing.TB, min time.Duration) time.Time {
	now := time.Now()
	d := now.Add(min)
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, ok := dt.Deadline(); ok {
			if margin := time.Until(end) / 10; end.Add(-max(margin, 20*time.Second)).After(d) {
				d = end.Add(-max(margin, 20*time.Second))
			}
		}
	}
	if limit := now.Add(max(min, MaxPoll)); d.After(limit) {
		d = limit
	}
	return d
}

// Eventually polls cond until it holds. It gives up after d, or, when the test binary has a
// deadline, shortly before that (PollDeadline): a loaded machine makes the wait longer, not the
// test fail. It never sleeps longer than a poll interval.
func Eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	deadline := PollDeadline(t, d)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: not true that %s", time.Since(start).Round(time.Millisecond), what)
		}
		<-tick.C
	}
}

// FreePort returns a loopback address that was free a moment ago. Raft needs an advertisable
// address, so it cannot bind to port 0 directly. The port comes from outside the kernel's
// ephemeral range (reusablePorts), so that a node restarted on it does not find it taken as the
// source port of some outgoing connection made while the node was down.
func FreePort(t testing.TB) string {
	t.Helper()
	lo, hi := reusablePorts()
	for range 1000 {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", lo+rand.IntN(hi-lo)))
		if err != nil {
			continue
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	t.Fatal("no free port")
	return ""
}

// FreePortBase finds a base port such that base+10*i+{0,1,2} are free for n nodes: the ports
// `keyhold dev --nodes n` gives its nodes. Like FreePort, it stays outside the ephemeral range.
func FreePortBase(t testing.TB, n int) int {
	t.Helper()
	lo, hi := reusablePorts()
	span := 10 * n
	for range 100 {
		base := lo + 10*rand.IntN((hi-lo-span)/10)
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

// reusablePorts is the range [lo, hi) test nodes listen in: ports the kernel does not hand out
// as the source port of outgoing connections (net.ipv4.ip_local_port_range, 32768-60999 by
// default on Linux). A killed node's port is free until it restarts; inside the ephemeral range,
// any process on the machine connecting anywhere may take it meanwhile (CI runs many test
// binaries at once, each with hundreds of loopback connections), and the restarted node then
// cannot listen.
func reusablePorts() (lo, hi int) {
	const floor, fallbackHi = 10000, 32768
	elo, ehi := 32768, 60999
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			a, errA := strconv.Atoi(f[0])
			z, errZ := strconv.Atoi(f[1])
			if errA == nil && errZ == nil && a <= z {
				elo, ehi = a, z
			}
		}
	}
	switch {
	case elo-floor >= 5000:
		return floor, elo
	case 65535-ehi >= 3000:
		return ehi + 1, 65536
	default:
		return floor, fallbackHi // the ephemeral range covers nearly everything: do what we can
	}
}

// ReadCredentials returns the access key id and secret of an AWS shared-credentials file.
func ReadCredentials(t testing.TB, path string) (string, string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var akid, secret string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			akid = strings.TrimSpace(v)
		case "aws_secret_access_key":
			secret = strings.TrimSpace(v)
		}
	}
	if akid == "" || secret == "" {
		t.Fatalf("%s has no credentials", path)
	}
	return akid, secret
}

// ErrCode returns the AWS error code of err, or "" when err is nil.
func ErrCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "non-API error: " + err.Error()
}

// WantCode fails the test unless err carries the AWS error code want ("" for no error).
func WantCode(t testing.TB, err error, want string) {
	t.Helper()
	if got := ErrCode(err); got != want {
		t.Fatalf("error code: got %q, want %q (err: %v)", got, want, err)
	}
}

// ClientRaceRetryer retries a call once, and only when net/http's client closed the connection
// under the response (net.ErrClosed: a keep-alive race inside the client, aws-sdk-go-v2
// #2737, which the SDK's default retryer retries too). Everything the server answers reaches
// the test unretried.
func ClientRaceRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 2
		o.RateLimiter = ratelimit.None
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			return aws.BoolTernary(errors.Is(err, net.ErrClosed))
		})}
	})
}

// WithoutEnv returns env without the variable name.
func WithoutEnv(env []string, name string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	return out
}

// Without returns s without the elements equal to v.
func Without(s []string, v string) []string {
	var out []string
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// ClusterDir is where a cluster keeps its state and node logs: a test temp dir, or, with
// KEYHOLD_KEEP_CLUSTER_DIRS set, a directory that outlives the test so a failure can be read.
func ClusterDir(t testing.TB) string {
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

// AWSCLI returns the path of an AWS CLI v2, or skips the test. `make test` installs one (Debian's
// awscli package), and sets KEYHOLD_REQUIRE_AWSCLI so that a missing CLI fails there instead of
// skipping.
func AWSCLI(t testing.TB) string {
	t.Helper()
	candidates := []string{os.Getenv("KEYHOLD_AWS_CLI"), "/usr/bin/aws", "/usr/local/bin/aws"}
	if p, err := exec.LookPath("aws"); err == nil {
		candidates = append(candidates, p)
	}
	for _, p := range candidates {
		if p == "" {
			continue
		}
		out, err := exec.Command(p, "--version").CombinedOutput()
		if err == nil && strings.HasPrefix(string(out), "aws-cli/2") {
			return p
		}
	}
	if os.Getenv("KEYHOLD_REQUIRE_AWSCLI") != "" {
		t.Fatal("AWS CLI v2 not found (apt-get install awscli)")
	}
	t.Skip("AWS CLI v2 not found (apt-get install awscli)")
	return ""
}
