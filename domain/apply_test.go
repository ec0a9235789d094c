package domain

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// dump renders a state canonically, for comparing replicas.
func dump(st *State) string {
	var b bytes.Buffer
	st.View(func(v *View) {
		if d := v.Domain(); d != nil {
			b.WriteString("domain " + d.ID + "\n")
		}
		v.KeysAfter([16]byte{}, func(k *Key) bool {
			b.WriteString(k.ID.String() + " " + k.State.String() + " " + k.Description + "\n")
			for _, ver := range k.Versions {
				b.Write(ver.Token)
			}
			tags := SortedTags(k.Tags)
			for _, tg := range tags {
				b.WriteString(" " + tg.Key + "=" + tg.Value)
			}
			b.WriteString("\n")
			return true
		})
		for _, a := range v.Aliases("") {
			b.WriteString(a.Name + "->" + a.KeyID.String() + "\n")
		}
		ps := v.Principals()
		sort.Slice(ps, func(i, j int) bool { return ps[i].AccessKeyID < ps[j].AccessKeyID })
		for _, p := range ps {
			b.WriteString(p.AccessKeyID + "\n")
		}
		// Resource policies and grants (issue 14).
		v.KeysAfter([16]byte{}, func(k *Key) bool {
			if k.Policy != "" {
				b.WriteString("policy " + k.ID.String() + " " + k.Policy + "\n")
			}
			for _, g := range v.Grants(k.ID) {
				b.WriteString("grant " + g.ID + " " + g.GranteePrincipal + " " + strings.Join(g.Operations, ",") + "\n")
			}
			return true
		})
		for _, bk := range v.s.buckets {
			if bk.Policy != "" {
				b.WriteString("bucket policy " + bk.Name + " " + bk.Policy + "\n")
			}
		}
	})
	return b.String()
}

// TestReplicasAgree: replaying the same log on a fresh state gives the same state, and so does
// restoring a snapshot of it.
func TestReplicasAgree(t *testing.T) {
	svc, p, clk := newTestService(t)
	bg := AsSystem(context.Background())
	for i := 0; i < 5; i++ {
		k, err := svc.CreateKey(bg, CreateKeyInput{Description: "k"})
		if err != nil {
			t.Fatal(err)
		}
		_ = svc.CreateAlias(bg, "alias/a"+string(rune('a'+i)), k.ID.String())
		_ = svc.TagResource(bg, k.ID.String(), []Tag{{"t", "v"}})
		if _, err := svc.RotateKeyOnDemand(bg, k.ID.String()); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			if _, err := svc.ScheduleKeyDeletion(bg, k.ID.String(), 7); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, _, err := svc.CreatePrincipal(bg, "root", true); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(8 * 24 * time.Hour)
	if err := svc.Tick(bg); err != nil {
		t.Fatal(err)
	}
	replica := NewState(testARNs)
	for _, cmd := range p.log {
		_ = replica.Apply(cmd)
	}
	if got, want := dump(replica), dump(svc.State()); got != want {
		t.Fatalf("replica diverged:\n%s\nwant\n%s", got, want)
	}
	var buf bytes.Buffer
	if _, err := svc.State().Snapshot().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	restored := NewState(testARNs)
	if err := restored.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	if got, want := dump(restored), dump(svc.State()); got != want {
		t.Fatalf("restored snapshot differs:\n%s\nwant\n%s", got, want)
	}
	if restored.Restore(bytes.NewReader([]byte{9})) == nil {
		t.Fatal("a snapshot of an unknown version was accepted")
	}
}

// TestRetriedCommandsAreIdempotent: a proposal whose outcome was unknown may be proposed again;
// applying it twice must have the effect of applying it once.
func TestRetriedCommandsAreIdempotent(t *testing.T) {
	svc, p, _ := newTestService(t)
	bg := AsSystem(context.Background())
	k, err := svc.CreateKey(bg, CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RotateKeyOnDemand(bg, k.ID.String()); err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateAlias(bg, "alias/once", k.ID.String()); err != nil {
		t.Fatal(err)
	}
	before := dump(svc.State())
	for i, cmd := range p.log {
		if err := svc.State().Apply(cmd); err != nil {
			t.Errorf("re-applying command %d (type %d): %v", i, cmd[0], err)
		}
	}
	if after := dump(svc.State()); after != before {
		t.Fatalf("re-applying the log changed the state:\n%s\nwant\n%s", after, before)
	}
	// A different CreateKey with a colliding id is refused, not merged.
	dup, _ := svc.describe(k.ID)
	dup.CreatedAt = dup.CreatedAt.Add(time.Second)
	dup.Versions = dup.Versions[:1]
	err = svc.State().Apply(encode(cmdCreateKey, createKeyCmd{Key: *dup}))
	if !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("colliding CreateKey: got %v, want ErrAlreadyExists", err)
	}
}

func TestKeyClone(t *testing.T) {
	svc, _, _ := newTestService(t)
	k, _ := svc.CreateKey(bg, CreateKeyInput{Tags: map[string]string{"a": "b"}})
	c := k.clone()
	c.Tags["a"] = "changed"
	c.Versions[0].Version = 99
	if reflect.DeepEqual(c.Tags, k.Tags) || k.Versions[0].Version == 99 {
		t.Fatal("clone shares maps or slices with the original")
	}
}
