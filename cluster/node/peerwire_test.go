package node

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"testing"

	"github.com/keyhold/keyhold/domain"
)

// TestWireErrorsCoverDomainSentinels keeps domainKinds complete: every sentinel declared in
// domain/errors.go must survive a forwarded Apply with its kind.
func TestWireErrorsCoverDomainSentinels(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../../domain/errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, k := range domainKinds {
		known[k.Error()] = true
	}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			call, ok := vs.Values[i].(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				continue
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				continue
			}
			if msg := lit.Value[1 : len(lit.Value)-1]; !known[msg] {
				t.Errorf("domain.%s (%q) is missing from domainKinds", name.Name, msg)
			}
		}
		return true
	})
	in := &domain.Error{Kind: domain.ErrAlreadyExists, Msg: "exists"}
	out := toWire(in).fromWire()
	var de *domain.Error
	if !errors.As(out, &de) || !errors.Is(out, domain.ErrAlreadyExists) || de.Msg != "exists" {
		t.Errorf("round trip: got %v, want AlreadyExists %q", out, "exists")
	}
}
