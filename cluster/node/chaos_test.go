package node

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// The fault-injection suite: a real 3-process cluster on loopback (keyhold dev --nodes 3, so the
// shared object directory, mutual TLS and HSM tokens are the product's), a mixed workload of AWS
// SDK clients recording every operation, and faults by signal: the leader SIGKILLed, a follower
// SIGSTOPped and SIGCONTed, a node SIGKILLed in the middle of S3 uploads, all three SIGKILLed
// at once. After each fault the suite checks that no acknowledged write was lost, that the
// surviving nodes answered every call (after the SDK's own retries of retryable errors), and,
// with porcupine, that one key's description behaved as a linearizable register.
//
// The short form runs in the normal test suite; `make chaos` runs the long form
// (-chaos.long or KEYHOLD_CHAOS_LONG=1) and prints a table of figures.

var chaosLongFlag = flag.Bool("chaos.long", false, "run the fault-injection suite's long form (make chaos)")

// chaosPlan sizes the suite.
type chaosPlan struct {
	leaderKills  int           // rounds of leader SIGKILL
	loadBefore   time.Duration // workload before each fault
	loadAfter    int           // writes acknowledged after a fault before the load stops
	pauseFor     time.Duration // how long the follower stays SIGSTOPped
	s3Puts       int           // S3 PUTs in the kill-midway scenario
	s3KillAfter  int           // acknowledged PUTs before the kill
	s3MaxSize    int           // largest object
	wholeRestart int           // whole-cluster kill and restart rounds
}

func chaosPlanFor() (chaosPlan, bool) {
	if *chaosLongFlag || os.Getenv("KEYHOLD_CHAOS_LONG") == "1" {
		return chaosPlan{leaderKills: 5, loadBefore: 5 * time.Second, loadAfter: 200, pauseFor: 10 * time.Second,
			s3Puts: 200, s3KillAfter: 100, s3MaxSize: 4 << 20, wholeRestart: 2}, true
	}
	return chaosPlan{leaderKills: 1, loadBefore: 1500 * time.Millisecond, loadAfter: 20, pauseFor: 2 * time.Second,
		s3Puts: 24, s3KillAfter: 8, s3MaxSize: 1 << 20, wholeRestart: 1}, false
}

// chaosFigures is one row of the figures table.
type chaosFigures struct {
	scenario    string
	acked, lost int
	errors      int   // calls that failed on surviving nodes after the SDK's retries
	retried     int64 // retryable errors the SDK retried
	firstWrite  time.Duration
	recovery    time.Duration
	note        string
}

// TestChaos runs the fault-injection scenarios against one 3-process cluster.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	plan, long := chaosPlanFor()
	pc := startProcCluster(t, 3)
	cc := chaosClients{pc: pc, retries: &atomic.Int64{}}
	all := []string{"node1", "node2", "node3"}
	var figures []chaosFigures
	var keys []string // every key whose CreateKey was acknowledged, across scenarios
	var objects []s3Obj
	report := func(f chaosFigures) { figures = append(figures, f) }
	defer func() {
		printChaosFigures(t, figures, long)
	}()

	for round := 1; round <= plan.leaderKills; round++ {
		t.Run(fmt.Sprintf("LeaderKill/%d", round), func(t *testing.T) {
			f, acked := chaosLeaderKill(t, pc, cc, plan, all)
			f.scenario = fmt.Sprintf("leader SIGKILL %d", round)
			keys = append(keys, acked...)
			report(f)
		})
	}
	t.Run("FollowerPause", func(t *testing.T) {
		f, acked := chaosFollowerPause(t, pc, cc, plan, all)
		keys = append(keys, acked...)
		report(f)
	})
	t.Run("S3KillMidway", func(t *testing.T) {
		f, objs := chaosS3KillMidway(t, pc, cc, plan, all)
		objects = append(objects, objs...)
		report(f)
	})
	for round := 1; round <= plan.wholeRestart; round++ {
		t.Run(fmt.Sprintf("WholeClusterKill/%d", round), func(t *testing.T) {
			f := chaosWholeCluster(t, pc, cc, plan, all, keys, objects)
			f.scenario = fmt.Sprintf("whole-cluster SIGKILL %d", round)
			report(f)
		})
	}
}

// chaosLoad is the mixed workload: on each node, a register writer (UpdateKeyDescription with
// unique values), a register reader (DescribeKey) and a mixed client (CreateKey, then
// Encrypt/Decrypt/GenerateDataKey with the key it created).
type chaosLoad struct {
	h       *history
	retries map[string]*atomic.Int64 // retryable errors the SDK retried, per node
	reg     string
	wg      sync.WaitGroup
	stops   map[string]context.CancelFunc
	writes  atomic.Int64 // acknowledged writes
	created sync.Map     // key id -> true, acknowledged CreateKey
}

