package main

import (
	"strings"
	"testing"
)

// leafPackages are packages held to a stricter rule than their top-level folder: they import
// nothing of keyhold and nothing outside the standard library. domain/policy is the IAM policy
// engine; keeping it a leaf lets domain, api and the IAM/STS layers all use it without cycles,
// and keeps its authorization semantics reviewable on their own.
//
// api/sigv4 is the request authenticator every protocol shares; as a leaf it cannot reach the
// domain, storage or the server, so what it accepts depends on the request and the secret the
// caller hands it alone, and it can be reviewed (and fuzzed) on its own. api/adminauth verifies
// operators' request signatures for the same reason.
var leafPackages = []string{"domain/policy", "api/sigv4", "api/adminauth"}

// TestLeafPackages checks leafPackages' imports (non-test).
func TestLeafPackages(t *testing.T) {
	found := map[string]bool{}
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if !contains(leafPackages, rel) {
			continue
		}
		found[rel] = true
		for _, imp := range p.Imports {
			first, _, _ := strings.Cut(imp, "/")
			if strings.HasPrefix(imp, module+"/") || strings.Contains(first, ".") {
				t.Errorf("%s imports %s: it may import only the standard library", p.ImportPath, imp)
			}
		}
	}
	for _, l := range leafPackages {
		if !found[l] {
			t.Errorf("leaf package %s not found", l)
		}
	}
}
