package node

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// Bounded staleness and linearizable metadata reads (freshness.go, readindex.go,
// api/consistency.go), checked against real `keyhold` processes that the tests SIGSTOP, SIGKILL
// and restart. The bound is DefaultConfig's max_staleness (1s), which dev clusters run with.

// codeRetryable is what a node that cannot show its state is current answers on KMS.
const codeRetryable = "DependencyTimeoutException"

// kmsRetrying returns an SDK client for node id that retries what a stock SDK client retries
// (503s among them), as applications do: a node that cannot show its state is current refuses
// with a retryable 503, and an election may make every node do so for about a second.
func (pc *procCluster) kmsRetrying(id string) *kms.Client {
	return kms.New(kms.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(pc.AKID, pc.Secret, ""),
		BaseEndpoint: aws.String(pc.Info(id).APIURL),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 10
			o.RateLimiter = ratelimit.None
			o.Backoff = retry.NewExponentialJitterBackoff(time.Second)
		}),
	})
}

// readyz returns node id's /readyz status code and reason (0 when it does not answer).
func (pc *procCluster) readyz(id string) (int, string) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(pc.Info(id).OpsURL + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var body struct{ Reason string }
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, body.Reason
}

// holdFor keeps a fault in place for d. It is the length of the fault under test, not a wait
// for something to happen.
func holdFor(d time.Duration) { <-time.After(d) }

// attempt is one client call, timed on the test's clock.
type attempt struct {
	sent, done time.Time
	code       string // "" on success
}

// hammer calls op from workers goroutines until stop is closed. Its result waits for them and
// returns every attempt.
func hammer(workers int, stop <-chan struct{}, op func() error) func() []attempt {
	w, _ := hammerCounting(workers, stop, op)
	return w
}

// hammerCounting is hammer that also counts attempts with code so far.
func hammerCounting(workers int, stop <-chan struct{}, op func() error) (func() []attempt, func(code string) int) {
	var mu sync.Mutex
	var all []attempt
	count := func(code string) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, a := range all {
			if a.code == code {
				n++
			}
		}
		return n
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				a := attempt{sent: time.Now()}
				a.code = clustertest.ErrCode(op())
				a.done = time.Now()
				mu.Lock()
				all = append(all, a)
				mu.Unlock()
			}
		}()
	}
	return func() []attempt { wg.Wait(); return all }, count
}

// followerOf returns a live node that is not lead.
func followerOf(lead string, all []string) string {
	for _, id := range all {
		if id != lead {
			return id
		}
	}
	return ""
}

// TestStaleFollowerRefusesAfterSIGSTOP: a follower is frozen, a key is disabled on the leader,
// the follower resumes. It must never encrypt under the disabled key once the bound has passed:
// it refuses with a retryable 503 until it has caught up, then answers DisabledException. The
// test also measures how long after DisableKey was acknowledged a follower still served an
// Encrypt (the claim: at most max_staleness).
func TestStaleFollowerRefusesAfterSIGSTOP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	all := []string{"node1", "node2", "node3"}
	lead := pc.Leader(all...)
	f := followerOf(lead, all)
	out, err := pc.KMS(lead).CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	key := out.KeyMetadata.KeyId
	pc.CaughtUp(f, lead)
	fc := pc.KMS(f)
	encrypt := func() error {
		_, err := fc.Encrypt(ctx(), &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")})
		return err
	}
	if err := encrypt(); err != nil {
		t.Fatalf("Encrypt on %s before the fault: %v", f, err)
	}

	// Requests keep arriving throughout, so some are in flight when the follower freezes.
	stop := make(chan struct{})
	wait, count := hammerCounting(4, stop, encrypt)
	pc.Poll("Encrypts on "+f, func() bool { return count("") >= 20 })
	pc.pause(f)
	if _, err := pc.KMS(lead).DisableKey(ctx(), &kms.DisableKeyInput{KeyId: key}); err != nil {
		t.Fatalf("DisableKey on the leader: %v", err)
	}
	acked := time.Now()
	holdFor(3 * defaultMaxStaleness)
	pc.resume(f)
	pc.Poll(f+" to answer DisabledException", func() bool { return count("DisabledException") >= 50 })
	close(stop)
	attempts := wait()

	var ok, refused, disabled int
	var lag time.Duration
	for _, a := range attempts {
		switch a.code {
		case "":
			ok++
			if a.done.After(acked) {
				lag = max(lag, a.done.Sub(acked))
			}
			// A request sent after the bound had passed must see the disable.
			if a.sent.After(acked.Add(defaultMaxStaleness)) {
				t.Errorf("Encrypt sent %s after DisableKey was acknowledged succeeded on %s", a.sent.Sub(acked), f)
			}
		case codeRetryable:
			refused++
		case "DisabledException":
			disabled++
		default:
			t.Errorf("Encrypt on %s: got %s, want success before the disable, %s or DisabledException", f, a.code, codeRetryable)
		}
	}
	if disabled == 0 {
		t.Errorf("no DisabledException from %s after it resumed", f)
	}
	t.Logf("%d attempts on %s: %d succeeded (the latest %s after DisableKey was acknowledged; 0: none after), %d refused retryably, %d DisabledException",
		len(attempts), f, ok, lag, refused, disabled)
}

