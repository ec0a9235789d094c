package ceremony

import "testing"

// TestKindInfoTable checks that every kind in the descriptive table is complete and that the
// names, which the CLI shows and operators type, are the ones keyhold has always used.
func TestKindInfoTable(t *testing.T) {
	want := map[ProposalKind]string{
		KindInitDomain: "init-domain", KindAdmitNode: "admit-node", KindRemoveNode: "remove-node",
		KindRotateDK: "rotate-domain-key", KindAddOperator: "add-operator", KindRemoveOperator: "remove-operator",
		KindChangeQuorum: "change-quorum", KindExportToken: "export-token", KindCreateAccount: "create-account",
	}
	if len(kindInfos) != len(want) || len(Kinds()) != len(want) {
		t.Fatalf("%d kinds in the table (%d listed), want %d", len(kindInfos), len(Kinds()), len(want))
	}
	for k, name := range want {
		c := kindInfoOf(k)
		if c == nil {
			t.Fatalf("kind %d has no table entry", k)
		}
		if k.String() != name || c.quorum == nil {
			t.Errorf("kind %d: name %q (want %q), quorum set %v", k, k.String(), name, c.quorum != nil)
		}
	}
	if KindInvalid.String() != "" || ProposalKind(200).String() != "kind(200)" {
		t.Errorf("unknown kinds print as %q and %q", KindInvalid.String(), ProposalKind(200).String())
	}
}
