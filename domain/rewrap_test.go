package domain

import (
	"bytes"
	"context"
	"testing"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/wrap"
)

func TestRotateDomainKeyRewrapsEverything(t *testing.T) {
	e := newCeremonyEnv(t, 1, 1, ceremony.QuorumRules{})
	ctx := AsSystem(context.Background())
	type sealed struct {
		id string
		ct []byte
	}
	var blobs []sealed
	mk := func(n int) {
		for range n {
			k, err := e.svc.CreateKey(ctx, CreateKeyInput{})
			if err != nil {
				t.Fatal(err)
			}
			ct, _, err := e.svc.Encrypt(bg, k.ID.String(), []byte("secret"), nil)
			if err != nil {
				t.Fatal(err)
			}
			blobs = append(blobs, sealed{k.ID.String(), ct})
		}
	}
	mk(7)
	if _, _, err := e.svc.CreatePrincipal(ctx, "app", false); err != nil {
		t.Fatal(err)
	}
	e.submit(t, e.propose(ceremony.KindRotateDK), 0)
	if err := e.svc.RunCeremonies(ctx); err != nil {
		t.Fatal(err)
	}
	if v := e.svc.Domain().CurrentDK; v != 2 {
		t.Fatalf("current DK after rotation: got %d, want 2", v)
	}
	// Writes keep arriving during the re-wrap: they seal under the new key, and old blobs
	// decrypt throughout.
	steps := 0
	for done := false; !done; steps++ {
		var err error
		done, err = e.svc.RewrapStep(ctx, 3)
		if err != nil {
			t.Fatalf("RewrapStep: %v", err)
		}
		mk(1)
		if steps > 100 {
			t.Fatal("re-wrap does not finish")
		}
	}
	p := e.svc.RewrapStatus()
	if !p.Finished || p.Remaining != 0 || p.Rewrapped != 8 {
		t.Fatalf("progress: got %+v, want finished, 0 remaining, 8 re-wrapped", p)
	}
	d := e.svc.Domain()
	if d.DKVersions[0].State != ceremony.DKStateRetired || d.DKVersions[1].State != ceremony.DKStateActive {
		t.Fatalf("DK states: got %+v", d.DKVersions)
	}
	e.st.View(func(v *View) {
		v.KeysAfter(wrap.KeyID{}, func(k *Key) bool {
			for _, kv := range k.Versions {
				if kv.DKVersion != 2 {
					t.Errorf("key %s version %d still under DK %d", k.ID, kv.Version, kv.DKVersion)
				}
			}
			return true
		})
	})
	e.svc.cache.PurgeAll()
	for _, b := range blobs {
		pt, _, err := e.svc.Decrypt(bg, "", b.ct, nil)
		if err != nil || !bytes.Equal(pt, []byte("secret")) {
			t.Fatalf("decrypt %s after re-wrap: got %q, %v", b.id, pt, err)
		}
	}
	// Another rotation is possible once the re-wrap finished.
	e.submit(t, e.propose(ceremony.KindRotateDK), 0)
	if err := e.svc.RunCeremonies(ctx); err != nil {
		t.Fatal(err)
	}
	if v := e.svc.Domain().CurrentDK; v != 3 {
		t.Fatalf("second rotation: got DK %d, want 3", v)
	}
}
