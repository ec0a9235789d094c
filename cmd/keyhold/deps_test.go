package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/keyhold/keyhold"

// allowedDeps is the architecture: which keyhold packages each package may import. Dependencies
// point inwards; nothing imports api or cmd.
var allowedDeps = map[string][]string{
	"hsm":     {},
	"softhsm": {},
	"wrap":    {},
	"cluster": {},
	"domain":  {"wrap"},
	"api":     {"domain", "wrap"},
}

// apiDeps is the architecture inside api: which keyhold packages each api sub-package may
// import. The root api (request pipeline and wiring) imports the protocol packages, never the
// reverse, so a protocol cannot reach around the shared gate and audit path; protocols share
// code only through api/pipeline (the contract the root hands them), api/sigv4 and api/audit.
var apiDeps = map[string][]string{
	// pipeline is the contract between the root api and the protocols: it names the shared
	// errors and the Pipeline interface, so it needs the SigV4 identity and the audit record.
	"api/pipeline": {"api/audit", "api/sigv4", "domain"},
	// kms and s3 declare the domain methods they need (Service); domain and wrap give those
	// methods' types. s3 also holds the object store interface it writes sealed objects to.
	"api/kms": {"api/audit", "api/pipeline", "api/sigv4", "domain", "wrap"},
	"api/s3":  {"api/audit", "api/objstore", "api/pipeline", "api/sigv4", "domain", "wrap"},
	// admin authenticates operators (adminauth) and answers with adminclient's wire types.
	"api/admin": {"api/adminauth", "api/adminclient", "api/audit", "api/pipeline", "domain"},
	// adminclient is imported by keyholdctl: it must not pull the server into the CLI.
	"api/adminclient": {"api/adminauth", "domain"},
	// Storage backends and the audit trail know nothing of requests or keys: they hold sealed
	// bytes and records, so a backend bug cannot reach key material.
	"api/objstore": {},
	"api/audit":    {},
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
		top, _, _ := strings.Cut(rel, "/")
		allowed, ruled := allowedDeps[top]
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep, _, _ := strings.Cut(strings.TrimPrefix(imp, module+"/"), "/")
			if dep == top {
				continue
			}
			if dep == "api" && top != "cmd" || dep == "cmd" {
				t.Errorf("%s imports %s: nothing but cmd imports api, and nothing imports cmd", p.ImportPath, imp)
			}
			if ruled && !contains(allowed, dep) {
				t.Errorf("%s imports %s: %s may import only %v of keyhold", p.ImportPath, imp, top, allowed)
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