// Every client retries as the SDK does; the clients of a node that dies are cancelled by
// stopNode, which also ends their retries.
func startChaosLoad(pc *procCluster, h *history, reg string, nodes []string) *chaosLoad {
	l := &chaosLoad{h: h, reg: reg, stops: map[string]context.CancelFunc{}, retries: map[string]*atomic.Int64{}}
	for ni, id := range nodes {
		cx, cancel := context.WithCancel(context.Background())
		l.stops[id] = cancel
		l.retries[id] = &atomic.Int64{}
		c := chaosClients{pc: pc, retries: l.retries[id]}.kms(id, true)
		for w := range 3 {
			client := ni*3 + w
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				l.worker(cx, c, client, id, w)
			}()
		}
	}
	return l
}

func (l *chaosLoad) worker(cx context.Context, c *kms.Client, client int, node string, kind int) {
	var own string
	for i := 0; cx.Err() == nil; i++ {
		var err error
		switch kind {
		case 0:
			v := fmt.Sprintf("c%d-%d", client, i)
			_, err = l.h.run(client, node, "UpdateKeyDescription", l.reg, v, func() (string, error) {
				_, err := c.UpdateKeyDescription(cx, &kms.UpdateKeyDescriptionInput{KeyId: aws.String(l.reg), Description: aws.String(v)})
				return "", err
			})
			if err == nil {
				l.writes.Add(1)
			}
		case 1:
			_, err = l.h.run(client, node, "DescribeKey", l.reg, "", func() (string, error) {
				out, err := c.DescribeKey(cx, &kms.DescribeKeyInput{KeyId: aws.String(l.reg)})
				if err != nil {
					return "", err
				}
				return aws.ToString(out.KeyMetadata.Description), nil
			})
		default:
			if own == "" || i%4 == 0 {
				var id string
				id, err = l.h.run(client, node, "CreateKey", "", "", func() (string, error) {
					out, err := c.CreateKey(cx, &kms.CreateKeyInput{})
					if err != nil {
						return "", err
					}
					return aws.ToString(out.KeyMetadata.KeyId), nil
				})
				if err == nil {
					own = id
					l.created.Store(id, true)
					l.writes.Add(1)
				}
				break
			}
			_, err = l.h.run(client, node, "EncryptDecrypt", own, "", func() (string, error) {
				return "", dataRoundCtx(cx, c, own)
			})
		}
		if err != nil && cx.Err() != nil {
			return
		}
		if kind == 1 {
			// Reads cost no raft round: unpaced, they would swamp the history (and porcupine)
			// with thousands of identical reads between two writes.
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// stopNode ends the workload's clients of one node (it is about to die, or it just did).
func (l *chaosLoad) stopNode(id string) { l.stops[id]() }

// retried sums the retried errors of the clients of nodes.
func (l *chaosLoad) retried(nodes []string) int64 {
	var n int64
	for _, id := range nodes {
		n += l.retries[id].Load()
	}
	return n
}

func (l *chaosLoad) stop() []string {
	for _, s := range l.stops {
		s()
	}
	l.wg.Wait()
	var ids []string
	l.created.Range(func(k, _ any) bool { ids = append(ids, k.(string)); return true })
	slices.Sort(ids)
	return ids
}

// dataRoundCtx is dataRound with a context.
func dataRoundCtx(cx context.Context, c *kms.Client, id string) error {
	enc, err := c.Encrypt(cx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("chaos")})
	if err != nil {
		return err
	}
	dec, err := c.Decrypt(cx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err != nil {
		return err
	}
	if !bytes.Equal(dec.Plaintext, []byte("chaos")) {
		return fmt.Errorf("Decrypt: got %q, want %q", dec.Plaintext, "chaos")
	}
	return nil
}

// newRegister creates the key whose description the scenario's register is.
func newRegister(t *testing.T, cc chaosClients, on string) string {
	t.Helper()
	out, err := cc.kms(on, true).CreateKey(ctx(), &kms.CreateKeyInput{Description: aws.String("init")})
	if err != nil {
		t.Fatalf("CreateKey (register): %v", err)
	}
	return aws.ToString(out.KeyMetadata.KeyId)
}

// survivorErrors counts the failed calls of nodes in live that started before stopAt (calls in
// flight when the workload was cancelled are not failures of the cluster).
func survivorErrors(ops []chaosOp, live []string, stopAt time.Duration) (int, string) {
	n, first := 0, ""
	for _, o := range ops {
		if !o.ok() && slices.Contains(live, o.Node) && o.End < stopAt {
			if first == "" {
				first = fmt.Sprintf("%s through %s at %v: %s", o.Op, o.Node, o.Start, o.Err)
			}
			n++
		}
	}
	return n, first
}

// checkAcked verifies every acknowledged key through node on, and the register's final value
// (read after on has caught up with the leader); it returns the number of lost writes.
func checkAcked(t *testing.T, pc *procCluster, cc chaosClients, h *history, reg, on string, keys []string) int {
	t.Helper()
	lost := 0
	c := cc.kms(on, true)
	for _, id := range keys {
		if _, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(id)}); err != nil {
			t.Errorf("acknowledged key %s through %s: %v", id, on, err)
			lost++
		}
	}
	out, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(reg)})
	if err != nil {
		t.Fatalf("final read of the register through %s: %v", on, err)
	}
	n, err := checkRegisterFinal(h.snapshot(), reg, aws.ToString(out.KeyMetadata.Description))
	if err != nil {
		t.Error(err)
	}
	return lost + n
}