// TestDisableKeyStalenessWithoutFaults measures, with no fault, how long after DisableKey was
// acknowledged on the leader a follower still completed an Encrypt: bounded by max_staleness,
// and in practice the replication delay.
func TestDisableKeyStalenessWithoutFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	all := []string{"node1", "node2", "node3"}
	lead := pc.Leader(all...)
	var worst time.Duration
	for round := range 5 {
		out, err := pc.KMS(lead).CreateKey(ctx(), &kms.CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		key := out.KeyMetadata.KeyId
		stop := make(chan struct{})
		var waits []func() []attempt
		for _, id := range clustertest.Without(all, lead) {
			pc.CaughtUp(id, lead)
			c := pc.KMS(id)
			waits = append(waits, hammer(2, stop, func() error {
				_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")})
				return err
			}))
		}
		if _, err := pc.KMS(lead).Encrypt(ctx(), &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		if _, err := pc.KMS(lead).DisableKey(ctx(), &kms.DisableKeyInput{KeyId: key}); err != nil {
			t.Fatal(err)
		}
		acked := time.Now()
		for _, id := range clustertest.Without(all, lead) {
			c := pc.KMS(id)
			pc.Poll(id+" to answer DisabledException", func() bool {
				_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")})
				return clustertest.ErrCode(err) == "DisabledException"
			})
		}
		close(stop)
		for _, w := range waits {
			for _, a := range w() {
				if a.code == "" && a.done.After(acked) {
					worst = max(worst, a.done.Sub(acked))
				}
				if a.code == "" && a.sent.After(acked.Add(defaultMaxStaleness)) {
					t.Errorf("round %d: Encrypt sent %s after DisableKey was acknowledged succeeded", round, a.sent.Sub(acked))
				}
			}
		}
	}
	t.Logf("longest a follower completed an Encrypt after DisableKey was acknowledged: %s (bound: max_staleness %s)", worst, defaultMaxStaleness)
}

// TestRestartFromSnapshotWithPeersDown: a follower restarts from a snapshot taken before a key
// was disabled, while both its peers are frozen. Its replica says the key is enabled, but it
// cannot show that replica is current: it must answer zero requests under the key (and nothing
// from its replica, not even that an access key is unknown), and /readyz must say why.
func TestRestartFromSnapshotWithPeersDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	all := []string{"node1", "node2", "node3"}
	lead := pc.Leader(all...)
	f := followerOf(lead, all)
	out, err := pc.KMS(lead).CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	key := out.KeyMetadata.KeyId
	alias := "alias/snapshotted"
	if _, err := pc.KMS(lead).CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: key}); err != nil {
		t.Fatal(err)
	}

	// Restart f with snapshots on every entry until one covers the key, then restart it with
	// the defaults so that the disable below stays out of its snapshots.
	st, _ := pc.status(lead)
	created := st.CommitIndex
	pc.Kill(f)
	pc.SetEnv(append(clustertest.WithoutEnv(os.Environ(), "SOFTHSM2_CONF"), "SOFTHSM2_CONF="+filepath.Join(pc.Dir, "hsm", "softhsm2.conf"),
		"KEYHOLD_RAFT_SNAPSHOT_THRESHOLD=1", "KEYHOLD_RAFT_SNAPSHOT_INTERVAL=20ms"))
	pc.Restart(f)
	pc.SetEnv(nil)
	pc.Poll(f+" to snapshot index "+fmt.Sprint(created), func() bool {
		st, ok := pc.status(f)
		return ok && st.LastSnapshotIndex >= created
	})
	pc.Kill(f)
	pc.Restart(f)
	pc.CaughtUp(f, lead)
	snap, _ := pc.status(f)
	beforeDisable, _ := pc.status(lead)

	if _, err := pc.KMS(lead).DisableKey(ctx(), &kms.DisableKeyInput{KeyId: key}); err != nil {
		t.Fatal(err)
	}
	pc.CaughtUp(f, lead)
	fc := pc.KMS(f)
	if _, err := fc.Encrypt(ctx(), &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")}); clustertest.ErrCode(err) != "DisabledException" {
		t.Fatalf("Encrypt on %s after the disable: got %q, want DisabledException", f, clustertest.ErrCode(err))
	}
	if st, _ := pc.status(f); st.LastSnapshotIndex != snap.LastSnapshotIndex {
		t.Fatalf("%s snapshotted again (index %d, was %d): the test needs its snapshot to predate the disable", f, st.LastSnapshotIndex, snap.LastSnapshotIndex)
	}

	peers := clustertest.Without(all, f)
	for _, id := range peers {
		pc.pause(id)
	}
	pc.Kill(f)
	pc.Restart(f)
	pc.Poll(f+" to answer on its API", func() bool {
		_, err := fc.ListKeys(ctx(), &kms.ListKeysInput{})
		return !strings.HasPrefix(clustertest.ErrCode(err), "non-API error")
	})

	stranger := kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(pc.Info(f).APIURL), Retryer: clustertest.ClientRaceRetryer(),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAUNKNOWNUNKNOWN00", "secret", "")})
	calls := map[string]func() error{
		"Encrypt": func() error {
			_, err := fc.Encrypt(ctx(), &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")})
			return err
		},
		"Encrypt(alias)": func() error {
			_, err := fc.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(alias), Plaintext: []byte("x")})
			return err
		},
		"GenerateDataKey": func() error {
			_, err := fc.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: key, KeySpec: types.DataKeySpecAes256})
			return err
		},
		"DescribeKey": func() error {
			_, err := fc.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: key})
			return err
		},
		"unknown access key": func() error {
			_, err := stranger.ListKeys(ctx(), &kms.ListKeysInput{})
			return err
		},
	}
	stop := make(chan struct{})
	var waits []func() []attempt
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range calls {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range names {
		waits = append(waits, hammer(1, stop, calls[name]))
	}
	holdFor(3 * defaultMaxStaleness)
	code, reason := pc.readyz(f)
	close(stop)
	// The scenario holds: f's replica is its snapshot, from before the disable.
	if st, ok := pc.status(f); !ok || st.AppliedIndex > beforeDisable.CommitIndex {
		t.Errorf("%s applied index %d, want at most %d (its replica must predate the disable)", f, st.AppliedIndex, beforeDisable.CommitIndex)
	}
	for i, w := range waits {
		codes := map[string]int{}
		for _, a := range w() {
			codes[a.code]++
		}
		if len(codes) != 1 || codes[codeRetryable] == 0 {
			t.Errorf("%s on %s restarted from its snapshot with its peers down: got %v (\"\": success), want only %s", names[i], f, codes, codeRetryable)
		}
		t.Logf("%s: %v", names[i], codes)
	}
	if code != http.StatusServiceUnavailable || !strings.Contains(reason, "no raft leader") {
		t.Errorf("/readyz on %s: got %d %q, want 503 naming the missing leader", f, code, reason)
	}
	if st, _ := pc.status(f); st.Ready || st.NotReadyReason == "" {
		t.Errorf("status of %s: got ready=%v reason %q, want not ready with a reason", f, st.Ready, st.NotReadyReason)
	}

	for _, id := range peers {
		pc.resume(id)
	}
	pc.Poll(f+" to answer DisabledException once its peers are back", func() bool {
		_, err := fc.Encrypt(ctx(), &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")})
		return clustertest.ErrCode(err) == "DisabledException"
	})
}

// TestReadyzWithoutLeader: a node whose peers are frozen loses its leader and campaigns. /readyz
// must say 503 within max_staleness, and never 200 while the node has no leader.
func TestReadyzWithoutLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	all := []string{"node1", "node2", "node3"}
	lead := pc.Leader(all...)
	f := followerOf(lead, all)
	pc.CaughtUp(f, lead)
	if code, reason := pc.readyz(f); code != http.StatusOK {
		t.Fatalf("/readyz on %s before the fault: got %d %q, want 200", f, code, reason)
	}
	stopped := time.Now()
	for _, id := range clustertest.Without(all, f) {
		pc.pause(id)
	}
	var flipped time.Duration
	pc.Poll(f+" to report not ready", func() bool {
		code, _ := pc.readyz(f)
		flipped = time.Since(stopped)
		return code == http.StatusServiceUnavailable
	})
	var candidate bool
	pc.Poll(f+" to campaign", func() bool {
		st, ok := pc.status(f)
		if ok && (st.RaftState == "Candidate" || st.LeaderID == "") && st.Ready {
			t.Errorf("status of %s: raft state %s, leader %q, yet ready", f, st.RaftState, st.LeaderID)
		}
		candidate = ok && st.RaftState == "Candidate"
		return candidate
	})
	code, reason := pc.readyz(f)
	if code != http.StatusServiceUnavailable || reason == "" {
		t.Errorf("/readyz on %s as a candidate: got %d %q, want 503 with a reason", f, code, reason)
	}
	st, _ := pc.status(f)
	if st.Ready || st.NotReadyReason == "" {
		t.Errorf("status of %s as a candidate: ready=%v reason %q, want not ready with the reason", f, st.Ready, st.NotReadyReason)
	}
	t.Logf("/readyz on %s said 503 %s after its peers stopped (max_staleness %s); reason %q", f, flipped.Round(time.Millisecond), defaultMaxStaleness, reason)
	for _, id := range clustertest.Without(all, f) {
		pc.resume(id)
	}
	pc.Poll(f+" to be ready again", func() bool { code, _ := pc.readyz(f); return code == http.StatusOK })
}

