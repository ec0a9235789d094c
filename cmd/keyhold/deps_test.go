package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/keyhold/keyhold"

// depRule is what one part of keyhold may import of keyhold, and why.
type depRule struct {
	may []string // rule keys (below); "*" is every package but cmd
	why string
}

// allowedDeps is the architecture: which keyhold packages each part may import. A package is
// ruled by the longest key that is its path or a parent of it (api/kms by api, cluster/node/nodetest
// by its own key); an import is allowed when its own rule key is the importer's or is listed.
// Dependencies point inwards; nothing imports cmd.
var allowedDeps = map[string]depRule{
	"hsm":     {nil, "the PKCS#11 boundary is the bottom layer: it knows no keyhold concept"},
	"softhsm": {nil, "SoftHSM2 tokens for tests and dev mode, over the command-line tools only"},
	"wrap":    {nil, "envelope cryptography is pure functions over keys it is handed"},
	"domain":  {[]string{"wrap"}, "the key service decides; it stores through an interface and reaches the HSM through one"},
	"api":     {[]string{"domain", "wrap"}, "protocols over the key service; never the cluster: a handler must not reach around the domain into raft"},
	"cluster": {nil, "raft glue replicates an opaque state machine and knows nothing of keys"},
	"cluster/devcluster": {[]string{"domain"},
		"dev CA, operator key and nodes.json; never the node, so that the node's own tests can use it"},
	"cluster/clustertest": {[]string{"cluster/devcluster"},
		"process clusters run the keyhold binary; never the node, so that the node's own tests can use it"},
	"cluster/node": {[]string{"api", "domain", "hsm", "wrap", "cluster", "cluster/devcluster", "softhsm"},
		"the node wires HSM, state, raft and the API together; the only package besides cmd that imports api"},
	"cluster/node/nodetest": {[]string{"cluster/node", "cluster/clustertest", "softhsm"},
		"in-process nodes for tests in other packages, through the node's exported API"},
	"cmd": {[]string{"*"}, "commands turn flags and config into a node or a client; nothing imports them"},
}

// ruleKey returns the allowedDeps key ruling the package at rel (relative to the module).
func ruleKey(rel string) (string, bool) {
	for k := rel; k != "." && k != ""; {
		if _, ok := allowedDeps[k]; ok {
			return k, true
		}
		i := strings.LastIndex(k, "/")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return "", false
}

// apiDeps is the architecture inside api: which keyhold packages each api sub-package may
// import. The root api (request pipeline and wiring) imports the protocol packages, never the
// reverse, so a protocol cannot reach around the shared gate and audit path; protocols share
// code only through api/pipeline (the contract the root hands them), api/sigv4 and api/audit.
var apiDeps = map[string][]string{
	// pipeline is the contract between the root api and the protocols: it names the shared
	// errors and the Pipeline interface, so it needs the SigV4 identity and the audit record.
	"api/pipeline": {"api/audit", "api/sigv4", "domain", "domain/policy"},
	// kms and s3 declare the domain methods they need (Service); domain and wrap give those
	// methods' types. s3 also holds the object store interface it writes sealed objects to.
	"api/kms": {"api/audit", "api/pipeline", "api/sigv4", "domain", "wrap"},
	"api/s3":  {"api/audit", "api/objstore", "api/pipeline", "api/sigv4", "domain", "wrap"},
	// query is the Query protocol (IAM, STS) over the shared pipeline; iam and sts are its
	// two APIs, each declaring the domain methods it needs as kms and s3 do.
	"api/query": {"api/audit", "api/pipeline", "api/sigv4", "domain"},
	"api/iam":   {"api/pipeline", "api/query", "api/sigv4", "domain", "domain/iam", "domain/policy"},
	"api/sts":   {"api/pipeline", "api/query", "api/sigv4", "domain", "domain/iam", "domain/policy"},
	// admin authenticates operators (adminauth) and answers with adminclient's wire types;
	// proposals and tokens it passes through are domain/ceremony's records.
	"api/admin": {"api/adminauth", "api/adminclient", "api/audit", "api/pipeline", "domain", "domain/ceremony"},
	// adminclient is imported by keyholdctl: it must not pull the server into the CLI. Its wire
	// types carry domain/ceremony records (and domain's status view).
	"api/adminclient": {"api/adminauth", "domain", "domain/ceremony"},
	// Storage backends and the audit trail know nothing of requests or keys: they hold sealed
	// bytes and records, so a backend bug cannot reach key material.
	"api/objstore": {},
	"api/audit":    {},

	// Quotas are token buckets and AWS's table of rates: no requests, no keys.
	"api/quota": {},
}

// TestAPISubpackageDirection checks the api sub-packages against apiDeps (non-test imports),
// and that every api sub-package has a rule, so a new one is placed deliberately.
func TestAPISubpackageDirection(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if !strings.HasPrefix(rel, "api/") {
			continue
		}
		allowed, ruled := apiDeps[rel]
		if !ruled && !contains(leafPackages, rel) {
			t.Errorf("%s has no rule in apiDeps", rel)
			continue
		}
		for _, imp := range p.Imports {
			dep, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			if dep == "api" {
				t.Errorf("%s imports the root api: protocol packages get the pipeline handed in, never import it", p.ImportPath)
				continue
			}
			if ruled && !contains(allowed, dep) {
				t.Errorf("%s imports %s: it may import only %v of keyhold", p.ImportPath, imp, allowed)
			}
		}
	}
}

type goPackage struct {
	ImportPath string
	Doc        string
	Imports    []string
	Name       string
}

func listPackages(t *testing.T) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestDependencyDirection checks the import graph against allowedDeps (non-test imports).
func TestDependencyDirection(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		key, ok := ruleKey(rel)
		if !ok {
			t.Errorf("%s is ruled by no entry of allowedDeps: place it in the architecture", p.ImportPath)
			continue
		}
		rule := allowedDeps[key]
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep, _ := ruleKey(strings.TrimPrefix(imp, module+"/"))
			switch {
			case dep == "cmd":
				t.Errorf("%s imports %s: nothing imports cmd", p.ImportPath, imp)
			case dep == key || contains(rule.may, dep) || contains(rule.may, "*"):
			default:
				t.Errorf("%s imports %s: %s may import only %v of keyhold (%s)", p.ImportPath, imp, key, rule.may, rule.why)
			}
		}
	}
}

// TestEveryPackageHasADoc: each package states its concern in a doc comment.
func TestEveryPackageHasADoc(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// testOnlyPackages may be imported by _test.go files only: domain/domaintest keeps domain keys
// in Go memory (a software keyring), which must never reach a binary.
var testOnlyPackages = []string{"domain/domaintest"}

// TestTestOnlyPackages checks that no package imports a testOnlyPackages entry outside tests.
func TestTestOnlyPackages(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			if dep, ok := strings.CutPrefix(imp, module+"/"); ok && contains(testOnlyPackages, dep) {
				t.Errorf("%s imports %s, which is for tests only", p.ImportPath, imp)
			}
		}
	}
}
