package node

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// s3Obj is an object the S3 scenario tried to PUT.
type s3Obj struct {
	key   string
	body  []byte
	acked bool
}

// chaosS3KillMidway: four uploaders PUT objects of up to plan.s3MaxSize through one node, which
// is SIGKILLed once plan.s3KillAfter PUTs were acknowledged, with uploads in flight. Afterwards,
// through every node: each acknowledged object reads back byte-identical; each other one is
// absent, or (its commit landed, the answer did not) byte-identical; none is ever truncated.
func chaosS3KillMidway(t *testing.T, pc *procCluster, cc chaosClients, plan chaosPlan, all []string) (chaosFigures, []s3Obj) {
	leader := pc.Leader(all...)
	target := leader // the worst case: the kill also costs an election
	const bucket = "chaos"
	if _, err := cc.s3(target, true).CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	objs := make([]s3Obj, plan.s3Puts)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range objs {
		objs[i] = s3Obj{key: fmt.Sprintf("obj/%04d", i), body: payload(1+rng.IntN(plan.s3MaxSize), fmt.Sprintf("object %d ", i))}
	}
	h := newHistory()
	var next, ackedN atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	c := cc.s3(target, false)
	dead := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(objs) {
					return
				}
				o := objs[i]
				_, err := h.run(w, target, "PutObject", o.key, fmt.Sprint(len(o.body)), func() (string, error) {
					_, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key), Body: bytes.NewReader(o.body)})
					return "", err
				})
				if err == nil {
					mu.Lock()
					objs[i].acked = true
					mu.Unlock()
					ackedN.Add(1)
					continue
				}
				select {
				case <-dead:
					return // the node is gone: stop uploading
				default:
				}
				t.Errorf("PutObject %s before the kill: %v", o.key, err)
				return
			}
		}()
	}
	pc.Poll("acknowledged PUTs before the kill", func() bool { return ackedN.Load() >= int64(plan.s3KillAfter) })
	close(dead)
	pc.Kill(target)
	wg.Wait()
	inFlight := 0
	for _, o := range h.snapshot() {
		if !o.ok() {
			inFlight++
		}
	}
	killAt := time.Now()
	survivors := clustertest.Without(all, target)
	pc.Leader(survivors...)
	pc.Restart(target)
	pc.CaughtUp(target, pc.Leader(all...))
	recovery := time.Since(killAt)

	f := chaosFigures{scenario: "S3 PUTs, node SIGKILLed midway", recovery: recovery, firstWrite: -1}
	present := 0
	lost := map[string]bool{}
	tried := int(next.Load())
	for _, id := range all {
		rc := cc.s3(id, true)
		for _, o := range objs[:min(tried, len(objs))] {
			got, _, err := getBytes(rc, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key)})
			switch {
			case err == nil && bytes.Equal(got, o.body):
				if !o.acked && id == all[0] {
					present++
				}
			case err == nil:
				t.Errorf("%s through %s: got %d bytes that differ from the %d PUT (acknowledged: %v)", o.key, id, len(got), len(o.body), o.acked)
			case o.acked:
				t.Errorf("acknowledged object %s through %s: %v", o.key, id, err)
				lost[o.key] = true
			case clustertest.ErrCode(err) != "NoSuchKey":
				t.Errorf("unacknowledged object %s through %s: got %v, want NoSuchKey or the whole object", o.key, id, err)
			}
		}
	}
	f.lost = len(lost)
	for _, o := range objs {
		if o.acked {
			f.acked++
		}
	}
	tmp, _ := filepath.Glob(filepath.Join(pc.Dir, "objects", bucket, ".put-*"))
	f.note = fmt.Sprintf("%d PUTs in flight at the kill: %d absent, %d committed unacknowledged; %d temporary files left", inFlight, inFlight-present, present, len(tmp))
	t.Logf("killed %s after %d acknowledged PUTs; %s", target, f.acked, f.note)
	return f, objs
}
