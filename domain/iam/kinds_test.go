package iam

import "testing"

// TestKindsListsEveryKind: a kind added without being listed would reach the domain unmapped.
func TestKindsListsEveryKind(t *testing.T) {
	seen := map[error]bool{}
	for _, k := range Kinds() {
		if seen[k] {
			t.Fatalf("%v listed twice", k)
		}
		seen[k] = true
	}
	for _, k := range []error{ErrNoSuchEntity, ErrEntityAlreadyExists, ErrDeleteConflict, ErrLimitExceeded,
		ErrMalformedPolicy, ErrInvalidInput, ErrValidation, ErrRejected} {
		if !seen[k] {
			t.Errorf("%v missing from Kinds()", k)
		}
	}
}
