package domain

import "testing"

// TestCeremonyKindTable checks that every kind in the table is complete and that the names, which
// the CLI shows and operators type, are the ones keyhold has always used.
func TestCeremonyKindTable(t *testing.T) {
	want := map[ProposalKind]string{
		KindInitDomain: "init-domain", KindAdmitNode: "admit-node", KindRemoveNode: "remove-node",
		KindRotateDK: "rotate-domain-key", KindAddOperator: "add-operator", KindRemoveOperator: "remove-operator",
		KindChangeQuorum: "change-quorum", KindExportToken: "export-token",
	}
	if len(ceremonyKinds) != len(want) {
		t.Fatalf("%d kinds in the table, want %d", len(ceremonyKinds), len(want))
	}
	for k, name := range want {
		c := kindOf(k)
		if c == nil {
			t.Fatalf("kind %d has no table entry", k)
		}
		if k.String() != name || c.quorum == nil || c.apply == nil {
			t.Errorf("kind %d: name %q (want %q), quorum set %v, apply set %v", k, k.String(), name, c.quorum != nil, c.apply != nil)
		}
	}
	if KindInvalid.String() != "" || ProposalKind(200).String() != "kind(200)" {
		t.Errorf("unknown kinds print as %q and %q", KindInvalid.String(), ProposalKind(200).String())
	}
	// Only the kinds whose execution needs the HSM wait for the leader.
	for k, leader := range map[ProposalKind]bool{KindInitDomain: true, KindAdmitNode: true, KindRotateDK: true, KindRemoveNode: false, KindExportToken: false} {
		if got := kindOf(k).prepare != nil; got != leader {
			t.Errorf("%s: executed by the leader %v, want %v", k, got, leader)
		}
	}
}
