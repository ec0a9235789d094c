package domain

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
	"github.com/keyhold/keyhold/domain/iam"

	"github.com/keyhold/keyhold/wrap"
)

// The scale harness measures the replicated state's representation without the HSM: it builds
// createKey and createAlias commands the way the service does (JSON-framed, with sealed tokens of
// the size a symmetric key's token has) and applies them through State.Apply. Its size is set by
// KEYHOLD_SCALE_KEYS (default 20,000, so the test stays quick in the suite); a million is
//
//	KEYHOLD_SCALE_KEYS=1000000 go test -count=1 -run TestScaleState -v ./domain/ -timeout 30m

// scaleTokenSize is a symmetric key version's sealed token: the key token header, then the HSM's
// AES-GCM output for a 32-byte secret (12-byte IV, ciphertext, 16-byte tag).
const scaleTokenSize = 6 + 12 + wrap.BackingKeySize + 16

// scaleKeyID returns key id i: distinct, and cheap to recompute for list markers.
func scaleKeyID(i int) wrap.KeyID {
	var id wrap.KeyID
	binary.BigEndian.PutUint64(id[:8], uint64(i)+1)
	binary.BigEndian.PutUint64(id[8:], 0x6b6579686f6c6400) // spread the ids over the second half too
	return id
}

func scaleInitDomain(t testing.TB, st *State, at time.Time) {
	t.Helper()
	cmd := encode(cmdInitDomain, initDomainCmd{ID: "scale", At: at, Quorum: 1,
		DK: ceremony.DomainKeyVersion{Version: 1, Label: "dk1", State: ceremony.DKStateActive, CreatedAt: at}})
	if err := st.Apply(cmd); err != nil {
		t.Fatal(err)
	}
}

// scaleCreateKeyCmd builds key i's CreateKey command as the service does.
func scaleCreateKeyCmd(i int, at time.Time) []byte {
	tok := make([]byte, scaleTokenSize)
	_, _ = rand.Read(tok)
	created := at.Add(time.Duration(i) * time.Millisecond)
	return encode(cmdCreateKey, createKeyCmd{Key: Key{
		ID: scaleKeyID(i), Description: "load " + strconv.Itoa(i), KeySpec: KeySpecSymmetricDefault,
		KeyUsage: KeyUsageEncryptDecrypt, Origin: OriginAWSKMS, State: KeyStateEnabled, CreatedAt: created,
		Versions: []KeyVersion{{Version: 1, DKVersion: 1, Token: tok, CreatedAt: created}},
	}})
}

// scaleFill applies n CreateKeys and n/10 CreateAliases (one alias for every tenth key).
func scaleFill(t testing.TB, st *State, from, n int, at time.Time) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if err := st.Apply(scaleCreateKeyCmd(i, at)); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		if i%10 == 0 {
			cmd := encode(cmdCreateAlias, aliasCmd{Name: fmt.Sprintf("alias/load-%d", i), ID: scaleKeyID(i), At: at})
			if err := st.Apply(cmd); err != nil {
				t.Fatalf("alias %d: %v", i, err)
			}
		}
	}
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// heapPeak samples the heap in use until stopped and returns the highest sample. HeapInuse counts
// spans with objects, live or not yet swept: what the process must keep resident.
type heapPeak struct {
	stop chan struct{}
	done sync.WaitGroup
	peak atomic.Uint64
}

func startHeapPeak() *heapPeak {
	p := &heapPeak{stop: make(chan struct{})}
	p.sample()
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
				p.sample()
			}
		}
	}()
	return p
}

func (p *heapPeak) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapInuse > p.peak.Load() {
		p.peak.Store(ms.HeapInuse)
	}
}

