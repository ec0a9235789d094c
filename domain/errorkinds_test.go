package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// TestErrorKindsListsEverySentinel parses errors.go and checks that every sentinel declared
// there (an exported var set to errors.New) is in ErrorKinds, matched by its text, which is
// also what the peer wire format names kinds by. A new error kind therefore cannot be added
// without the protocols' tables, which enumerate ErrorKinds, noticing it.
func TestErrorKindsListsEverySentinel(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, k := range ErrorKinds() {
		if listed[k.Error()] {
			t.Errorf("%q listed twice (or two kinds share a text)", k)
		}
		listed[k.Error()] = true
	}
	declared := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !n.IsExported() || i >= len(vs.Values) {
					continue
				}
				call, ok := vs.Values[i].(*ast.CallExpr)
				if !ok || len(call.Args) != 1 {
					continue
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok {
					continue
				}
				text, _ := strconv.Unquote(lit.Value)
				declared++
				if !listed[text] {
					t.Errorf("%s (%q) is declared in errors.go but missing from ErrorKinds", n.Name, text)
				}
			}
		}
	}
	if declared != len(listed) {
		t.Errorf("errors.go declares %d sentinels, ErrorKinds lists %d", declared, len(listed))
	}
}
