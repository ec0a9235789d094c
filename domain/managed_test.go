package domain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// dumpManaged is dump plus what managed keys change: the mark, the deletion and rotation fields,
// and the index of service aliases.
func dumpManaged(st *State) string {
	var b bytes.Buffer
	b.WriteString(dump(st))
	st.View(func(v *View) {
		v.KeysAfter(wrap.KeyID{}, func(k *Key) bool {
			fmt.Fprintf(&b, "%s managed=%v deletion=%s window=%d rotation=%v/%d/%s\n", k.ID, k.AWSManaged,
				k.DeletionDate, k.PendingWindowDays, k.RotationEnabled, k.RotationPeriodDays, k.NextRotation)
			return true
		})
		var names []string
		for n := range v.s.serviceAliases {
			names = append(names, n.name)
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "service aliases %v\n", names)
	})
	return b.String()
}

// TestManagedKeyRefusesManagement: every management call on an AWS managed key is refused by the
// service, and the same commands proposed past the service are refused by Apply.
func TestManagedKeyRefusesManagement(t *testing.T) {
	svc, p, clk := newTestService(t)
	ctx := AsSystem(context.Background())
	id, err := svc.ManagedKey(ctx, "alias/aws/s3", "Default key that protects my S3 objects")
	if err != nil {
		t.Fatal(err)
	}
	k, err := svc.DescribeKey(bg, "alias/aws/s3")
	if err != nil || k.KeyManager() != KeyManagerAWS {
		t.Fatalf("DescribeKey: got %+v, %v; want KeyManager AWS", k, err)
	}
	mine, err := svc.CreateKey(ctx, CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateAlias(ctx, "alias/mine", mine.ID.String()); err != nil {
		t.Fatal(err)
	}
	if mine.KeyManager() != KeyManagerCustomer {
		t.Fatalf("a CreateKey key is %s", mine.KeyManager())
	}
	ref := id.String()
	for name, call := range map[string]func() error{
		"DisableKey":           func() error { return svc.DisableKey(ctx, ref) },
		"EnableKey":            func() error { return svc.EnableKey(ctx, ref) },
		"ScheduleKeyDeletion":  func() error { _, err := svc.ScheduleKeyDeletion(ctx, ref, 7); return err },
		"CancelKeyDeletion":    func() error { _, err := svc.CancelKeyDeletion(ctx, ref); return err },
		"UpdateKeyDescription": func() error { return svc.UpdateKeyDescription(ctx, ref, "x") },
		"TagResource":          func() error { return svc.TagResource(ctx, ref, []Tag{{"k", "v"}}) },
		"UntagResource":        func() error { return svc.UntagResource(ctx, ref, []string{"k"}) },
		"EnableKeyRotation":    func() error { return svc.EnableKeyRotation(ctx, ref, 0) },
		"DisableKeyRotation":   func() error { return svc.DisableKeyRotation(ctx, ref) },
		"RotateKeyOnDemand":    func() error { _, err := svc.RotateKeyOnDemand(ctx, ref); return err },
		"CreateAlias onto":     func() error { return svc.CreateAlias(ctx, "alias/grab", ref) },
		"UpdateAlias onto":     func() error { return svc.UpdateAlias(ctx, "alias/mine", ref) },
		"UpdateAlias away":     func() error { return svc.UpdateAlias(ctx, "alias/aws/s3", mine.ID.String()) },
		"DeleteAlias":          func() error { return svc.DeleteAlias(ctx, "alias/aws/s3") },
	} {
		if err := call(); !errors.Is(err, ErrAccessDenied) {
			t.Errorf("service %s: got %v, want ErrAccessDenied", name, err)
		}
	}

	// Past the service: the commands themselves.
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for name, cmd := range map[string][]byte{
		"setEnabled":        encode(cmdSetEnabled, setEnabledCmd{ID: id, Enabled: false}),
		"scheduleDeletion":  encode(cmdScheduleDeletion, scheduleDeletionCmd{ID: id, At: at, Days: 7}),
		"cancelDeletion":    encode(cmdCancelDeletion, cancelDeletionCmd{ID: id}),
		"updateDescription": encode(cmdUpdateDescription, updateDescriptionCmd{ID: id, Description: "x"}),
		"tag":               encode(cmdTagKey, tagKeyCmd{ID: id, Tags: map[string]string{"k": "v"}}),
		"untag":             encode(cmdUntagKey, untagKeyCmd{ID: id, Keys: []string{"k"}}),
		"setRotation":       encode(cmdSetRotation, setRotationCmd{ID: id, Enabled: true, PeriodDays: 365, At: at}),
		"createAlias onto":  encode(cmdCreateAlias, aliasCmd{Name: "alias/grab", ID: id, At: at}),
		"updateAlias onto":  encode(cmdUpdateAlias, aliasCmd{Name: "alias/mine", ID: id, At: at}),
		"updateAlias away":  encode(cmdUpdateAlias, aliasCmd{Name: "alias/aws/s3", ID: mine.ID, At: at}),
		"deleteAlias":       encode(cmdDeleteAlias, aliasCmd{Name: "alias/aws/s3"}),
		"deleteKey":         encode(cmdDeleteKey, deleteKeyCmd{ID: id, At: at.Add(365 * 24 * time.Hour)}),
	} {
		before := dumpManaged(svc.State())
		if err := p.Propose(ctx, cmd); err == nil {
			t.Errorf("Apply %s: accepted", name)
		} else if name != "deleteKey" && !errors.Is(err, ErrAccessDenied) {
			t.Errorf("Apply %s: got %v, want ErrAccessDenied", name, err)
		}
		if after := dumpManaged(svc.State()); after != before {
			t.Errorf("Apply %s changed the state", name)
		}
	}
	if err := p.Propose(ctx, encode(cmdCreateAlias, aliasCmd{Name: "alias/notaws", ID: mine.ID, At: at, AWSManaged: true})); !errors.Is(err, ErrInvalidAliasName) {
		t.Errorf("marking through a customer alias: got %v, want ErrInvalidAliasName", err)
	}

	// Rotation: on demand is the caller's and refused; automatic is the service's and runs.
	if err := svc.rotate(ctx, k, RotationOnDemand); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("Apply on-demand rotation: got %v, want ErrAccessDenied", err)
	}
	if err := svc.rotate(ctx, k, RotationAutomatic); err != nil {
		t.Errorf("Apply automatic rotation: got %v, want success", err)
	}
	// Reads and use stay open.
	if _, _, _, err := svc.GenerateDataKey(bg, "alias/aws/s3", 32, nil); err != nil {
		t.Fatalf("managed key unusable: %v", err)
	}
	// As AWS does with its managed keys, keyhold rotates them every year.
	st, err := svc.GetKeyRotationStatus(bg, ref)
	if err != nil || !st.Enabled || st.PeriodDays != DefaultRotationDays {
		t.Fatalf("GetKeyRotationStatus: got %+v, %v; want enabled every %d days", st, err, DefaultRotationDays)
	}
	before, _ := svc.DescribeKey(bg, ref)
	clk.t = st.NextRotation
	if err := svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	after, _ := svc.DescribeKey(bg, ref)
	if got, want := after.Current().Version, before.Current().Version+1; got != want {
		t.Fatalf("after a year: version %d, want %d", got, want)
	}
}

