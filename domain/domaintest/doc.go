// Package domaintest builds a real domain.Service for tests of the packages above domain (the
// api protocol handlers): a domain.State with an initialised domain, a Proposer that applies
// each command to that state directly (what a single-node raft does once the entry commits),
// and a software Keyring whose domain keys are AES-256-GCM keys in Go memory.
//
// TEST ONLY. The software keyring is the opposite of keyhold's key hierarchy: the domain key
// lives in process memory instead of an HSM, so everything sealed under it is as safe as this
// process's heap. Nothing but _test.go files may import this package (cmd/keyhold
// deps_test.go checks); the HSM-backed keyring and real raft are exercised end to end in
// cmd/keyhold.
//
// It may import domain and wrap only.
package domaintest
