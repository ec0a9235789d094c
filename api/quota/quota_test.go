package quota

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a manual clock for the buckets.
type clock struct{ t time.Time }

func (c *clock) now() time.Time             { return c.t }
func (c *clock) advance(d time.Duration)    { c.t = c.t.Add(d) }
func limiter(cfg Config, c *clock) *Limiter { l := NewLimiter(cfg); l.now = c.now; return l }
func takeN(l *Limiter, a string, q Name, n int) (ok int) {
	for range n {
		if l.Take(a, q) {
			ok++
		}
	}
	return ok
}

// TestBucketRefills: a quota admits one second of requests at once, refuses the next, and
// refills at its rate; a rate below one per second admits one request per 1/rate seconds.
func TestBucketRefills(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	l := limiter(Config{Enabled: true}, c)
	const acct = "111122223333"
	if got := takeN(l, acct, "kms:CreateAlias", 10); got != 5 {
		t.Fatalf("CreateAlias burst: %d admitted, want 5", got)
	}
	c.advance(400 * time.Millisecond)
	if got := takeN(l, acct, "kms:CreateAlias", 10); got != 2 {
		t.Fatalf("after 0.4s at 5/s: %d admitted, want 2", got)
	}
	c.advance(time.Hour)
	if got := takeN(l, acct, "kms:CreateAlias", 10); got != 5 {
		t.Fatalf("a long pause refills to the burst only: %d admitted, want 5", got)
	}
	q := Name("kms:GenerateDataKeyPair(RSA_4096)") // 0.1 per second
	if !l.Take(acct, q) || l.Take(acct, q) {
		t.Fatal("RSA_4096: want one request admitted, the next refused")
	}
	c.advance(9 * time.Second)
	if l.Take(acct, q) {
		t.Fatal("RSA_4096 admitted again after 9s, want 10s")
	}
	c.advance(time.Second)
	if !l.Take(acct, q) {
		t.Fatal("RSA_4096 refused after 10s")
	}
}

// TestQuotasAreIndependent: each quota and each account has its own bucket: an account that
// exhausted CreateAlias still encrypts, and another account still creates aliases.
func TestQuotasAreIndependent(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	l := limiter(Config{Enabled: true}, c)
	takeN(l, "111122223333", "kms:CreateAlias", 10)
	if l.Take("111122223333", "kms:CreateAlias") {
		t.Fatal("CreateAlias not exhausted")
	}
	if !l.Take("111122223333", KMSSymmetric) || !l.Take("111122223333", "kms:CreateKey") {
		t.Fatal("another quota of the same account was throttled")
	}
	if !l.Take("444455556666", "kms:CreateAlias") {
		t.Fatal("another account's CreateAlias was throttled")
	}
}

// TestOverrides: a per-account rate beats the global override, which beats the default; 0 is
// unlimited; a disabled config builds no limiter and admits everything.
func TestOverrides(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	cfg := Config{Enabled: true,
		Rates:    map[string]float64{"kms:CreateKey": 2, "s3:write": 0},
		Accounts: map[string]map[string]float64{"444455556666": {"kms:CreateKey": 3}}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	l := limiter(cfg, c)
	if got := takeN(l, "111122223333", "kms:CreateKey", 10); got != 2 {
		t.Fatalf("global override: %d admitted, want 2", got)
	}
	if got := takeN(l, "444455556666", "kms:CreateKey", 10); got != 3 {
		t.Fatalf("account override: %d admitted, want 3", got)
	}
	if got := takeN(l, "111122223333", S3Write, 100000); got != 100000 {
		t.Fatalf("rate 0: %d admitted, want all", got)
	}
	if got := takeN(l, "111122223333", "kms:DescribeKey", 3000); got != 2000 {
		t.Fatalf("default DescribeKey: %d admitted, want 2000", got)
	}
	var off *Limiter = NewLimiter(Config{Rates: map[string]float64{"kms:CreateKey": 1}})
	if off != nil || takeN(off, "111122223333", "kms:CreateKey", 10) != 10 {
		t.Fatal("a disabled config throttled")
	}
	if !l.Take("", "kms:CreateKey") || !l.Take("111122223333", "") {
		t.Fatal("a request with no account or no quota was throttled")
	}
}

// TestConcurrentTakes: under concurrent charging a bucket admits exactly its tokens.
func TestConcurrentTakes(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	l := limiter(Config{Enabled: true, Rates: map[string]float64{"kms:ListKeys": 100}}, c)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok.Add(int64(takeN(l, "111122223333", "kms:ListKeys", 50)))
		}()
	}
	wg.Wait()
	if ok.Load() != 100 {
		t.Fatalf("%d admitted, want 100", ok.Load())
	}
}

