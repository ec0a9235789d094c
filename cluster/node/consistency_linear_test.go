package node

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// Linearizable KMS metadata reads (read_consistency linearizable, the default), checked with
// porcupine on histories recorded against real processes.

// describeModel is a register: UpdateKeyDescription writes it, DescribeKey reads it.
var describeModel = porcupine.Model{
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		in := input.(registerOp)
		if in.write {
			return true, in.value
		}
		return output.(string) == state.(string), state
	},
	DescribeOperation: func(input, output any) string {
		if in := input.(registerOp); in.write {
			return "write " + in.value
		}
		return "read " + output.(string)
	},
}

type registerOp struct {
	write bool
	value string
}

// TestDescribeModelCatchesStaleReads checks the checker: a read that returns a value replaced by a
// write acknowledged before the read began is not linearizable.
func TestDescribeModelCatchesStaleReads(t *testing.T) {
	stale := []porcupine.Operation{
		{ClientId: 0, Input: registerOp{true, "a"}, Call: 0, Output: "", Return: 10},
		{ClientId: 0, Input: registerOp{true, "b"}, Call: 20, Output: "", Return: 30},
		{ClientId: 1, Input: registerOp{}, Call: 40, Output: "a", Return: 50},
	}
	if porcupine.CheckOperations(describeModel, stale) {
		t.Fatal("a stale read passed the linearizability check")
	}
	fresh := slices.Clone(stale)
	fresh[2].Output = "b"
	if !porcupine.CheckOperations(describeModel, fresh) {
		t.Fatal("a current read failed the linearizability check")
	}
}

// TestLinearizableDescribeKey runs concurrent clients on every node of a 3-process cluster,
// writing a key's description (UpdateKeyDescription) and reading it (DescribeKey), and checks
// with porcupine that the history is linearizable: no read returns a value replaced by a write
// acknowledged before the read began, on followers as on the leader (read_consistency
// linearizable, the default).
func TestLinearizableDescribeKey(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	all := []string{"node1", "node2", "node3"}
	lead := pc.Leader(all...)
	out, err := pc.KMS(lead).CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	key := out.KeyMetadata.KeyId
	for _, id := range all {
		pc.CaughtUp(id, lead)
	}
	base := time.Now()
	var mu sync.Mutex
	var history []porcupine.Operation
	var reads, writes, unknown int
	const opsPerClient = 60
	var wg sync.WaitGroup
	for c := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kc := pc.KMS(all[c%3])
			for i := range opsPerClient {
				op := porcupine.Operation{ClientId: c, Call: int64(time.Since(base))}
				if i%3 == 0 {
					v := fmt.Sprintf("c%d-%d", c, i)
					op.Input, op.Output = registerOp{write: true, value: v}, ""
					_, err := kc.UpdateKeyDescription(ctx(), &kms.UpdateKeyDescriptionInput{KeyId: key, Description: aws.String(v)})
					op.Return = int64(time.Since(base))
					mu.Lock()
					switch {
					case err == nil:
						writes++
					case clustertest.ErrCode(err) == codeRetryable || strings.HasPrefix(clustertest.ErrCode(err), "non-API error"):
						// The outcome is unknown: the write may take effect at any time after its call.
						op.Return = math.MaxInt64
						unknown++
					default:
						mu.Unlock()
						t.Errorf("UpdateKeyDescription on %s: %v", all[c%3], err)
						return
					}
					history = append(history, op)
					mu.Unlock()
					continue
				}
				d, err := kc.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: key})
				op.Return = int64(time.Since(base))
				if err != nil {
					if clustertest.ErrCode(err) != codeRetryable {
						t.Errorf("DescribeKey on %s: %v", all[c%3], err)
						return
					}
					continue // a refused read says nothing about the register
				}
				op.Input, op.Output = registerOp{}, aws.ToString(d.KeyMetadata.Description)
				mu.Lock()
				reads++
				history = append(history, op)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	res, info := porcupine.CheckOperationsVerbose(describeModel, history, time.Minute)
	if res != porcupine.Ok {
		path := filepath.Join(t.TempDir(), "history.html")
		if os.Getenv("KEYHOLD_KEEP_CLUSTER_DIRS") != "" {
			path = filepath.Join(pc.Dir, "history.html")
		}
		if f, err := os.Create(path); err == nil {
			_ = porcupine.Visualize(describeModel, info, f)
			f.Close()
		}
		t.Fatalf("DescribeKey/UpdateKeyDescription history of %d reads and %d writes: porcupine says %s (visualisation: %s)", reads, writes, res, path)
	}
	t.Logf("linearizable: %d DescribeKey reads, %d acknowledged and %d unknown-outcome UpdateKeyDescription writes across %v", reads, writes, unknown, all)
}
