package domain

import (
	"bytes"
	"encoding/gob"
	"testing"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// mustApply applies cmd and fails the test on an error.
func mustApply(t testing.TB, st *State, cmd []byte) {
	t.Helper()
	if err := st.Apply(cmd); err != nil {
		t.Fatal(err)
	}
}

// scaleDelete schedules key i for deletion and deletes it once its window has passed.
func scaleDelete(t testing.TB, st *State, i int, at time.Time) {
	t.Helper()
	mustApply(t, st, encode(cmdScheduleDeletion, scheduleDeletionCmd{ID: scaleKeyID(i), At: at, Days: 7}))
	mustApply(t, st, encode(cmdDeleteKey, deleteKeyCmd{ID: scaleKeyID(i), At: at.Add(8 * 24 * time.Hour)}))
}

// listAfter returns the indexes of the keys KeysAfter visits after marker.
func listAfter(st *State, after wrap.KeyID) []int {
	var out []int
	st.View(func(v *View) {
		v.KeysAfter(after, func(k *Key) bool {
			out = append(out, scaleIndex(k.ID))
			return true
		})
	})
	return out
}

func scaleIndex(id wrap.KeyID) int {
	n := 0
	for _, b := range id[:8] {
		n = n<<8 | int(b)
	}
	return n - 1
}

// TestSnapshotIsUnchangedByLaterApplies: a snapshot shares the state's keys instead of copying
// them, so every command that changes a key must leave the captured one alone. The snapshot is
// written after the changes and must restore the state as it was when it was taken.
func TestSnapshotIsUnchangedByLaterApplies(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := NewState(testARNs)
	scaleInitDomain(t, st, at)
	scaleFill(t, st, 0, 12, at)
	mustApply(t, st, encode(cmdTagKey, tagKeyCmd{ID: scaleKeyID(5), Tags: map[string]string{"a": "1"}}))
	want := dump(st)

	sn := st.Snapshot()
	id := func(i int) wrap.KeyID { return scaleKeyID(i) }
	mustApply(t, st, encode(cmdUpdateDescription, updateDescriptionCmd{ID: id(1), Description: "changed"}))
	mustApply(t, st, encode(cmdSetEnabled, setEnabledCmd{ID: id(2)}))
	mustApply(t, st, encode(cmdSetRotation, setRotationCmd{ID: id(3), Enabled: true, PeriodDays: 90, At: at}))
	tok := bytes.Repeat([]byte{7}, scaleTokenSize)
	mustApply(t, st, encode(cmdRotateKey, rotateKeyCmd{ID: id(3), At: at,
		Version: KeyVersion{Version: 2, DKVersion: 1, Token: tok, CreatedAt: at, Rotation: RotationOnDemand}}))
	mustApply(t, st, encode(cmdTagKey, tagKeyCmd{ID: id(4), Tags: map[string]string{"b": "2"}}))
	mustApply(t, st, encode(cmdTagKey, tagKeyCmd{ID: id(5), Tags: map[string]string{"a": "changed", "c": "3"}}))
	mustApply(t, st, encode(cmdUntagKey, untagKeyCmd{ID: id(5), Keys: []string{"a"}}))
	mustApply(t, st, encode(cmdCreateAlias, aliasCmd{Name: "alias/aws/s3", ID: id(6), At: at, AWSManaged: true}))
	mustApply(t, st, encode(cmdUpdateAlias, aliasCmd{Name: "alias/load-0", ID: id(9), At: at.Add(time.Hour)}))
	scaleDelete(t, st, 7, at)
	mustApply(t, st, encode(cmdScheduleDeletion, scheduleDeletionCmd{ID: id(8), At: at, Days: 7}))
	scaleFill(t, st, 12, 3, at)
	if dump(st) == want {
		t.Fatal("the commands changed nothing: the test proves nothing")
	}

	var buf bytes.Buffer
	if _, err := sn.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	restored := NewState(testARNs)
	if err := restored.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	if got := dump(restored); got != want {
		t.Fatalf("the snapshot changed after it was taken:\n%s\nwant\n%s", got, want)
	}
	restored.View(func(v *View) {
		if k := v.Key(id(3)); len(k.Versions) != 1 || k.RotationEnabled {
			t.Fatalf("key 3 in the snapshot: %d versions, rotation %v; want 1, false", len(k.Versions), k.RotationEnabled)
		}
		if k := v.Key(id(6)); k.AWSManaged {
			t.Fatal("key 6 in the snapshot is marked managed")
		}
		if a := v.AliasIn("", "alias/load-0"); a == nil || a.KeyID != id(0) || !a.UpdatedAt.Equal(at) {
			t.Fatalf("alias/load-0 in the snapshot: %+v; want it on key 0, updated at %v", a, at)
		}
		if k := v.Key(id(8)); k.State != KeyStateEnabled {
			t.Fatalf("key 8 in the snapshot is %v, want Enabled", k.State)
		}
	})
}

// TestKeysAfterSkipsDeletedKeys: deleting keys leaves the creation order intact for pages from
// the start and from any live marker, before and after the deleted slots are compacted away, and
// in a state restored from a snapshot.
func TestKeysAfterSkipsDeletedKeys(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const n = 3000
	st := NewState(testARNs)
	scaleInitDomain(t, st, at)
	scaleFill(t, st, 0, n, at)
	live := map[int]bool{}
	for i := 0; i < n; i++ {
		live[i] = true
	}
	check := func(st *State, stage string) {
		t.Helper()
		var want []int
		for i := 0; i < n; i++ {
			if live[i] {
				want = append(want, i)
			}
		}
		if got := listAfter(st, wrap.KeyID{}); !equalInts(got, want) {
			t.Fatalf("%s: from the start got %d keys, want %d", stage, len(got), len(want))
		}
		for _, m := range []int{0, want[len(want)/2], want[len(want)-2]} {
			var rest []int
			for _, i := range want {
				if i > m {
					rest = append(rest, i)
				}
			}
			if got := listAfter(st, scaleKeyID(m)); !equalInts(got, rest) {
				t.Fatalf("%s: after key %d got %v..., want %d keys", stage, m, head(got), len(rest))
			}
		}
	}
	// Every third key: the slots stay (fewer than half are dead).
	for i := 1; i < n; i += 3 {
		scaleDelete(t, st, i, at)
		live[i] = false
	}
	check(st, "after deleting a third")
	if st.dead == 0 {
		t.Fatal("no dead slots: the deletions were compacted too early to test them")
	}
	if got := listAfter(st, scaleKeyID(1)); len(got) != 0 {
		t.Fatalf("a deleted marker listed %d keys, want none", len(got))
	}
	// More than half dead: the order is compacted.
	for i := 2; i < n; i += 3 {
		scaleDelete(t, st, i, at)
		live[i] = false
	}
	if len(st.order) >= n || st.dead*2 > len(st.order) {
		t.Fatalf("after deleting two thirds: %d dead slots, order %d, keys %d; want compacted", st.dead, len(st.order), len(st.keys))
	}
	check(st, "after compaction")
	// A key created after the compaction goes to the end.
	scaleFill(t, st, n, 1, at)
	live[n] = true
	var buf bytes.Buffer
	if _, err := st.Snapshot().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	restored := NewState(testARNs)
	if err := restored.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	delete(live, n)
	scaleDelete(t, restored, n, at)
	check(restored, "restored")
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func head(s []int) []int { return s[:min(len(s), 5)] }

// TestRestoreReadsVersion1Snapshots: a node upgraded from a version that wrote the whole image as
// one gob value still restores its snapshots.
func TestRestoreReadsVersion1Snapshots(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := NewState(testARNs)
	scaleInitDomain(t, st, at)
	scaleFill(t, st, 0, 25, at)
	sn := st.Snapshot()
	img := snapshotImage{Domain: sn.hdr.Domain, Keys: sn.keys, Aliases: sn.hdr.Aliases,
		Principals: sn.hdr.Principals, Buckets: sn.hdr.Buckets, Proposals: sn.hdr.Proposals, IAM: sn.hdr.IAM}
	var buf bytes.Buffer
	buf.WriteByte(snapshotV1)
	if err := gob.NewEncoder(&buf).Encode(&img); err != nil {
		t.Fatal(err)
	}
	restored := NewState(testARNs)
	if err := restored.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	if got, want := dump(restored), dump(st); got != want {
		t.Fatalf("version 1 snapshot restored as\n%s\nwant\n%s", got, want)
	}
}

// TestRestoreRefusesBadKeyChunks: a version 2 snapshot whose chunks do not add up to its count
// is refused, and the state is left as it was.
func TestRestoreRefusesBadKeyChunks(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := NewState(testARNs)
	scaleInitDomain(t, st, at)
	scaleFill(t, st, 0, 10, at)
	sn := st.Snapshot()
	for name, mutate := range map[string]func(*Snapshot){
		"count too high": func(sn *Snapshot) { sn.hdr.KeyCount++ },
		"count too low":  func(sn *Snapshot) { sn.hdr.KeyCount-- },
		"negative count": func(sn *Snapshot) { sn.hdr.KeyCount = -1 },
		"duplicate key":  func(sn *Snapshot) { sn.keys[1] = sn.keys[0] },
	} {
		bad := &Snapshot{hdr: sn.hdr, keys: append([]*Key(nil), sn.keys...)}
		mutate(bad)
		var buf bytes.Buffer
		if _, err := bad.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		target := NewState(testARNs)
		scaleInitDomain(t, target, at)
		before := dump(target)
		if err := target.Restore(&buf); err == nil {
			t.Fatalf("%s: restored", name)
		}
		if dump(target) != before {
			t.Fatalf("%s: the refused snapshot changed the state", name)
		}
	}
}

// BenchmarkListKeysPage compares a 100-key page from the start of 200,000 keys with one whose
// marker is near the end: with the marker found through its key's position, both cost the same.
func BenchmarkListKeysPage(b *testing.B) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const n = 200000
	st := NewState(testARNs)
	scaleInitDomain(b, st, at)
	for i := 0; i < n; i++ {
		mustApply(b, st, scaleCreateKeyCmd(i, at))
	}
	for _, bc := range []struct {
		name  string
		after wrap.KeyID
	}{{"first", wrap.KeyID{}}, {"last", scaleKeyID(n - 101)}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				got := 0
				st.View(func(v *View) {
					v.KeysAfter(bc.after, func(*Key) bool { got++; return got < 100 })
				})
				if got != 100 {
					b.Fatalf("page of %d keys", got)
				}
			}
		})
	}
}

