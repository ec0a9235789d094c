package domain

import (
	"testing"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// TestCeremonyKindTable checks that every kind package ceremony knows has a complete behavioural
// entry here, and no other kind does.
func TestCeremonyKindTable(t *testing.T) {
	kinds := ceremony.Kinds()
	if len(ceremonyKinds) != len(kinds) {
		t.Fatalf("%d kinds in the table, want %d", len(ceremonyKinds), len(kinds))
	}
	for _, k := range kinds {
		c := kindOf(k)
		if c == nil {
			t.Fatalf("kind %s has no table entry", k)
		}
		if c.apply == nil {
			t.Errorf("kind %s: apply not set", k)
		}
	}
	// Only the kinds whose execution needs the HSM wait for the leader.
	for k, leader := range map[ceremony.ProposalKind]bool{ceremony.KindInitDomain: true, ceremony.KindAdmitNode: true, ceremony.KindRotateDK: true, ceremony.KindRemoveNode: false, ceremony.KindExportToken: false} {
		if got := kindOf(k).prepare != nil; got != leader {
			t.Errorf("%s: executed by the leader %v, want %v", k, got, leader)
		}
	}
}
