package domain

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestBuckets(t *testing.T) {
	svc, p, _ := newTestService(t)
	ctx := AsSystem(context.Background())
	if err := svc.CreateBucket(ctx, "photos", "root"); err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateBucket(ctx, "photos", "root"); !errors.Is(err, ErrBucketExists) {
		t.Fatalf("second create: got %v, want ErrBucketExists", err)
	}
	for _, bad := range []string{"ab", "Upper", "a..b", "192.168.1.1", "-x-", "xn--abc", "x-s3alias"} {
		if err := svc.CreateBucket(ctx, bad, "root"); !errors.Is(err, ErrValidation) {
			t.Errorf("CreateBucket(%q): got %v, want ErrValidation", bad, err)
		}
	}
	enc := &BucketEncryption{SSEAlgorithm: SSEAlgorithmKMS, KMSMasterKeyID: "alias/x", BucketKeyEnabled: true, BlockedEncryptionTypes: []string{"SSE-C"}}
	if err := svc.PutBucketEncryption(ctx, "photos", enc); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutBucketEncryption(ctx, "nope", enc); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("got %v, want ErrNoSuchBucket", err)
	}
	if err := svc.PutBucketEncryption(ctx, "photos", &BucketEncryption{SSEAlgorithm: "rot13"}); !errors.Is(err, ErrValidation) {
		t.Fatalf("got %v, want ErrValidation", err)
	}
	b, ok := svc.Bucket("photos")
	if !ok || !b.Encryption.BucketKeyEnabled || !b.Encryption.Blocks("SSE-C") || b.Owner != "root" {
		t.Fatalf("got %+v", b)
	}

	// The snapshot carries buckets, and a replayed log gives the same buckets.
	var snap bytes.Buffer
	if _, err := svc.State().Snapshot().WriteTo(&snap); err != nil {
		t.Fatal(err)
	}
	restored := NewState(testARNs)
	if err := restored.Restore(&snap); err != nil {
		t.Fatal(err)
	}
	replayed := NewState(testARNs)
	for _, c := range p.log {
		_ = replayed.Apply(c)
	}
	for name, st := range map[string]*State{"restored": restored, "replayed": replayed} {
		var got *Bucket
		st.View(func(v *View) { got = v.s.buckets["photos"] })
		if got == nil || got.Encryption == nil || got.Encryption.KMSMasterKeyID != "alias/x" {
			t.Fatalf("%s: got %+v", name, got)
		}
	}

	if err := svc.PutBucketEncryption(ctx, "photos", nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := svc.Bucket("photos"); b.Encryption != nil {
		t.Fatalf("encryption after delete: got %+v, want nil", b.Encryption)
	}
	if err := svc.DeleteBucket(ctx, "photos"); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteBucket(ctx, "photos"); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("got %v, want ErrNoSuchBucket", err)
	}
	if len(svc.ListBuckets(bg)) != 0 {
		t.Fatal("bucket still listed")
	}
}

func TestManagedKey(t *testing.T) {
	svc, _, _ := newTestService(t)
	ctx := AsSystem(context.Background())
	id, err := svc.ManagedKey(ctx, "alias/aws/s3", "Default key that protects my S3 objects")
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.ManagedKey(ctx, "alias/aws/s3", "x")
	if err != nil || again != id {
		t.Fatalf("second call: got %v, %v, want %v", again, err, id)
	}
	if _, _, _, err := svc.GenerateDataKey(bg, "alias/aws/s3", 32, nil); err != nil {
		t.Fatalf("managed key unusable: %v", err)
	}
}