// TestSnapshotPersistRacesApply writes a snapshot while every key is changed, as raft runs
// Persist concurrently with Apply. Under -race it finds any change Apply makes in place to a key
// the snapshot is encoding; without it, the snapshot still restores as captured.
func TestSnapshotPersistRacesApply(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const n = 2000
	st := NewState(testARNs)
	scaleInitDomain(t, st, at)
	scaleFill(t, st, 0, n, at)
	want := dump(st)
	sn := st.Snapshot()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < n; i++ {
			id := scaleKeyID(i)
			cmds := [][]byte{
				encode(cmdTagKey, tagKeyCmd{ID: id, Tags: map[string]string{"k": "v"}}),
				encode(cmdUpdateDescription, updateDescriptionCmd{ID: id, Description: "changed"}),
			}
			if i%7 == 0 {
				cmds = append(cmds, encode(cmdScheduleDeletion, scheduleDeletionCmd{ID: id, At: at, Days: 7}),
					encode(cmdDeleteKey, deleteKeyCmd{ID: id, At: at.Add(8 * 24 * time.Hour)}))
			}
			for _, c := range cmds {
				if err := st.Apply(c); err != nil {
					t.Error(err) // not Fatal: this is not the test's goroutine
					return
				}
			}
		}
	}()
	var buf bytes.Buffer
	if _, err := sn.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	<-done
	restored := NewState(testARNs)
	if err := restored.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	if dump(restored) != want {
		t.Fatal("the snapshot written during the changes differs from the state it captured")
	}
}