// TestValidate names what is wrong: an unknown quota, a negative rate, a bad account id.
func TestValidate(t *testing.T) {
	err := Config{Enabled: true,
		Rates:    map[string]float64{"kms:Nope": 1, "kms:CreateKey": -1},
		Accounts: map[string]map[string]float64{"12": {"kms:CreateKey": 1}, "444455556666": {"s3:read": -2}},
	}.Validate()
	if err == nil {
		t.Fatal("Validate accepted a bad config")
	}
	for _, want := range []string{`unknown quota "kms:Nope"`, "rates: kms:CreateKey: rate -1", `"12" is not a 12-digit`, "accounts.444455556666: s3:read"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v\nwant it to contain %q", err, want)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("zero config: %v", err)
	}
}

// TestFor: operations count against AWS's quotas: symmetric cryptographic operations share
// one, asymmetric ones share one per key type, management operations have their own, data key
// pairs one per spec, S3 reads and writes one each.
func TestFor(t *testing.T) {
	for _, tt := range []struct {
		api, op string
		want    Name
	}{
		{"kms", "Encrypt", KMSSymmetric},
		{"kms", "GenerateDataKey", KMSSymmetric},
		{"kms", "GenerateRandom", KMSSymmetric},
		{"kms", "VerifyMac", KMSSymmetric},
		{"kms", "ReEncrypt", KMSSymmetric},
		{"kms", "Encrypt:RSA", KMSRSA},
		{"kms", "Sign:RSA", KMSRSA},
		{"kms", "Sign:ECC", KMSECC},
		{"kms", "DeriveSharedSecret:ECC", KMSECC},
		{"kms", "Verify:ML-DSA", KMSMLDSA},
		{"kms", "GenerateDataKeyPair:RSA_2048", "kms:GenerateDataKeyPair(RSA_2048)"},
		{"kms", "GenerateDataKeyPairWithoutPlaintext:ECC_NIST_P256", "kms:GenerateDataKeyPair(ECC_NIST_P256)"},
		{"kms", "GenerateDataKeyPair:RSA_1024", ""},
		{"kms", "CreateKey", "kms:CreateKey"},
		{"kms", "DescribeKey", "kms:DescribeKey"},
		{"kms", "CreateAlias", "kms:CreateAlias"},
		{"kms", "Sign", ""},
		{"kms", "NoSuchOperation", ""},
		{"s3", "GetObject", S3Read},
		{"s3", "HeadBucket", S3Read},
		{"s3", "ListObjectsV2", S3Read},
		{"s3", "PutObject", S3Write},
		{"s3", "DeleteObjects", S3Write},
		{"s3", "PostObject", S3Write},
		{"iam", "CreateUser", IAM},
		{"sts", "AssumeRole", STS},
		{"admin", "Status", ""},
	} {
		if got := For(tt.api, tt.op); got != tt.want {
			t.Errorf("For(%q, %q) = %q, want %q", tt.api, tt.op, got, tt.want)
		}
	}
}

// BenchmarkTake is the cost a quota adds to every data-plane request.
func BenchmarkTake(b *testing.B) {
	l := NewLimiter(Config{Enabled: true, Rates: map[string]float64{string(KMSSymmetric): 0}})
	l2 := NewLimiter(Config{Enabled: true, Rates: map[string]float64{string(KMSSymmetric): 1e12}})
	b.Run("unlimited", func(b *testing.B) {
		for b.Loop() {
			l.Take("111122223333", KMSSymmetric)
		}
	})
	b.Run("limited", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l2.Take("111122223333", KMSSymmetric)
			}
		})
	})
}