// TestLegacyManagedKeyIsMarked: a managed key made by a version without the mark, which a
// caller then disabled and redescribed (as that version allowed), is recognised at once by the
// service, marked and enabled by MarkManagedKeys, and from then on protected by Apply too. Every
// replica agrees, whether it replays the whole log or restores a snapshot the old version took.
func TestLegacyManagedKeyIsMarked(t *testing.T) {
	svc, p, clk := newTestService(t)
	ctx := AsSystem(context.Background())

	// What the earlier version did: a plain key, then the service alias, then the attack.
	k, err := svc.createKeyIn(ctx, "", CreateKeyInput{Description: "Default key that protects my S3 objects"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]byte{
		encode(cmdCreateAlias, aliasCmd{Name: "alias/aws/s3", ID: k.ID, At: clk.t}),
		encode(cmdSetEnabled, setEnabledCmd{ID: k.ID, Enabled: false}),
		encode(cmdUpdateDescription, updateDescriptionCmd{ID: k.ID, Description: "mine now"}),
	} {
		if err := p.Propose(ctx, cmd); err != nil {
			t.Fatalf("an old command no longer applies: %v", err)
		}
	}
	var old bytes.Buffer
	if _, err := svc.State().Snapshot().WriteTo(&old); err != nil {
		t.Fatal(err)
	}
	oldAt := len(p.log)

	// After the upgrade, before any marking: the service already refuses and reports AWS.
	if err := svc.EnableKey(ctx, k.ID.String()); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("EnableKey on an unmarked managed key: got %v, want ErrAccessDenied", err)
	}
	if d, _ := svc.DescribeKey(bg, k.ID.String()); d.KeyManager() != KeyManagerAWS {
		t.Fatalf("unmarked managed key reads as %s", d.KeyManager())
	}

	clk.t = clk.t.Add(time.Minute)
	if err := svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	var marked *Key
	svc.State().View(func(v *View) { marked = v.Key(k.ID).clone() })
	if !marked.AWSManaged || marked.State != KeyStateEnabled {
		t.Fatalf("after Tick: managed=%v state=%s, want marked and Enabled", marked.AWSManaged, marked.State)
	}
	n := len(p.log)
	if err := svc.MarkManagedKeys(ctx); err != nil || len(p.log) != n {
		t.Fatalf("a second marking proposed %d commands (err %v)", len(p.log)-n, err)
	}
	if err := p.Propose(ctx, encode(cmdScheduleDeletion, scheduleDeletionCmd{ID: k.ID, At: clk.t, Days: 7})); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("Apply ScheduleKeyDeletion on the marked key: got %v, want ErrAccessDenied", err)
	}
	if id, err := svc.ManagedKey(ctx, "alias/aws/s3", "x"); err != nil || id != k.ID {
		t.Fatalf("ManagedKey: got %v, %v; want the legacy key %v", id, err, k.ID)
	}

	want := dumpManaged(svc.State())
	replayed := NewState(testARNs)
	for _, cmd := range p.log {
		_ = replayed.Apply(cmd)
	}
	if got := dumpManaged(replayed); got != want {
		t.Fatalf("replaying the whole log diverged:\n%s\nwant\n%s", got, want)
	}
	restored := NewState(testARNs)
	if err := restored.Restore(&old); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range p.log[oldAt:] {
		_ = restored.Apply(cmd)
	}
	if got := dumpManaged(restored); got != want {
		t.Fatalf("old snapshot plus the log's tail diverged:\n%s\nwant\n%s", got, want)
	}
}

// TestLegacyManagedKeyMarkedByManagedKey: the first SSE request after an upgrade marks the key.
func TestLegacyManagedKeyMarkedByManagedKey(t *testing.T) {
	svc, p, clk := newTestService(t)
	ctx := AsSystem(context.Background())
	k, err := svc.createKeyIn(ctx, "", CreateKeyInput{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Propose(ctx, encode(cmdCreateAlias, aliasCmd{Name: "alias/aws/keyhold-sse-s3", ID: k.ID, At: clk.t})); err != nil {
		t.Fatal(err)
	}
	if id, err := svc.ManagedKey(ctx, "alias/aws/keyhold-sse-s3", "x"); err != nil || id != k.ID {
		t.Fatalf("ManagedKey: got %v, %v", id, err)
	}
	svc.State().View(func(v *View) {
		if !v.Key(k.ID).AWSManaged {
			t.Fatal("ManagedKey left the legacy key unmarked")
		}
	})
}
