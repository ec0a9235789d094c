package domain

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

type ctxMark struct{}

// ctxRing is a keyring that records whether each DomainKey call carried the caller's context.
type ctxRing struct {
	softRing
	mu   sync.Mutex
	seen []any
}

func (r *ctxRing) DomainKey(ctx context.Context, v uint32) (wrap.AEAD, error) {
	r.mu.Lock()
	r.seen = append(r.seen, ctx.Value(ctxMark{}))
	r.mu.Unlock()
	return r.softRing.DomainKey(ctx, v)
}

// TestLookupCatchUpUsesCallersContext: a lookup that finds nothing catches up with the cluster
// under the caller's context, so a client that gives up stops the wait for the leader at once
// instead of after catchUpTimeout.
func TestLookupCatchUpUsesCallersContext(t *testing.T) {
	svc, _, _ := newTestService(t)
	var got any
	svc.cfg.CatchUp = func(ctx context.Context) error {
		got = ctx.Value(ctxMark{})
		<-ctx.Done() // a leader that does not answer
		return ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxMark{}, "caller"))
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := svc.DescribeKey(ctx, "1234abcd-12ab-34cd-56ef-1234567890ab")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("DescribeKey of a missing key: %v, want ErrNotFound", err)
	}
	if took := time.Since(start); took > catchUpTimeout/2 {
		t.Fatalf("the catch-up ran %v after the caller gave up", took)
	}
	if got != "caller" {
		t.Fatalf("CatchUp ran under a context without the caller's values (%v)", got)
	}
}

// TestKeyringGetsCallersContext: opening a key's backing key in the HSM (a cache miss) asks the
// keyring under the caller's context.
func TestKeyringGetsCallersContext(t *testing.T) {
	svc, _, _ := newTestService(t)
	ring := &ctxRing{softRing: svc.ring.(softRing)}
	svc.ring = ring
	k, err := svc.CreateKey(bg, CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	svc.cache.Purge(k.ID)
	ring.mu.Lock()
	ring.seen = nil
	ring.mu.Unlock()
	ctx := context.WithValue(bg, ctxMark{}, "caller")
	if _, _, err := svc.Encrypt(ctx, k.ID.String(), []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	ring.mu.Lock()
	defer ring.mu.Unlock()
	if len(ring.seen) == 0 {
		t.Fatal("Encrypt after a cache purge never opened the domain key")
	}
	for _, v := range ring.seen {
		if v != "caller" {
			t.Fatalf("DomainKey ran under a context without the caller's values (%v)", v)
		}
	}
}
