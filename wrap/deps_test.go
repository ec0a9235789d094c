package wrap

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDependencies pins the dependency direction (STYLE item 2): wrap imports nothing of
// keyhold (in particular not hsm; it asks for a domain key through AEAD) and, outside tests,
// only the standard library plus the two primitives it lacks: ML-DSA (filippo.io/mldsa) and secp256k1
// (decred), each confined to one file (mldsa.go, secp256k1.go) and the key type that holds them.
func TestDependencies(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/keyhold/keyhold") {
				t.Errorf("%s imports %s; wrap must import nothing of keyhold", name, path)
			}
			first, _, _ := strings.Cut(path, "/")
			if !strings.HasSuffix(name, "_test.go") && strings.Contains(first, ".") && !allowedExternal(path) {
				t.Errorf("%s imports %s; wrap's code uses only the standard library", name, path)
			}
		}
	}
}

// allowedExternal lists the non-standard modules wrap may use: primitives Go's standard library
// does not export (see mldsa.go and secp256k1.go for why each).
func allowedExternal(path string) bool {
	return path == "filippo.io/mldsa" || path == "filippo.io/mldsa/mldsacrypto" ||
		path == "github.com/decred/dcrd/dcrec/secp256k1/v4" ||
		path == "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
}
