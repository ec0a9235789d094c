package node

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// The fault-injection suite's records: every operation a chaos client ran, when it started and
// ended and what it returned, kept as a history (the shape Jepsen and porcupine check), plus the
// process-level fault helpers procCluster lacks.

// chaosOp is one operation of a history. Times are since the history began (monotonic).
type chaosOp struct {
	Client int           `json:"client"`
	Node   string        `json:"node"`
	Op     string        `json:"op"`
	Key    string        `json:"key,omitempty"`
	Input  string        `json:"input,omitempty"`
	Output string        `json:"output,omitempty"`
	Start  time.Duration `json:"start"`
	End    time.Duration `json:"end"`
	Err    string        `json:"err,omitempty"`
}

func (o chaosOp) ok() bool { return o.Err == "" }

// history records operations from many goroutines.
type history struct {
	base time.Time
	mu   sync.Mutex
	ops  []chaosOp
}

func newHistory() *history { return &history{base: time.Now()} }

func (h *history) now() time.Duration { return time.Since(h.base) }

// run times f as one operation and records it.
func (h *history) run(client int, node, op, key, input string, f func() (string, error)) (string, error) {
	start := h.now()
	out, err := f()
	o := chaosOp{Client: client, Node: node, Op: op, Key: key, Input: input, Output: out, Start: start, End: h.now()}
	if err != nil {
		o.Err = clustertest.ErrCode(err)
	}
	h.mu.Lock()
	h.ops = append(h.ops, o)
	h.mu.Unlock()
	return out, err
}

func (h *history) snapshot() []chaosOp {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]chaosOp(nil), h.ops...)
}

// save writes the history as JSON lines, for reading after a failure.
func (h *history) save(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, o := range h.snapshot() {
		if err := enc.Encode(o); err != nil {
			return err
		}
	}
	return nil
}

// Register model for porcupine: one KMS key's description, written by UpdateKeyDescription and
// read by DescribeKey. A write whose outcome the client never learned (an error, a killed node)
// may have happened at any time after it started, so it returns "never" (porcupine's reading of
// an open call); a failed read changes nothing and says nothing, so it is left out.
type regInput struct {
	write bool
	value string
}

var registerModel = porcupine.Model{
	Init: func() any { return "init" },
	Step: func(state, input, output any) (bool, any) {
		in := input.(regInput)
		if in.write {
			return true, in.value
		}
		return output.(string) == state.(string), state
	},
	DescribeOperation: func(input, output any) string {
		if in := input.(regInput); in.write {
			return "write(" + in.value + ")"
		}
		return "read() -> " + output.(string)
	},
}

// registerOps turns the register's operations of a history into porcupine's.
func registerOps(ops []chaosOp, key string) []porcupine.Operation {
	var out []porcupine.Operation
	for _, o := range ops {
		if o.Key != key {
			continue
		}
		switch o.Op {
		case "UpdateKeyDescription":
			if strings.Contains(o.Err, "connection refused") {
				continue // never sent: the node was already dead
			}
			end := int64(o.End)
			if !o.ok() {
				end = math.MaxInt64
			}
			out = append(out, porcupine.Operation{ClientId: o.Client, Input: regInput{write: true, value: o.Input}, Call: int64(o.Start), Output: "", Return: end})
		case "DescribeKey":
			if o.ok() {
				out = append(out, porcupine.Operation{ClientId: o.Client, Input: regInput{}, Call: int64(o.Start), Output: o.Output, Return: int64(o.End)})
			}
		}
	}
	return out
}

// checkRegisterFinal is the always-on part of the register check: the value read once the
// cluster is quiet must come from a write that no acknowledged write strictly followed (else an
// acknowledged write was lost). It returns the number of acknowledged writes lost (0 or 1).
func checkRegisterFinal(ops []chaosOp, key, final string) (int, error) {
	var from *chaosOp
	for i, o := range ops {
		if o.Key == key && o.Op == "UpdateKeyDescription" && o.Input == final {
			from = &ops[i]
		}
	}
	if from == nil {
		if final == "init" {
			for _, o := range ops {
				if o.Key == key && o.Op == "UpdateKeyDescription" && o.ok() {
					return 1, fmt.Errorf("register %s reads its initial value after acknowledged write %q", key, o.Input)
				}
			}
			return 0, nil
		}
		return 0, fmt.Errorf("register %s reads %q, which nobody wrote", key, final)
	}
	for _, o := range ops {
		if o.Key == key && o.Op == "UpdateKeyDescription" && o.ok() && o.Start > from.End {
			return 1, fmt.Errorf("register %s reads %q (written by %s, ended at %v), but acknowledged write %q started after that, at %v",
				key, final, from.Node, from.End, o.Input, o.Start)
		}
	}
	return 0, nil
}