// checkLinearizable runs porcupine over the register's history of UpdateKeyDescription and
// DescribeKey calls, which the README calls linearizable (read_consistency linearizable, the
// default): a violation fails the test.
func checkLinearizable(t *testing.T, h *history, reg, dir, name string) string {
	t.Helper()
	ops := registerOps(h.snapshot(), reg)
	timeout := 10 * time.Second // a short-form budget: an illegal history can take porcupine long to prove
	if _, long := chaosPlanFor(); long {
		timeout = time.Minute
	}
	res, info := porcupine.CheckOperationsVerbose(registerModel, ops, timeout)
	path := filepath.Join(dir, "chaos-"+strings.NewReplacer("/", "-", " ", "-").Replace(name))
	_ = h.save(path + ".jsonl")
	switch res {
	case porcupine.Ok:
		return "linearizable"
	case porcupine.Unknown:
		t.Logf("porcupine timed out on %d register operations", len(ops))
		return "linearizability unknown (timeout)"
	}
	_ = porcupine.VisualizePath(registerModel, info, path+".html")
	msg := fmt.Sprintf("the register's history (%d operations) is not linearizable; history %s.jsonl, visualization %s.html", len(ops), path, path)
	t.Error(msg)
	return "NOT linearizable"
}

// waitWrites polls until the workload has acknowledged n more writes than at the call.
func waitWrites(pc *procCluster, l *chaosLoad, n int) {
	target := l.writes.Load() + int64(n)
	pc.Poll(fmt.Sprintf("%d more acknowledged writes", n), func() bool { return l.writes.Load() >= target })
}

// chaosLeaderKill: the leader is SIGKILLed under the mixed load on all three nodes. Clients of
// the survivors retry as the SDK does; clients of the leader see it die. Measured: the time from
// the kill to the first write acknowledged that started after it.
func chaosLeaderKill(t *testing.T, pc *procCluster, cc chaosClients, plan chaosPlan, all []string) (chaosFigures, []string) {
	leader := pc.Leader(all...)
	for _, id := range clustertest.Without(all, leader) {
		pc.CaughtUp(id, leader)
	}
	reg := newRegister(t, cc, leader)
	h := newHistory()
	l := startChaosLoad(pc, h, reg, all)
	time.Sleep(plan.loadBefore) // the workload's duration before the fault, not synchronisation
	leader = pc.Leader(all...)  // leadership may have moved during the load
	survivors := clustertest.Without(all, leader)
	killAt := h.now()
	pc.Kill(leader)
	l.stopNode(leader)
	newLeader := pc.Leader(survivors...)
	electedAt := h.now()
	waitWrites(pc, l, plan.loadAfter)
	stopAt := h.now()
	acked := l.stop()

	ops := h.snapshot()
	f := chaosFigures{acked: int(l.writes.Load()), retried: l.retried(survivors), recovery: electedAt - killAt}
	f.firstWrite = -1
	for _, o := range ops {
		if o.ok() && o.Start > killAt && (o.Op == "CreateKey" || o.Op == "UpdateKeyDescription") {
			if d := o.End - killAt; f.firstWrite < 0 || d < f.firstWrite {
				f.firstWrite = d
			}
		}
	}
	var first string
	f.errors, first = survivorErrors(ops, survivors, stopAt)
	if f.errors != 0 {
		t.Errorf("failed calls on surviving nodes: got %d, want 0 (first: %s)", f.errors, first)
	}
	pc.Restart(leader)
	pc.CaughtUp(leader, newLeader)
	f.lost = checkAcked(t, pc, cc, h, reg, leader, acked)
	f.note = checkLinearizable(t, h, reg, pc.Dir, t.Name())
	t.Logf("killed %s; %s leads after %v; first write %v after the kill; %d writes acknowledged, %d retried errors",
		leader, newLeader, f.recovery, f.firstWrite, f.acked, f.retried)
	return f, acked
}

