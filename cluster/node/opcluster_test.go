package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/cluster/devcluster"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/softhsm"
)

// The production path, as docs/ceremonies.md tells an operator to walk it: `keyhold serve`
// processes configured by hand (one SoftHSM2 token each, mutual TLS), operators with encrypted
// keys, and the real keyholdctl binary for every ceremony. opCluster reuses procCluster's
// process handling (restart, kill, status, leader, poll) with nodes it configures itself.

// opPassphrase encrypts the test operators' keys (keyholdctl keygen, KEYHOLDCTL_PASSPHRASE).
const opPassphrase = "correct horse battery staple"

// opCluster is n configured but not yet started nodes; node1 bootstraps raft and writes the root
// credentials once the domain exists, the others join through every other node.
type opCluster struct {
	*procCluster
	ctl string
	ops string // directory of the operators' key files
}

func newOpCluster(t *testing.T, n int) *opCluster {
	t.Helper()
	pc := &procCluster{clustertest.NewProcCluster(t)}
	oc := &opCluster{procCluster: pc, ctl: clustertest.KeyholdctlBinary(t), ops: filepath.Join(pc.Dir, "operators")}
	ca, caKey, err := devcluster.EnsureCA(filepath.Join(pc.Dir, "tls"))
	if err != nil {
		t.Fatal(err)
	}
	caPath, _ := devcluster.CAFiles(filepath.Join(pc.Dir, "tls"))
	base := clustertest.FreePortBase(t, n)
	var cfgs []Config
	for i := range n {
		tok := softhsm.NewToken(t) // in this process's SOFTHSM2_CONF, which the nodes inherit
		c := DefaultConfig()
		c.NodeID = fmt.Sprintf("node%d", i+1)
		c.DataDir = filepath.Join(pc.Dir, c.NodeID)
		c.APIAddr = fmt.Sprintf("127.0.0.1:%d", base+10*i)
		c.OpsAddr = fmt.Sprintf("127.0.0.1:%d", base+10*i+1)
		c.RaftAddr = fmt.Sprintf("127.0.0.1:%d", base+10*i+2)
		c.HSM, c.HSMSessions, c.MemLock = tok.URI(), 4, false
		c.HSMSOPINFile = filepath.Join(pc.Dir, c.NodeID+".so-pin")
		c.HSMSOPINKeep = true // as in dev mode: several ceremonies in a row
		if err := os.WriteFile(c.HSMSOPINFile, []byte(tok.SOPIN+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if c.TLSCert, c.TLSKey, err = devcluster.EnsureNodeCert(filepath.Join(pc.Dir, "tls"), c.NodeID, ca, caKey); err != nil {
			t.Fatal(err)
		}
		c.TLSCA = caPath
		c.Bootstrap = i == 0
		c.ObjectStoreDir, c.ObjectStoreShared = filepath.Join(pc.Dir, "objects"), true
		if i == 0 {
			c.RootCredentialsFile = filepath.Join(pc.Dir, "root.credentials")
			// Only alice may propose the domain's init (operators_test.go makes her key
			// before node 1 starts); the operators her proposal names approve it.
			c.BootstrapOperatorKeys = filepath.Join(oc.ops, "alice.key.pub")
		}
		cfgs = append(cfgs, c)
	}
	DevJoinPeers(cfgs)
	for i := range cfgs {
		if err := cfgs[i].Validate(); err != nil {
			t.Fatal(err)
		}
		b, _ := json.MarshalIndent(cfgs[i], "", "  ")
		path := filepath.Join(pc.Dir, cfgs[i].NodeID+".json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		pc.AddNode(devcluster.NodeInfo{ID: cfgs[i].NodeID, APIURL: "http://" + cfgs[i].APIAddr,
			OpsURL: "http://" + cfgs[i].OpsAddr, RaftAddr: cfgs[i].RaftAddr, Config: path})
	}
	pc.SetEnv(os.Environ())
	if err := os.MkdirAll(oc.ops, 0o700); err != nil {
		t.Fatal(err)
	}
	return oc
}

// sub returns a view of oc for subtest t (procCluster.sub).
func (oc *opCluster) sub(t *testing.T) *opCluster {
	return &opCluster{procCluster: oc.procCluster.sub(t), ctl: oc.ctl, ops: oc.ops}
}

// run runs keyholdctl against node id's ops listener; it fails the test unless the exit status
// is 0, and returns stdout.
func (oc *opCluster) run(t *testing.T, id string, args ...string) string {
	t.Helper()
	out, errOut, err := oc.exec(id, args...)
	if err != nil {
		t.Fatalf("keyholdctl %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func (oc *opCluster) exec(id string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(oc.ctl, append([]string{"--addr", oc.Info(id).OpsURL}, args...)...)
	cmd.Dir = oc.ops
	cmd.Env = append(clustertest.WithoutEnv(os.Environ(), "KEYHOLDCTL_PASSPHRASE"), "KEYHOLDCTL_PASSPHRASE="+opPassphrase)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// propose runs a proposing keyholdctl command with --output json and returns the proposal.
func (oc *opCluster) propose(t *testing.T, id string, args ...string) proposalJSON {
	t.Helper()
	var p proposalJSON
	out := oc.run(t, id, append([]string{"--output", "json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.ID == "" {
		t.Fatalf("keyholdctl %s: output %q: %v", args[0], out, err)
	}
	return p
}

// proposalJSON is the part of keyholdctl's JSON proposal output the tests read.
type proposalJSON struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Status    string `json:"status"`
	Approvals int    `json:"approvals"`
}

// domainStatus reads node id's /v1/domain/status (what `keyholdctl status` shows).
func (oc *opCluster) domainStatus(id string) (domain.DomainStatus, bool) {
	var st domain.DomainStatus
	resp, err := http.Get(oc.Info(id).OpsURL + "/v1/domain/status")
	if err != nil {
		return st, false
	}
	defer resp.Body.Close()
	return st, resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&st) == nil
}

// voters returns the raft voters node id knows.
func (oc *opCluster) voters(id string) []string {
	st, _ := oc.status(id)
	var out []string
	for _, v := range st.Voters {
		out = append(out, v.ID)
	}
	return out
}

func memberIDs(st domain.DomainStatus) []string {
	var out []string
	for _, m := range st.Members {
		out = append(out, m.NodeID)
	}
	return out
}
