package main

import (
	"strings"
	"testing"
)

// domainDeps is the architecture inside domain: which keyhold packages each domain package may
// import (allowedDeps already keeps all of domain off hsm, cluster, api and cmd). The replicated
// model (domain) sits on wrap alone; its helpers point at it, never the reverse.
var domainDeps = map[string][]string{
	// The replicated model, its deterministic Apply and the KMS Service; it verifies ceremony
	// records through domain/ceremony, the leaf direction.
	// It holds the identity model (domain/iam), authorizes with the policy engine and seals STS
	// session tokens (domain/ststoken).
	"domain": {"domain/ceremony", "domain/iam", "domain/policy", "domain/ststoken", "wrap"},
	// Signed records, proposals, tokens and their codec: a leaf, so that clients check proposals
	// with the replicas' own code without linking the state; wrap only for the key id type.
	"domain/ceremony": {"wrap"},
	// The key policy language: evaluated on requests, it knows nothing of keys or the state.
	"domain/policy": {},
	// The identity model (accounts, users, groups, roles, managed policies): pure data and its
	// deterministic changes; policies compiled with the engine; secrets stay in domain.
	"domain/iam": {"domain/policy"},
	// STS session tokens: their sealed format and claims, a leaf the service seals and opens
	// with a key it derives; it knows nothing of the state.
	"domain/ststoken": {},
	// Test harness (software keyring, ready service); testOnlyPackages keeps it out of binaries.
	"domain/domaintest": {"domain", "domain/ceremony", "wrap"},
}

// TestDomainSubpackageDirection checks the domain packages against domainDeps (non-test
// imports), and that every domain package has a rule, so a new one is placed deliberately.
func TestDomainSubpackageDirection(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if rel != "domain" && !strings.HasPrefix(rel, "domain/") {
			continue
		}
		allowed, ruled := domainDeps[rel]
		if !ruled {
			t.Errorf("%s has no rule in domainDeps", rel)
			continue
		}
		for _, imp := range p.Imports {
			dep, ok := strings.CutPrefix(imp, module+"/")
			if ok && !contains(allowed, dep) {
				t.Errorf("%s imports %s: it may import only %v of keyhold", p.ImportPath, imp, allowed)
			}
		}
	}
}
