package node

import (
	"testing"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// procCluster is clustertest's process cluster, with what this package's tests add to it
// (status into the node's own status type; pause, resume, s3 clients... in their files).
type procCluster struct{ *clustertest.ProcCluster }

func startProcCluster(t *testing.T, n int) *procCluster {
	t.Helper()
	return &procCluster{clustertest.StartProcCluster(t, n)}
}

// sub returns a view of pc for subtest t.
func (pc *procCluster) sub(t *testing.T) *procCluster {
	return &procCluster{pc.Sub(t)}
}

// status reads node id's /v1/cluster/status; ok is false when it does not answer.
func (pc *procCluster) status(id string) (clusterStatus, bool) {
	var st clusterStatus
	ok := pc.Status(id, &st)
	return st, ok
}
