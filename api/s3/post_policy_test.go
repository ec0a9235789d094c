package s3

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestPostPolicyCheck pins the POST policy rules: exact and prefix conditions on the fields as
// sent, case-insensitive field names, every field covered, expiry, and S3's messages.
func TestPostPolicyCheck(t *testing.T) {
	now := time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)
	doc := `{"expiration":"2026-12-07T06:00:00.000Z","conditions":[{"bucket":"b"},["starts-with","$key","up/"],
		["eq","$Content-Type","text/plain"],["content-length-range",1,"1024"],["starts-with","$x-amz-meta-tag",""]]}`
	p, err := parsePostPolicy(b64(doc))
	if err != nil {
		t.Fatal(err)
	}
	if !p.hasRange || p.minLen != 1 || p.maxLen != 1024 {
		t.Fatalf("range %v %d %d", p.hasRange, p.minLen, p.maxLen)
	}
	ok := map[string]string{"bucket": "b", "key": "up/${filename}", "content-type": "text/plain", "x-amz-signature": "s", "policy": "p", "x-ignore-me": "1"}
	if err := p.check(ok, now); err != nil {
		t.Fatalf("conforming form refused: %v", err)
	}
	for _, tc := range []struct {
		change map[string]string
		msg    string
	}{
		{map[string]string{"key": "down/x"}, `Policy Condition failed: ["starts-with","$key","up/"]`},
		{map[string]string{"content-type": "text/html"}, "Policy Condition failed"},
		{map[string]string{"acl": "private"}, "Extra input fields: acl"},
	} {
		f := map[string]string{}
		for k, v := range ok {
			f[k] = v
		}
		for k, v := range tc.change {
			f[k] = v
		}
		err := p.check(f, now)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Fatalf("%v: got %v, want %q", tc.change, err, tc.msg)
		}
		if aws, _ := errorFor(err); aws.Code != "AccessDenied" || aws.Status != 403 {
			t.Fatalf("maps to %v", aws)
		}
	}
	if err := p.check(ok, now.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "Policy expired.") {
		t.Fatalf("expired policy: %v", err)
	}
	for _, bad := range []string{"not base64!", b64("{"), b64(`{"conditions":[]}`), b64(`{"expiration":"tomorrow","conditions":[]}`),
		b64(`{"expiration":"2026-12-07T06:00:00Z"}`), b64(`{"expiration":"2026-12-07T06:00:00Z","conditions":[["content-length-range",5,1]]}`),
		b64(`{"expiration":"2026-12-07T06:00:00Z","conditions":[["in","$key","x"]]}`), b64(`{"expiration":"2026-12-07T06:00:00Z","conditions":[{"a":"1","b":"2"}]}`)} {
		_, err := parsePostPolicy(bad)
		if aws, _ := errorFor(err); err == nil || aws.Code != "InvalidPolicyDocument" {
			t.Fatalf("%q: got %v", bad, err)
		}
	}
}

// FuzzPostPolicy feeds untrusted policy documents and form fields to the POST policy parser and
// checker: nothing may panic, and every refusal is an S3 client error, never InternalError.
func FuzzPostPolicy(f *testing.F) {
	for _, seed := range []string{
		`{"expiration":"2030-01-01T00:00:00.000Z","conditions":[{"bucket":"b"},["starts-with","$key","u/"],["content-length-range",0,10]]}`,
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","$acl","private"],{"x-amz-meta-a":"b"}]}`,
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range","1","99999999999999999999"]]}`,
		`{"expiration":"x","conditions":null}`,
		`{"conditions":[[],[1,2,3],{"":""}]}`,
		`[]`,
		"",
	} {
		f.Add(b64(seed), "key", "u/x")
		f.Add(seed, "bucket", "b")
	}
	f.Fuzz(func(t *testing.T, policy, field, value string) {
		p, err := parsePostPolicy(policy)
		if err != nil {
			if aws, _ := errorFor(err); aws.Status >= 500 {
				t.Fatalf("refusal maps to %s: %v", aws.Code, err)
			}
			return
		}
		err = p.check(map[string]string{strings.ToLower(field): value, "bucket": "b"}, time.Unix(0, 0))
		if aws, _ := errorFor(err); err != nil && aws.Status >= 500 {
			t.Fatalf("refusal maps to %s: %v", aws.Code, err)
		}
	})
}
