package domain

import (
	"errors"
	"testing"
)

// The two bucket policies teams copy from AWS's documentation.
const (
	denyInsecureTransport = `{"Version":"2012-10-17","Statement":[{"Sid":"AllowSSLRequestsOnly","Effect":"Deny","Principal":"*","Action":"s3:*",
"Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	requireSSEKMS = `{"Version":"2012-10-17","Id":"PutObjPolicy","Statement":[{"Sid":"DenyObjectsThatAreNotSSEKMS","Effect":"Deny","Principal":"*",
"Action":"s3:PutObject","Resource":"arn:aws:s3:::photos/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}},
{"Sid":"DenyOtherKeys","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::photos/*",
"Condition":{"StringNotEqualsIfExists":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}}]}`
)

// TestBucketPolicyRules: the documented policies are accepted and not public; an allow to
// everyone is public and refused (Block Public Access); a pinned allow is not public; a
// resource outside the bucket and malformed documents are refused; the policy is replicated,
// survives a snapshot, and goes with its bucket.
func TestBucketPolicyRules(t *testing.T) {
	svc, p, _ := newTestService(t)
	ctx := rootCtx()
	if err := svc.CreateBucket(ctx, "photos", "root"); err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{denyInsecureTransport, requireSSEKMS} {
		if err := svc.PutBucketPolicy(ctx, "photos", doc); err != nil {
			t.Fatalf("%v\n%s", err, doc)
		}
		if text, public, err := svc.BucketPolicy("photos"); err != nil || text != doc || public {
			t.Fatalf("BucketPolicy: %q %v %v", text, public, err)
		}
	}
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}`
	if err := svc.PutBucketPolicy(ctx, "photos", public); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("public policy: %v", err)
	}
	pinned := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}]}`
	if err := svc.PutBucketPolicy(ctx, "photos", pinned); err != nil {
		t.Fatalf("pinned policy: %v", err)
	}
	for _, bad := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::other/*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}]}`,
		`nope`,
	} {
		if err := svc.PutBucketPolicy(ctx, "photos", bad); !errors.Is(err, ErrMalformedPolicy) {
			t.Errorf("%s: got %v, want ErrMalformedPolicy", bad, err)
		}
	}
	if err := svc.PutBucketPolicy(ctx, "nobucket", denyInsecureTransport); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("no bucket: %v", err)
	}
	st := restoreCopy(t, p.st)
	if st.bucketPols["photos"] == nil || st.buckets["photos"].Policy != pinned {
		t.Fatal("the bucket policy is lost in a snapshot")
	}
	if err := svc.DeleteBucketPolicy(ctx, "photos"); err != nil {
		t.Fatal(err)
	}
	if text, _, _ := svc.BucketPolicy("photos"); text != "" || p.st.bucketPols["photos"] != nil {
		t.Fatal("the policy outlived DeleteBucketPolicy")
	}
}