// chaosClients builds SDK clients for the chaos workload. A retrying client uses the SDK's
// standard retryer with its default retryable errors (connection failures, 5xx, throttling),
// more attempts and no retry quota, so a caller rides out an election as an application would;
// every retry is counted. A plain client reports the first failure (calls to a node about to
// be killed).
type chaosClients struct {
	pc      *procCluster
	retries *atomic.Int64
}

// countingRetryer counts the errors the SDK decided to retry.
type countingRetryer struct {
	aws.RetryerV2
	n *atomic.Int64
}

func (r countingRetryer) IsErrorRetryable(err error) bool {
	ok := r.RetryerV2.IsErrorRetryable(err)
	if ok {
		r.n.Add(1)
	}
	return ok
}

func (cc chaosClients) retryer(retrying bool) aws.Retryer {
	if !retrying {
		return clustertest.ClientRaceRetryer()
	}
	return countingRetryer{retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 12
		o.MaxBackoff = 2 * time.Second
		o.RateLimiter = ratelimit.None
	}), cc.retries}
}

func (cc chaosClients) httpClient() *awshttp.BuildableClient {
	// A request to a stopped (SIGSTOP) node must not hang the workload.
	return awshttp.NewBuildableClient().WithTimeout(15 * time.Second)
}

func (cc chaosClients) kms(id string, retrying bool) *kms.Client {
	return kms.New(kms.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(cc.pc.AKID, cc.pc.Secret, ""),
		BaseEndpoint: aws.String(cc.pc.Info(id).APIURL),
		Retryer:      cc.retryer(retrying),
		HTTPClient:   cc.httpClient(),
	})
}

func (cc chaosClients) s3(id string, retrying bool) *s3.Client {
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(cc.pc.AKID, cc.pc.Secret, ""),
		BaseEndpoint:               aws.String(cc.pc.Info(id).APIURL),
		UsePathStyle:               true,
		Retryer:                    cc.retryer(retrying),
		HTTPClient:                 cc.httpClient(),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}

// pause SIGSTOPs node id: it keeps its sockets but answers nothing, as a node in a long GC
// pause, swapped out, or behind a partition does.
func (pc *procCluster) pause(id string) { pc.Signal(id, syscall.SIGSTOP) }

// resume SIGCONTs a paused node.
func (pc *procCluster) resume(id string) { pc.Signal(id, syscall.SIGCONT) }

// TestChaosCheckersCatchViolations: the suite's checkers fail on the histories they exist to
// catch: a stale read (porcupine), and a final value that ignores an acknowledged write.
func TestChaosCheckersCatchViolations(t *testing.T) {
	const k = "reg"
	ms := time.Millisecond
	w := func(client int, v string, start, end time.Duration, err string) chaosOp {
		return chaosOp{Client: client, Node: "node1", Op: "UpdateKeyDescription", Key: k, Input: v, Start: start, End: end, Err: err}
	}
	r := func(client int, node, v string, start, end time.Duration) chaosOp {
		return chaosOp{Client: client, Node: node, Op: "DescribeKey", Key: k, Output: v, Start: start, End: end}
	}
	good := []chaosOp{
		w(0, "a", 0, 10*ms, ""),
		r(1, "node2", "a", 11*ms, 12*ms),
		w(0, "b", 13*ms, 20*ms, "non-API error: connection reset"), // outcome unknown
		r(1, "node2", "b", 21*ms, 22*ms),
		r(2, "node3", "b", 23*ms, 24*ms),
	}
	if !porcupine.CheckOperations(registerModel, registerOps(good, k)) {
		t.Fatal("porcupine: a linearizable history was refused")
	}
	stale := append(slices.Clone(good), r(2, "node3", "a", 25*ms, 26*ms)) // "a" after "b" was seen
	if porcupine.CheckOperations(registerModel, registerOps(stale, k)) {
		t.Fatal("porcupine: a stale read after a newer read was accepted")
	}
	if lost, err := checkRegisterFinal(good, k, "b"); lost != 0 || err != nil {
		t.Fatalf("final value b: got %d, %v, want nothing lost", lost, err)
	}
	acked := append(slices.Clone(good), w(0, "c", 30*ms, 40*ms, ""))
	if lost, err := checkRegisterFinal(acked, k, "b"); lost != 1 || err == nil {
		t.Fatalf("final value b after acknowledged write c: got %d, %v, want 1 lost", lost, err)
	}
	if lost, err := checkRegisterFinal(good, k, "zzz"); err == nil {
		t.Fatalf("final value nobody wrote: got %d, nil, want an error", lost)
	}
}
