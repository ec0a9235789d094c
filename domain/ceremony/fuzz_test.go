package ceremony

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"
)

// goldenKey is a fixed operator key so that seeds and golden files are reproducible.
var goldenKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))

// goldenProposal is a fixed add-operator proposal.
func goldenProposal() *Proposal {
	return &Proposal{
		Version: proposalVersion, DomainID: "0123456789abcdef", Epoch: 3, Kind: KindAddOperator,
		Nonce:    bytes.Repeat([]byte{0xaa}, ProposalNonceSize),
		NotAfter: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC).Unix(),
		Operator: &Operator{Name: "carol", PublicKey: bytes.Repeat([]byte{0x11}, 32)},
	}
}

func goldenSigned(t testing.TB) []byte {
	b, err := MarshalProposal(goldenProposal())
	if err != nil {
		t.Fatal(err)
	}
	sp := SignedProposal{Proposal: b, Signatures: []Signature{SignProposal(goldenKey, b, VerdictApprove)}}
	return sp.Marshal()
}

// FuzzParseSignedProposal checks that the parser never panics and that whatever it accepts
// marshals back to exactly the input (no second encoding verifies the same).
func FuzzParseSignedProposal(f *testing.F) {
	f.Add(goldenSigned(f))
	f.Add([]byte{0xa2, 0x01, 0x40, 0x02, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		sp, _, err := ParseSignedProposal(b)
		if err != nil {
			return
		}
		if got := sp.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("parse then marshal: got %x, want %x", got, b)
		}
	})
}

// FuzzParseToken is the same property for domain tokens.
func FuzzParseToken(f *testing.F) {
	f.Add((&DomainToken{Version: 1, Record: []byte{0xa0}, Export: goldenSigned(f)}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		tok, err := ParseToken(b)
		if err != nil {
			return
		}
		if got := tok.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("parse then marshal: got %x, want %x", got, b)
		}
		_, _ = VerifyToken(tok, []ed25519.PublicKey{goldenKey.Public().(ed25519.PublicKey)})
	})
}
