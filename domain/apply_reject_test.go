package domain

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// populated returns a service whose state has a domain, keys, aliases, a principal, a bucket and
// an open proposal, so that garbage commands have something to damage; and the log that built it.
func populated(t testing.TB) (*Service, *localProposer) {
	t.Helper()
	svc, p, _ := newTestService(t)
	bg := AsSystem(context.Background())
	for i := range 3 {
		k, err := svc.CreateKey(bg, CreateKeyInput{Description: "k"})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.CreateAlias(bg, "alias/p"+string(rune('a'+i)), k.ID.String()); err != nil {
			t.Fatal(err)
		}
		if err := svc.TagResource(bg, k.ID.String(), []Tag{{"t", "v"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := svc.CreatePrincipal(bg, "root", true); err != nil {
		t.Fatal(err)
	}
	// A key policy, a grant and a bucket policy, so that their commands seed the fuzzers and
	// their state is in the snapshots FuzzRestore mutates.
	k, err := svc.CreateKey(bg, CreateKeyInput{Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateGrant(bg, CreateGrantInput{KeyRef: k.ID.String(), GranteePrincipal: "arn:aws:iam::111122223333:user/app",
		Operations: []string{"Decrypt"}, Constraints: &GrantConstraints{EncryptionContextSubset: map[string]string{"team": "cats"}}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateBucket(bg, "fuzz", ""); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutBucketPolicy(bg, "fuzz", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::fuzz/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`); err != nil {
		t.Fatal(err)
	}
	return svc, p
}

// garbageCommands are committed bytes no keyhold ever writes.
var garbageCommands = [][]byte{
	{},
	{0x00},
	{0xFF},
	{0x80, '{', '}'},
	{0x00, '{', '}'},
	{byte(cmdCreateKey)},
	{byte(cmdCreateKey), 'x'},
	{byte(cmdCreateKey), 'n', 'u', 'l', 'l'},
	{byte(cmdCreateKey), '[', ']'},
	{byte(cmdCreateKey), '{'},
	append([]byte{byte(cmdSubmitProposal)}, `{"Signed":"AAAA","At":"nope"}`...),
	append([]byte{byte(cmdTagKey)}, `{"ID":"not-a-key-id"}`...),
	append([]byte{byte(cmdInitDomain)}, `{"ID":7}`...),
}

// TestApplyRejectsUndecodableCommands: a committed command that cannot be decoded is an error
// result, the same on every replica, and changes nothing; Apply does not panic.
func TestApplyRejectsUndecodableCommands(t *testing.T) {
	svc, _ := populated(t)
	st := svc.State()
	before := dump(st)
	for _, cmd := range garbageCommands {
		err := st.Apply(cmd)
		if !RejectedCommand(err) {
			t.Errorf("Apply(%x): got %v, want a rejection", cmd, err)
		}
		if NewerCommand(err) {
			t.Errorf("Apply(%x): garbage taken for a newer version", cmd)
		}
	}
	if got := dump(st); got != before {
		t.Fatalf("rejected commands changed the state:\n%s\nwant\n%s", got, before)
	}
}

// TestApplyNewerCommandType: a type byte in the assigned range that this version does not know
// says "newer version", and changes nothing; the last type this version knows does not.
func TestApplyNewerCommandType(t *testing.T) {
	svc, _ := populated(t)
	st := svc.State()
	before := dump(st)
	for _, b := range []byte{byte(cmdLast) + 1, 0x40, byte(cmdReservedMax)} {
		err := st.Apply([]byte{b, '{', '}'})
		if !NewerCommand(err) || RejectedCommand(err) {
			t.Errorf("Apply(type %d): got %v, want ErrNewerCommand", b, err)
		}
	}
	if err := st.Apply([]byte{byte(cmdLast), 'x'}); NewerCommand(err) {
		t.Errorf("type %d is known to this version: got %v", cmdLast, err)
	}
	if got := dump(st); got != before {
		t.Fatal("a newer command changed the state")
	}
}

// FuzzApply: any bytes, applied to a populated state, never panic; a rejection changes nothing.
func FuzzApply(f *testing.F) {
	_, p := populated(f)
	for _, cmd := range p.log {
		f.Add(cmd)
	}
	for _, cmd := range garbageCommands {
		f.Add(cmd)
	}
	f.Fuzz(func(t *testing.T, cmd []byte) {
		svc, _ := populated(t)
		st := svc.State()
		before := dump(st)
		err := st.Apply(cmd)
		if RejectedCommand(err) && dump(st) != before {
			t.Fatalf("a rejected command changed the state")
		}
	})
}

// FuzzRestore: a corrupt snapshot is an error, never a panic.
func FuzzRestore(f *testing.F) {
	svc, _ := populated(f)
	var buf bytes.Buffer
	if _, err := svc.State().Snapshot().WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{snapshotVersion})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = NewState(testARNs).Restore(bytes.NewReader(b))
	})
}

// TestRestoreRefusesTruncatedSnapshot: a snapshot cut anywhere does not restore (an empty state
// in place of the real one would be silent data loss).
func TestRestoreRefusesTruncatedSnapshot(t *testing.T) {
	svc, _ := populated(t)
	var buf bytes.Buffer
	if _, err := svc.State().Snapshot().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	for _, n := range []int{1, 2, len(full) / 2, len(full) - 1} {
		if err := NewState(testARNs).Restore(bytes.NewReader(full[:n])); err == nil {
			t.Errorf("a snapshot cut to %d of %d bytes restored", n, len(full))
		}
	}
}

// validatingProposer checks every command with ValidateForwarded before applying it, as the
// leader does for a command a follower forwards.
type validatingProposer struct {
	t testing.TB
	localProposer
}

func (p *validatingProposer) Propose(ctx context.Context, cmd []byte) error {
	if err := ValidateForwarded(cmd); err != nil {
		p.t.Errorf("ValidateForwarded refused a command the service proposes (type %d): %v", cmd[0], err)
	}
	return p.localProposer.Propose(ctx, cmd)
}

// TestValidateForwardedAcceptsServiceCommands: every command a follower's service proposes in a
// typical workload passes the leader's check.
func TestValidateForwardedAcceptsServiceCommands(t *testing.T) {
	svc, _, clk := newTestService(t)
	vp := &validatingProposer{t: t, localProposer: localProposer{st: svc.State()}}
	svc.prop = vp
	bg := AsSystem(context.Background())
	k, err := svc.CreateKey(bg, CreateKeyInput{Description: "k"})
	if err != nil {
		t.Fatal(err)
	}
	id := k.ID.String()
	for _, err := range []error{
		svc.CreateAlias(bg, "alias/v", id),
		svc.UpdateAlias(bg, "alias/v", id),
		svc.TagResource(bg, id, []Tag{{"a", "b"}}),
		svc.UntagResource(bg, id, []string{"a"}),
		svc.UpdateKeyDescription(bg, id, "d"),
		svc.DisableKey(bg, id),
		svc.EnableKey(bg, id),
		svc.EnableKeyRotation(bg, id, 90),
		svc.DisableKeyRotation(bg, id),
		svc.DeleteAlias(bg, "alias/v"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.RotateKeyOnDemand(bg, id); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ScheduleKeyDeletion(bg, id, 7); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CancelKeyDeletion(bg, id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreatePrincipal(bg, "root", true); err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateBucket(bg, "bkt", "root"); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteBucket(bg, "bkt"); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Hour)
	if len(vp.log) < 15 {
		t.Fatalf("only %d commands proposed", len(vp.log))
	}
}

// TestValidateForwardedRefuses: types never forwarded, unknown types and bodies that do not
// decode strictly are refused before they could reach the log.
func TestValidateForwardedRefuses(t *testing.T) {
	svc, p := populated(t)
	_ = svc
	var initCmd []byte
	for _, c := range p.log {
		if CommandType(c[0]) == cmdInitDomain {
			initCmd = c
		}
	}
	if initCmd == nil {
		t.Fatal("no init-domain command in the log")
	}
	refused := [][]byte{
		initCmd,
		append([]byte{byte(cmdImportDomain)}, `{}`...),
		{0xFF},
		{byte(cmdLast) + 1, '{', '}'},
		append([]byte{byte(cmdCreateKey)}, `{"Key":{},"Extra":1}`...),
		append([]byte{byte(cmdCreateKey)}, `{"Key":{}} {}`...),
		append([]byte{byte(cmdCreateKey)}, `null`...),
		append([]byte{byte(cmdSubmitProposal)}, `{"Signed":"AAAA"}`...),
		append([]byte{byte(cmdApproveProposal)}, `{"ID":"x","Signature":{}}`...),
	}
	refused = append(refused, garbageCommands...)
	for _, cmd := range refused {
		if err := ValidateForwarded(cmd); err == nil {
			t.Errorf("ValidateForwarded(%.40q) accepted it", cmd)
		}
	}
}

// FuzzValidateForwarded: never panics, and what it accepts Apply never rejects as undecodable.
func FuzzValidateForwarded(f *testing.F) {
	_, p := populated(f)
	for _, cmd := range p.log {
		f.Add(cmd)
	}
	for _, cmd := range garbageCommands {
		f.Add(cmd)
	}
	f.Fuzz(func(t *testing.T, cmd []byte) {
		if ValidateForwarded(cmd) != nil {
			return
		}
		svc, _ := populated(t)
		if err := svc.State().Apply(cmd); RejectedCommand(err) {
			t.Fatalf("ValidateForwarded accepted what Apply rejects: %v", err)
		}
	})
}

// TestValidateForwardedAcceptsCeremonyCommands: the ceremony commands a node proposes (submit,
// approve, execute of admit-node and rotate-domain-key, re-wrap steps, expiry) pass the strict
// check too: a leader that lost leadership mid-ceremony forwards them.
func TestValidateForwardedAcceptsCeremonyCommands(t *testing.T) {
	e := newCeremonyEnv(t, 2, 2, ceremony.QuorumRules{})
	vp := &validatingProposer{t: t, localProposer: localProposer{st: e.st}}
	e.svc.prop = vp
	bg := AsSystem(context.Background())
	if _, err := e.svc.CreateKey(bg, CreateKeyInput{}); err != nil {
		t.Fatal(err)
	}
	a := e.propose(ceremony.KindAdmitNode)
	a.Member = &ceremony.Member{NodeID: "n2", Address: "127.0.0.1:8112", IdentityKey: identities(t)[1], TLSPin: bytes.Repeat([]byte{2}, ceremony.TLSPinSize)}
	e.approve(t, e.submit(t, a, 0), 1)
	if err := e.svc.RunCeremonies(bg); err != nil {
		t.Fatal(err)
	}
	r := e.propose(ceremony.KindRotateDK)
	e.approve(t, e.submit(t, r, 0), 1)
	if err := e.svc.RunCeremonies(bg); err != nil {
		t.Fatal(err)
	}
	for done := false; !done; {
		var err error
		if done, err = e.svc.RewrapStep(bg, 10); err != nil {
			t.Fatal(err)
		}
	}
	e.submit(t, e.propose(ceremony.KindRotateDK), 0) // left pending, then expired
	e.clk.t = e.clk.t.Add(2 * time.Hour)
	if err := e.svc.RunCeremonies(bg); err != nil {
		t.Fatal(err)
	}
	seen := map[CommandType]bool{}
	for _, c := range vp.log {
		seen[CommandType(c[0])] = true
	}
	for _, want := range []CommandType{cmdSubmitProposal, cmdApproveProposal, cmdExecuteProposal, cmdRewrap, cmdExpireProposals} {
		if !seen[want] {
			t.Errorf("no command of type %d was proposed", want)
		}
	}
}
