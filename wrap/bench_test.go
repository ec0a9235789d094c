package wrap

import (
	"testing"
	"time"
)

func benchSeal(b *testing.B, n int) {
	k, id := mustKey(b), mustID(b)
	pt := make([]byte, n)
	ec := EncryptionContext{"purpose": "bench", "tenant": "a"}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Seal(k, id, 1, pt, ec); err != nil {
			b.Fatal(err)
		}
	}
}

func benchOpen(b *testing.B, n int) {
	k, id := mustKey(b), mustID(b)
	ec := EncryptionContext{"purpose": "bench", "tenant": "a"}
	raw, err := Seal(k, id, 1, make([]byte, n), ec)
	if err != nil {
		b.Fatal(err)
	}
	blob, err := ParseBlob(raw)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(k, blob, ec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSeal32(b *testing.B)   { benchSeal(b, 32) }
func BenchmarkSeal4KiB(b *testing.B) { benchSeal(b, 4096) }
func BenchmarkOpen32(b *testing.B)   { benchOpen(b, 32) }
func BenchmarkOpen4KiB(b *testing.B) { benchOpen(b, 4096) }

func BenchmarkParseBlob(b *testing.B) {
	raw, _ := Seal(mustKey(b), mustID(b), 1, make([]byte, 32), nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseBlob(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonical(b *testing.B) {
	for _, tc := range []struct {
		name string
		ec   EncryptionContext
	}{
		{"empty", nil},
		{"1", EncryptionContext{"aws:s3:arn": "arn:aws:s3:::bucket/object"}},
		{"4", EncryptionContext{"purpose": "bench", "tenant": "a", "env": "prod", "app": "billing"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = tc.ec.Canonical()
			}
		})
	}
}

// BenchmarkCacheWithHit is the data plane's hot path around Seal: a cached key, many callers.
func BenchmarkCacheWithHit(b *testing.B) {
	c := NewCache(1024, time.Hour)
	k := CacheKey{ID: mustID(b), Version: 1}
	bk := mustKey(b)
	load := func() (*BackingKey, error) { return BackingKeyFromBytes(bk.b[:]) }
	fn := func(*BackingKey) error { return nil }
	if err := c.With(k, load, fn); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.With(k, load, fn); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCacheWithHitSeal32 is a whole Encrypt's crypto: cache hit plus Seal of 32 bytes.
func BenchmarkCacheWithHitSeal32(b *testing.B) {
	c := NewCache(1024, time.Hour)
	k := CacheKey{ID: mustID(b), Version: 1}
	bk := mustKey(b)
	load := func() (*BackingKey, error) { return BackingKeyFromBytes(bk.b[:]) }
	pt := make([]byte, 32)
	ec := EncryptionContext{"purpose": "bench"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := c.With(k, load, func(bk *BackingKey) error {
				_, err := Seal(bk, k.ID, k.Version, pt, ec)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
