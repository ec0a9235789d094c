package domain

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// memberV1 is Member as it was before TLSPin: records and proposals written then must keep
// their bytes (signatures and record hashes cover them).
type memberV1 struct {
	NodeID      string               `cbor:"1,keyasint"`
	Address     string               `cbor:"2,keyasint"`
	IdentityKey []byte               `cbor:"3,keyasint,omitempty"`
	WrappedDKs  []ceremony.WrappedDK `cbor:"4,keyasint,omitempty"`
}

// TestMemberTLSPinIsOptionalCBOR: a member without a pin encodes exactly as before pins existed
// (so admit-node proposals signed then still verify, and record hashes are unchanged); old
// bytes decode strictly into the new Member; a pin is key 5; a pin of the wrong size makes an
// admit-node proposal malformed.
func TestMemberTLSPinIsOptionalCBOR(t *testing.T) {
	id := identities(t)[0]
	old := memberV1{NodeID: "node2", Address: "10.0.0.2:8102", IdentityKey: id, WrappedDKs: []ceremony.WrappedDK{{Version: 1, Wrapped: []byte{1, 2}}}}
	cur := ceremony.Member{NodeID: old.NodeID, Address: old.Address, IdentityKey: old.IdentityKey, WrappedDKs: old.WrappedDKs}
	oldBytes := ceremony.Marshal(old)
	if got := ceremony.Marshal(cur); !bytes.Equal(got, oldBytes) {
		t.Fatalf("a member without a pin changed encoding:\ngot  %x\nwant %x", got, oldBytes)
	}
	var back ceremony.Member
	if err := ceremony.UnmarshalStrict(oldBytes, 1<<16, &back); err != nil || back.TLSPin != nil {
		t.Fatalf("old member bytes: got %+v, %v", back, err)
	}
	pinned := cur
	pinned.TLSPin = bytes.Repeat([]byte{0xab}, ceremony.TLSPinSize)
	pb := ceremony.Marshal(pinned)
	if !bytes.Contains(pb, append([]byte{0x05, 0x58, 0x20}, pinned.TLSPin...)) {
		t.Fatalf("pin not encoded as key 5, a 32-byte string: %x", pb)
	}
	var round ceremony.Member
	if err := ceremony.UnmarshalStrict(pb, 1<<16, &round); err != nil || !bytes.Equal(round.TLSPin, pinned.TLSPin) {
		t.Fatalf("pinned member round trip: got %+v, %v", round, err)
	}

	p := ceremony.NewProposal(ceremony.KindAdmitNode, "0123456789abcdef", 2, time.Now(), time.Hour)
	p.Member = &ceremony.Member{NodeID: "node2", Address: "10.0.0.2:8102", IdentityKey: id, TLSPin: pinned.TLSPin}
	b, err := ceremony.MarshalProposal(p)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ceremony.ParseProposal(b); err != nil || !bytes.Equal(got.Member.TLSPin, pinned.TLSPin) {
		t.Fatalf("admit-node with a pin: got %+v, %v", got, err)
	}
	p.Member.TLSPin = []byte{1, 2, 3}
	if _, err := ceremony.MarshalProposal(p); err == nil {
		t.Fatal("an admit-node proposal with a 3-byte pin was accepted")
	}
}

// TestCeremoniesRecordTLSPins: init-domain records the executing node's own pin
// (Config.TLSPin) as the first member's, and admit-node records the pin the proposal carries.
func TestCeremoniesRecordTLSPins(t *testing.T) {
	st := NewState(testARNs)
	clk := &testClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	h := newFakeHSM(identities(t)[0])
	self := bytes.Repeat([]byte{1}, ceremony.TLSPinSize)
	ops := newOperators(t, 1)
	svc := NewService(st, &localProposer{st: st}, labelRing{st, h}, Config{
		ARNs: testARNs, Now: clk.now, NodeID: "n1", NodeAddr: "127.0.0.1:8102", HSM: h, TLSPin: self,
		BootstrapOperators: []ed25519.PublicKey{ops[0].op().PublicKey},
	})
	e := &ceremonyEnv{svc: svc, st: st, clk: clk, hsm: h, ops: ops}
	p := ceremony.NewProposal(ceremony.KindInitDomain, "d0000000000000000000000000000001", 0, clk.t, time.Hour)
	p.Operators, p.Quorum, p.Rules = []ceremony.Operator{e.ops[0].op()}, 1, &ceremony.QuorumRules{}
	e.submit(t, p, 0)
	if err := svc.RunCeremonies(context.Background()); err != nil {
		t.Fatal(err)
	}
	d := svc.Domain()
	if d == nil || !bytes.Equal(d.Members[0].TLSPin, self) {
		t.Fatalf("first member after init: got %+v, want pin %x", d, self)
	}
	joiner := bytes.Repeat([]byte{2}, ceremony.TLSPinSize)
	a := e.propose(ceremony.KindAdmitNode)
	a.Member = &ceremony.Member{NodeID: "n2", Address: "127.0.0.1:8112", IdentityKey: identities(t)[1], TLSPin: joiner}
	e.submit(t, a, 0)
	if err := svc.RunCeremonies(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := svc.Domain().FindMember("n2"); m == nil || !bytes.Equal(m.TLSPin, joiner) {
		t.Fatalf("admitted member: got %+v, want pin %x", m, joiner)
	}
}
