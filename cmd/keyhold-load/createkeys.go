package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// runCreateKeys measures scale on one `keyhold dev` node: callers create n keys (and an alias for
// every tenth) as fast as the node takes them, while the node's resident memory is sampled. It
// then reports the node's peak and current RSS, raft.db and the newest snapshot's size, ListKeys
// at the start and at the end of the key order, and the time a restart takes to be ready
// (restore the snapshot, replay the log after it) with the RSS after it.
//
// With users > 0 it then creates that many IAM users, each with a ten-statement inline policy and
// an access key (createusers.go), before the snapshot and the restart.
func runCreateKeys(ctx context.Context, keyholdBin string, n, callers, users int, snapWait time.Duration, keep string) error {
	dir := keep
	if dir == "" {
		d, err := os.MkdirTemp("", "keyhold-load-keys-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	addrs := make([]string, 3)
	for i := range addrs {
		var err error
		if addrs[i], err = freeAddr(); err != nil {
			return err
		}
	}
	devDir := filepath.Join(dir, "dev")
	start := func() (*exec.Cmd, time.Duration, error) {
		kh := exec.CommandContext(ctx, keyholdBin, "dev", "-dir", devDir, "-api-addr", addrs[0], "-ops-addr", addrs[1], "-raft-addr", addrs[2], "-log-level", "warn")
		t0 := time.Now()
		if err := startAndWait(kh, "Stop with Ctrl-C"); err != nil {
			stopChild(kh)
			return nil, 0, fmt.Errorf("starting keyhold dev: %w", err)
		}
		return kh, time.Since(t0), nil
	}
	kh, _, err := start()
	if err != nil {
		return err
	}
	defer func() { stopChild(kh) }()
	akid, secret, err := readCreds(filepath.Join(devDir, "credentials"))
	if err != nil {
		return err
	}
	client := newClient("http://"+addrs[0], akid, secret, callers)

	rss := newRSSSampler(kh.Process.Pid)
	fmt.Printf("keyhold-load -create-keys: %d keys (+%d aliases) from %d callers into one keyhold dev node (fsync on)\n", n, n/10, callers)
	ids := make([]string, n)
	arns := make([]string, 100) // the first keys' ARNs, which the IAM users' policies name
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var errCount atomic.Int64
	var firstErr atomic.Value
	t0 := time.Now()
	cpu0 := procCPU(kh.Process.Pid)
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, n/callers+1)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					break
				}
				s := time.Now()
				out, err := client.CreateKey(ctx, &kms.CreateKeyInput{})
				if err != nil {
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				local = append(local, time.Since(s))
				ids[i] = aws.ToString(out.KeyMetadata.KeyId)
				if i < len(arns) {
					arns[i] = aws.ToString(out.KeyMetadata.Arn)
				}
				if i%10 == 0 {
					if _, err := client.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/load-" + strconv.Itoa(i)), TargetKeyId: out.KeyMetadata.KeyId}); err != nil {
						errCount.Add(1)
						firstErr.CompareAndSwap(nil, err)
					}
				}
				if i > 0 && i%100000 == 0 {
					fmt.Printf("  %d keys after %s, node RSS %s\n", i, time.Since(t0).Round(time.Second), mibStr(rss.current()))
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	took := time.Since(t0)
	cpu := procCPU(kh.Process.Pid) - cpu0
	loadPeak := rss.peak.Load()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if e := errCount.Load(); e > 0 {
		return fmt.Errorf("%d calls failed; the first: %v", e, firstErr.Load())
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("CreateKey: %d in %s = %.0f/s, p50 %s, p99 %s (aliases included in the time)\n", len(lat), took.Round(time.Millisecond),
		float64(len(lat))/took.Seconds(), lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond))
	fmt.Printf("node CPU: %s in all, %s per CreateKey (its aliases included) on %d cores shared with the load client\n",
		cpu.Round(10*time.Millisecond), (cpu / time.Duration(len(lat))).Round(time.Microsecond), runtime.NumCPU())
	hwm, cur := procMem(kh.Process.Pid)
	fmt.Printf("node RSS while creating: peak %s (sampled), VmHWM %s; now %s\n", mibStr(loadPeak), mibStr(hwm), mibStr(cur))

	if users > 0 {
		if err := createUsers(ctx, "http://"+addrs[0], akid, secret, arns[:min(n, len(arns))], users, callers, rss); err != nil {
			return err
		}
	}
	if peak := rss.stop(); peak > loadPeak {
		fmt.Printf("node RSS peak while creating the users: %s\n", mibStr(peak))
	}

	pageFirst, pageLast, err := listPages(ctx, client, ids[max(0, n-150)])
	if err != nil {
		return err
	}
	fmt.Printf("ListKeys (100 keys): first page %s, page after a marker at key %d %s\n", pageFirst.Round(time.Microsecond), max(0, n-150), pageLast.Round(time.Microsecond))

	// The node snapshots on its own (threshold and interval); wait for one taken after the load.
	done := time.Now()
	deadline := done.Add(snapWait)
	for time.Now().Before(deadline) {
		if _, mt := newestSnapshot(devDir); mt.After(done) {
			// Raft truncates the log, and raft.db is rewritten, just after the snapshot is
			// written: give it a moment before measuring the file.
			time.Sleep(5 * time.Second)
			break
		}
		time.Sleep(time.Second)
	}
	snapPath, snapTime := newestSnapshot(devDir)
	snapAt := "none taken"
	if snapPath != "" {
		if d := snapTime.Sub(done).Round(time.Second); d >= 0 {
			snapAt = "taken " + d.String() + " after the load ended"
		} else {
			// raft.db then also holds the log written since this snapshot.
			snapAt = "taken " + (-d).String() + " before the load ended, none since"
		}
	}
	fmt.Printf("disk: raft.db %s, newest snapshot %s (%s)\n", mibStr(raftDBSize(devDir)), mibStr(fileBytes(snapPath)), snapAt)

	stopChild(kh)
	kh, ready, err := start()
	if err != nil {
		return err
	}
	_, cur = procMem(kh.Process.Pid)
	fmt.Printf("restart: ready in %s, RSS %s\n", ready.Round(time.Millisecond), mibStr(cur))
	// Reading every key back shows the restored state is complete and what RSS serving it needs.
	// A new client: the old one's pooled connections went to the node that was stopped.
	client = newClient("http://"+addrs[0], akid, secret, callers)
	got := 0
	var marker *string
	for {
		out, err := client.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(1000), Marker: marker})
		if err != nil {
			return fmt.Errorf("ListKeys after the restart: %w", err)
		}
		got += len(out.Keys)
		if !out.Truncated {
			break
		}
		marker = out.NextMarker
	}
	hwm, cur = procMem(kh.Process.Pid)
	fmt.Printf("after the restart: ListKeys returned %d keys; RSS %s, VmHWM %s\n", got, mibStr(cur), mibStr(hwm))
	if got < n {
		return fmt.Errorf("the restarted node lists %d keys, want at least %d", got, n)
	}
	return nil
}