// chaosFollowerPause: a follower is SIGSTOPped for plan.pauseFor under load on the other two,
// then SIGCONTed. The others answer every call; the resumed follower catches up (measured) and
// serves every acknowledged key.
func chaosFollowerPause(t *testing.T, pc *procCluster, cc chaosClients, plan chaosPlan, all []string) (chaosFigures, []string) {
	leader := pc.Leader(all...)
	follower := clustertest.Without(all, leader)[0]
	others := clustertest.Without(all, follower)
	reg := newRegister(t, cc, leader)
	h := newHistory()
	l := startChaosLoad(pc, h, reg, others)
	waitWrites(pc, l, 10)
	pc.pause(follower)
	time.Sleep(plan.pauseFor) // the length of the fault, not synchronisation
	pc.resume(follower)
	contAt := time.Now()
	pc.CaughtUp(follower, pc.Leader(all...))
	recovery := time.Since(contAt)
	waitWrites(pc, l, plan.loadAfter)
	stopAt := h.now()
	acked := l.stop()
	ops := h.snapshot()
	f := chaosFigures{scenario: fmt.Sprintf("follower SIGSTOP %v", plan.pauseFor), acked: int(l.writes.Load()),
		retried: l.retried(others), recovery: recovery, firstWrite: -1}
	var first string
	f.errors, first = survivorErrors(ops, others, stopAt)
	if f.errors != 0 {
		t.Errorf("failed calls on the running nodes: got %d, want 0 (first: %s)", f.errors, first)
	}
	if now := pc.Leader(all...); now != leader {
		f.note = fmt.Sprintf("leader changed %s -> %s; ", leader, now)
	}
	f.lost = checkAcked(t, pc, cc, h, reg, follower, acked)
	f.note += checkLinearizable(t, h, reg, pc.Dir, t.Name())
	t.Logf("paused %s for %v; caught up %v after SIGCONT; %d writes acknowledged", follower, plan.pauseFor, recovery, f.acked)
	return f, acked
}

// chaosWholeCluster: all three nodes are SIGKILLed at once under load and restarted. Measured:
// the time from the restart until every node is caught up. Every acknowledged key, the
// register, and every acknowledged S3 object are then present through every node.
func chaosWholeCluster(t *testing.T, pc *procCluster, cc chaosClients, plan chaosPlan, all, keys []string, objects []s3Obj) chaosFigures {
	leader := pc.Leader(all...)
	reg := newRegister(t, cc, leader)
	h := newHistory()
	l := startChaosLoad(pc, h, reg, all)
	time.Sleep(plan.loadBefore) // the workload's duration before the fault, not synchronisation
	pc.KillAll(all...)
	acked := l.stop()
	start := time.Now()
	for _, id := range all {
		pc.Restart(id)
	}
	lead := pc.Leader(all...)
	for _, id := range all {
		pc.CaughtUp(id, lead)
	}
	f := chaosFigures{acked: int(l.writes.Load()), recovery: time.Since(start), firstWrite: -1}
	for _, id := range all {
		f.lost += checkAcked(t, pc, cc, h, reg, id, append(slices.Clone(keys), acked...))
		rc := cc.s3(id, true)
		for _, o := range objects {
			if !o.acked {
				continue
			}
			got, _, err := getBytes(rc, &s3.GetObjectInput{Bucket: aws.String("chaos"), Key: aws.String(o.key)})
			if err != nil || !bytes.Equal(got, o.body) {
				t.Errorf("acknowledged object %s through %s after the restart: %d bytes, %v", o.key, id, len(got), err)
				f.lost++
			}
		}
	}
	f.note = checkLinearizable(t, h, reg, pc.Dir, t.Name())
	t.Logf("all nodes killed and restarted; caught up in %v; %d writes acknowledged under load, %d keys checked on every node",
		f.recovery, f.acked, len(keys)+len(acked))
	return f
}

func printChaosFigures(t *testing.T, rows []chaosFigures, long bool) {
	var b strings.Builder
	form := "short"
	if long {
		form = "long"
	}
	fmt.Fprintf(&b, "\nkeyhold chaos (%s form), 3 processes on loopback\n", form)
	fmt.Fprintf(&b, "%-34s %7s %5s %7s %8s %14s %10s  %s\n", "scenario", "acked", "lost", "errors", "retried", "1st write", "recovery", "notes")
	for _, r := range rows {
		fw := "-"
		if r.firstWrite >= 0 {
			fw = r.firstWrite.Round(time.Millisecond).String()
		}
		fmt.Fprintf(&b, "%-34s %7d %5d %7d %8d %14s %10s  %s\n", r.scenario, r.acked, r.lost, r.errors, r.retried, fw,
			r.recovery.Round(time.Millisecond), r.note)
	}
	t.Log(b.String())
	if long {
		fmt.Print(b.String())
	}
}
