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
