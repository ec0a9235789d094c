package node

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestAttackPostPolicyForgery: an attacker who holds a browser-upload form keyhold's user
// signed (for uploads/alice/ in bucket "inbox", at most 1 KiB, for an hour) tries to stretch
// it: another key prefix, a re-written policy under the old signature, another bucket, a bigger
// file, a form after expiry, extra fields the policy does not name, a policy signed for another
// region or service, and a flood of fields before the file. keyhold must refuse each, store
// nothing, and keep the form usable for what it was signed for.
func TestAttackPostPolicyForgery(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "inbox")
	mustCreateBucket(t, c, "vault")
	conds := []any{map[string]string{"bucket": "inbox"}, []any{"starts-with", "$key", "uploads/alice/"}, []any{"content-length-range", 0, 1024}}
	signed := signPolicy(t, tn, time.Now().Add(time.Hour), conds)
	form := func(extra map[string]string) map[string]string {
		return merge(signed, map[string]string{"key": "uploads/alice/cv.pdf"}, extra)
	}
	stored := func(bucket, key string) bool {
		_, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		return err == nil
	}

	// The policy re-written to allow every key, sent with the original signature.
	var doc map[string]any
	raw, _ := base64.StdEncoding.DecodeString(signed["policy"])
	_ = json.Unmarshal(raw, &doc)
	doc["conditions"] = append(doc["conditions"].([]any)[:3], map[string]string{"bucket": "inbox"}, []any{"starts-with", "$key", ""})
	widened, _ := json.Marshal(doc)

	// A policy signed with a credential scoped to the kms service, and one scoped to another region.
	otherScope := func(region, service string) map[string]string {
		f := signPolicy(t, tn, time.Now().Add(time.Hour), conds)
		f["x-amz-credential"] = strings.Replace(f["x-amz-credential"], "/"+tn.cfg.Region+"/s3/", "/"+region+"/"+service+"/", 1)
		return f
	}

	for _, tc := range []struct {
		name, target string
		fields       map[string]string
		file         []byte
		status       int
		code         string
		key          string
	}{
		{"key outside the signed prefix", "/inbox", form(map[string]string{"key": "uploads/bob/cv.pdf"}), []byte("x"), 403, "AccessDenied", "uploads/bob/cv.pdf"},
		{"policy widened under the old signature", "/inbox", form(map[string]string{"key": "admin/x", "policy": base64.StdEncoding.EncodeToString(widened)}), []byte("x"), 403, "SignatureDoesNotMatch", "admin/x"},
		{"form posted to another bucket", "/vault", form(nil), []byte("x"), 403, "AccessDenied", ""},
		{"file beyond content-length-range", "/inbox", form(map[string]string{"key": "uploads/alice/big"}), make([]byte, 4096), 400, "EntityTooLarge", "uploads/alice/big"},
		{"expired form", "/inbox", merge(signPolicy(t, tn, time.Now().Add(-time.Second), conds), map[string]string{"key": "uploads/alice/late"}), []byte("x"), 403, "AccessDenied", "uploads/alice/late"},
		{"field the policy does not name", "/inbox", form(map[string]string{"key": "uploads/alice/meta", "x-amz-server-side-encryption": "AES256"}), []byte("x"), 403, "AccessDenied", "uploads/alice/meta"},
		{"credential scoped to kms", "/inbox", merge(otherScope(tn.cfg.Region, "kms"), map[string]string{"key": "uploads/alice/kms"}), []byte("x"), 400, "AuthorizationHeaderMalformed", "uploads/alice/kms"},
		{"credential scoped to another region", "/inbox", merge(otherScope("eu-west-9", "s3"), map[string]string{"key": "uploads/alice/region"}), []byte("x"), 400, "AuthorizationHeaderMalformed", "uploads/alice/region"},
		{"field flood before the file", "/inbox", form(map[string]string{"key": "uploads/alice/flood", "x-ignore-a": strings.Repeat("a", 40<<10), "x-ignore-b": strings.Repeat("b", 40<<10)}), []byte("x"), 400, "MaxPostPreDataLengthExceeded", "uploads/alice/flood"},
	} {
		status, _, body := postForm(t, tn.url+tc.target, tc.fields, nil, "f", tc.file)
		wantRaw(t, tc.name, status, body, tc.status, tc.code)
		if tc.key != "" && stored("inbox", tc.key) {
			t.Fatalf("%s: %s was stored", tc.name, tc.key)
		}
	}
	if stored("vault", "uploads/alice/cv.pdf") {
		t.Fatal("the form wrote to another bucket")
	}
	if status, _, body := postForm(t, tn.url+"/inbox", form(nil), nil, "f", []byte("alice's cv")); status != http.StatusNoContent {
		t.Fatalf("the form as signed: %d %s", status, body)
	}
	if b, _ := mustGet(t, c, "inbox", "uploads/alice/cv.pdf", nil); string(b) != "alice's cv" {
		t.Fatalf("stored %q", b)
	}
}
