package s3_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// postForm builds a browser-style POST Object form: the policy signed with SigV4 as AWS
// documents it (the signature is over the base64 policy, with the s3 signing key).
func postForm(t *testing.T, akid, secret, policy string, fields map[string]string, file string) (*bytes.Buffer, string) {
	t.Helper()
	now := time.Now().UTC()
	day := now.Format("20060102")
	cred := akid + "/" + day + "/us-east-1/s3/aws4_request"
	policy = strings.ReplaceAll(policy, "CRED", cred)
	policy = strings.ReplaceAll(policy, "DATE", now.Format("20060102T150405Z"))
	p64 := base64.StdEncoding.EncodeToString([]byte(policy))
	k := hmacSHA256([]byte("AWS4"+secret), day)
	k = hmacSHA256(k, "us-east-1")
	k = hmacSHA256(k, "s3")
	k = hmacSHA256(k, "aws4_request")
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	all := map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": cred,
		"x-amz-date": now.Format("20060102T150405Z"), "policy": p64, "x-amz-signature": hex.EncodeToString(hmacSHA256(k, p64))}
	for n, v := range fields {
		all[n] = v
	}
	for n, v := range all {
		if err := w.WriteField(n, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", "upload.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(fw, file)
	_ = w.Close()
	return &b, w.FormDataContentType()
}

// TestPostObject: a browser upload with a signed policy stores the object; one whose key the
// policy does not allow, or whose signature does not match, is refused and stores nothing.
func TestPostObject(t *testing.T) {
	e := newS3(t, nil)
	ctx := context.Background()
	must(e.c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("post")}))
	akid, secret := e.h.Principal(t, "uploader", false)
	policy := fmt.Sprintf(`{"expiration":%q,"conditions":[{"bucket":"post"},["starts-with","$key","up/"],`+
		`{"x-amz-algorithm":"AWS4-HMAC-SHA256"},{"x-amz-credential":"CRED"},{"x-amz-date":"DATE"},["content-length-range",1,1024]]}`,
		time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	send := func(b *bytes.Buffer, ctype string) (int, string) {
		t.Helper()
		resp, err := e.hc.Post(e.url+"/post", ctype, b)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}

	b, ct := postForm(t, akid, secret, policy, map[string]string{"key": "up/${filename}"}, "posted")
	if st, out := send(b, ct); st != http.StatusNoContent {
		t.Fatalf("POST Object: %d %s", st, out)
	}
	if got := body(t, must(e.c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("post"), Key: aws.String("up/upload.txt")}))); string(got) != "posted" {
		t.Fatalf("posted object: %q", got)
	}

	b, ct = postForm(t, akid, secret, policy, map[string]string{"key": "elsewhere/x"}, "posted")
	if st, out := send(b, ct); st != http.StatusForbidden || !strings.Contains(out, "AccessDenied") {
		t.Fatalf("key outside the policy: %d %s", st, out)
	}
	b, ct = postForm(t, akid, "not-the-secret", policy, map[string]string{"key": "up/y"}, "posted")
	if st, out := send(b, ct); st != http.StatusForbidden || !strings.Contains(out, "SignatureDoesNotMatch") {
		t.Fatalf("wrong signature: %d %s", st, out)
	}
	b, ct = postForm(t, akid, secret, policy, map[string]string{"key": "up/z"}, strings.Repeat("x", 2000))
	if st, out := send(b, ct); st != http.StatusBadRequest || !strings.Contains(out, "EntityTooLarge") {
		t.Fatalf("file over the policy's length range: %d %s", st, out)
	}
	if _, err := e.c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("post"), Key: aws.String("up/z")}); err == nil {
		t.Fatal("a refused POST stored its object")
	}
}