// TestCutOffNodeAnswersRetryable: a node cut off from its peers must answer every request with
// the retryable code, within about max_staleness, and never a definite answer it cannot stand
// behind: NotFound for a key that exists, InvalidCiphertext for a valid ciphertext.
func TestCutOffNodeAnswersRetryable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	pc := startProcCluster(t, 3)
	all := []string{"node1", "node2", "node3"}
	lead := pc.Leader(all...)
	f := followerOf(lead, all)
	out, err := pc.KMS(lead).CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	key := out.KeyMetadata.KeyId
	enc, err := pc.KMS(lead).Encrypt(ctx(), &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	pc.CaughtUp(f, lead)
	for _, id := range clustertest.Without(all, f) {
		pc.pause(id)
	}
	fc := pc.KMS(f)
	// Let the last confirmation expire: from here on every answer must be a refusal.
	pc.Poll(f+" to report not ready", func() bool { code, _ := pc.readyz(f); return code == http.StatusServiceUnavailable })
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"Encrypt", func() error {
			_, err := fc.Encrypt(ctx(), &kms.EncryptInput{KeyId: key, Plaintext: []byte("x")})
			return err
		}},
		{"Decrypt", func() error {
			_, err := fc.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
			return err
		}},
		{"DescribeKey", func() error {
			_, err := fc.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: key})
			return err
		}},
		{"DescribeKey(unknown key)", func() error {
			_, err := fc.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("11111111-2222-3333-4444-555555555555")})
			return err
		}},
		{"CreateKey", func() error {
			_, err := fc.CreateKey(ctx(), &kms.CreateKeyInput{})
			return err
		}},
	} {
		start := time.Now()
		err := tc.call()
		took := time.Since(start)
		if got := clustertest.ErrCode(err); got != codeRetryable {
			t.Errorf("%s on cut-off %s: got %q, want %s", tc.name, f, got, codeRetryable)
		}
		t.Logf("%s on cut-off %s: %s after %s", tc.name, f, clustertest.ErrCode(err), took.Round(time.Millisecond))
	}
	for _, id := range clustertest.Without(all, f) {
		pc.resume(id)
	}
	pc.Poll(f+" to serve again", func() bool {
		_, err := fc.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
		return err == nil
	})
}