// listPages times a 100-key ListKeys page from the start and one after marker.
func listPages(ctx context.Context, c *kms.Client, marker string) (first, last time.Duration, err error) {
	const rounds = 20
	for _, m := range []*string{nil, aws.String(marker)} {
		t0 := time.Now()
		for range rounds {
			out, err := c.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(100), Marker: m})
			if err != nil {
				return 0, 0, fmt.Errorf("ListKeys: %w", err)
			}
			if len(out.Keys) == 0 {
				return 0, 0, fmt.Errorf("ListKeys after %v returned no keys", aws.ToString(m))
			}
		}
		if m == nil {
			first = time.Since(t0) / rounds
		} else {
			last = time.Since(t0) / rounds
		}
	}
	return first, last, nil
}

// rssSampler records a process's highest VmRSS, read every 200 ms.
type rssSampler struct {
	pid  int
	peak atomic.Int64
	quit chan struct{}
	done chan struct{}
}

func newRSSSampler(pid int) *rssSampler {
	s := &rssSampler{pid: pid, quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			s.current()
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) current() int64 {
	_, cur := procMem(s.pid)
	for {
		p := s.peak.Load()
		if cur <= p || s.peak.CompareAndSwap(p, cur) {
			return cur
		}
	}
}

func (s *rssSampler) stop() int64 {
	close(s.quit)
	<-s.done
	return s.peak.Load()
}

// procMem returns a process's VmHWM and VmRSS in bytes (0 if unreadable).
func procMem(pid int) (hwm, rss int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		if k == "VmHWM" {
			hwm = kb << 10
		} else {
			rss = kb << 10
		}
	}
	return hwm, rss
}

// newestSnapshot returns the state file of the newest raft snapshot under dir and its time.
func newestSnapshot(dir string) (string, time.Time) {
	var best string
	var bt time.Time
	for _, p := range findFiles(dir, "state.bin") {
		if strings.HasSuffix(filepath.Dir(p), ".tmp") {
			continue // raft is still writing it
		}
		if fi, err := os.Stat(p); err == nil && fi.ModTime().After(bt) {
			best, bt = p, fi.ModTime()
		}
	}
	return best, bt
}

// findFiles returns the paths of the files called name under dir.
func findFiles(dir, name string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == name {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func raftDBSize(dir string) int64 {
	var n int64
	for _, p := range findFiles(dir, "raft.db") {
		n += fileBytes(p)
	}
	return n
}

// procCPU returns the CPU time (user and system) a process has used.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces: utime and
	// stime are the 12th and 13th of them, in clock ticks (100 per second on Linux).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

func fileBytes(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func mibStr(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