func (p *heapPeak) end() uint64 {
	p.sample()
	close(p.stop)
	p.done.Wait()
	return p.peak.Load()
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// TestScaleState creates N keys (and N/10 aliases, and N/100 IAM users with an inline policy and
// an access key each) through Apply and reports the state's bytes per
// key, the heap peak while loading and while a snapshot is persisted (taken and written while
// writes continue), snapshot size and time, restore time and bytes per key after a restore, and
// the cost of a ListKeys page at the start and at the end of the key order.
func TestScaleState(t *testing.T) {
	n := 20000
	if v := os.Getenv("KEYHOLD_SCALE_KEYS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			t.Fatalf("KEYHOLD_SCALE_KEYS=%q: want an integer >= 1000", v)
		}
	}
	// Principals: KEYHOLD_SCALE_USERS, default one per hundred keys (10,000 for a million).
	users := n / 100
	if v := os.Getenv("KEYHOLD_SCALE_USERS"); v != "" {
		var err error
		if users, err = strconv.Atoi(v); err != nil || users < 0 {
			t.Fatalf("KEYHOLD_SCALE_USERS=%q: want an integer >= 0", v)
		}
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	base := liveHeap()

	st := NewState(testARNs)
	scaleInitDomain(t, st, at)
	p := startHeapPeak()
	start := time.Now()
	scaleFill(t, st, 0, n, at)
	loadDur := time.Since(start)
	loadPeak := p.end()
	live := liveHeap() - base
	t.Logf("load:     %d keys + %d aliases in %v (%.0f/s); live %.1f MiB = %d B/key; heap peak while loading %.1f MiB",
		n, n/10, loadDur.Round(time.Millisecond), float64(n)/loadDur.Seconds(), mib(live), live/uint64(n), mib(loadPeak))

	// Identity: users with an inline policy and an access key each, on top of the keys.
	if users > 0 {
		p = startHeapPeak()
		start = time.Now()
		scaleFillIAM(t, st, users, at)
		iamDur := time.Since(start)
		iamPeak := p.end()
		all := liveHeap() - base
		t.Logf("iam:      %d users (%d accounts), each with a 10-statement inline policy and an access key, in %v (%.0f/s); %d B/user; live %.1f MiB in all; heap peak %.1f MiB",
			users, (users-1)/iam.MaxUsers+1, iamDur.Round(time.Millisecond), float64(users)/iamDur.Seconds(), (all-live)/uint64(users), mib(all), mib(iamPeak))
	}

	// Snapshot: capture, then persist while more keys are applied, as raft does.
	path := filepath.Join(t.TempDir(), "state.snap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	before := liveHeap()
	p = startHeapPeak()
	start = time.Now()
	sn := st.Snapshot()
	capDur := time.Since(start)
	extra := n / 100
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); scaleFill(t, st, n, extra, at) }()
	if _, err := sn.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	snapDur := time.Since(start)
	wg.Wait()
	snapPeak := p.end()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("snapshot: capture %v, capture+persist %v, %.1f MiB on disk (%d B/key, users included); heap peak %.1f MiB = %.2fx the live heap before it",
		capDur.Round(time.Microsecond), snapDur.Round(time.Millisecond), mib(uint64(fi.Size())), fi.Size()/int64(n),
		mib(snapPeak), float64(snapPeak)/float64(before))
	sn = nil

	// ListKeys pages: a page from the start against a page whose marker is deep in the order.
	page := func(after wrap.KeyID) time.Duration {
		const rounds = 20
		start := time.Now()
		for r := 0; r < rounds; r++ {
			st.View(func(v *View) {
				got := 0
				v.KeysAfter(after, func(*Key) bool { got++; return got < 100 })
			})
		}
		return time.Since(start) / rounds
	}
	first, last := page(wrap.KeyID{}), page(scaleKeyID(n-200))
	t.Logf("list:     100-key page from the start %v, from a marker at key %d %v (%.1fx)",
		first, n-200, last, float64(last)/float64(first))

	// Restore into a fresh state, then drop the original so the heap holds only the restored one.
	st = nil
	base = liveHeap()
	f, err = os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st2 := NewState(testARNs)
	p = startHeapPeak()
	start = time.Now()
	if err := st2.Restore(f); err != nil {
		t.Fatal(err)
	}
	restoreDur := time.Since(start)
	restorePeak := p.end()
	var count int
	st2.View(func(v *View) { count = v.KeyCount() })
	if count != n {
		t.Fatalf("restored %d keys, want the %d the snapshot captured", count, n)
	}
	restored := liveHeap() - base
	t.Logf("restore:  %v; live %.1f MiB = %d B/key (users included); heap peak while restoring %.1f MiB",
		restoreDur.Round(time.Millisecond), mib(restored), restored/uint64(count), mib(restorePeak))
	runtime.KeepAlive(st2)
}
