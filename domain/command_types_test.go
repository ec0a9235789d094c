package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestCommandTypesBelowCmdLast: every command type constant declared in command.go's iota
// block is at most cmdLast, and Apply has a case for each. A type added without moving cmdLast
// would be taken for a newer version's command, and halt every node that applies it.
func TestCommandTypesBelowCmdLast(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "command.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		gd, ok := n.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST || len(gd.Specs) == 0 {
			return true
		}
		first, ok := gd.Specs[0].(*ast.ValueSpec)
		if !ok || len(first.Names) == 0 || first.Names[0].Name != "cmdInvalid" {
			return true
		}
		for _, s := range gd.Specs[1:] {
			vs := s.(*ast.ValueSpec)
			if len(vs.Values) > 0 {
				break // the end of the iota run (cmdLast, cmdReservedMax)
			}
			for _, id := range vs.Names {
				names = append(names, id.Name)
			}
		}
		return false
	})
	if len(names) != int(cmdLast) {
		t.Fatalf("command.go's iota block declares %d types (%s) but cmdLast is %d: move cmdLast to the last type", len(names), strings.Join(names, ", "), cmdLast)
	}
	for ct := CommandType(1); ct <= cmdLast; ct++ {
		err := NewState(testARNs).Apply([]byte{byte(ct), '{', '}'})
		if NewerCommand(err) || RejectedCommand(err) && strings.Contains(err.Error(), "no handler") {
			t.Errorf("type %d (%s) has no case in Apply: %v", ct, names[ct-1], err)
		}
	}
}
