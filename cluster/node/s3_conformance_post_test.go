package node

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// postForm sends a browser-upload form: the fields in order, then the file.
func postForm(t *testing.T, target string, fields map[string]string, order []string, filename string, file []byte) (int, http.Header, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if order == nil {
		for k := range fields {
			order = append(order, k)
		}
		sort.Strings(order)
	}
	for _, k := range order {
		_ = mw.WriteField(k, fields[k])
	}
	if file != nil {
		fw, _ := mw.CreateFormFile("file", filename)
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, target, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// signPolicy builds and signs a POST policy by hand (SigV4: the signing key's HMAC of the base64
// policy), returning the authentication fields, so that a test can sign what the SDK would not.
func signPolicy(t *testing.T, tn *testNode, expiration time.Time, conditions []any) map[string]string {
	t.Helper()
	now := time.Now().UTC()
	date := now.Format("20060102")
	cred := tn.akid + "/" + date + "/" + tn.cfg.Region + "/s3/aws4_request"
	conditions = append([]any{map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256"}, map[string]string{"x-amz-credential": cred},
		map[string]string{"x-amz-date": now.Format("20060102T150405Z")}}, conditions...)
	doc, _ := json.Marshal(map[string]any{"expiration": expiration.UTC().Format("2006-01-02T15:04:05.000Z"), "conditions": conditions})
	policy := base64.StdEncoding.EncodeToString(doc)
	mac := func(key []byte, s string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	k := mac(mac(mac(mac([]byte("AWS4"+tn.secret), date), tn.cfg.Region), "s3"), "aws4_request")
	return map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": cred, "x-amz-date": now.Format("20060102T150405Z"),
		"policy": policy, "x-amz-signature": hex.EncodeToString(mac(k, policy))}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestS3ConformancePostObject: browser uploads (POST Object with a SigV4-signed policy) as S3
// has them: the AWS SDK's presigned POST works, the policy's conditions, expiration and
// content-length-range are enforced with S3's errors, ${filename}, SSE (KMS and SSE-C) fields,
// success_action_status and success_action_redirect behave as documented, and nothing that fails
// is stored.
func TestS3ConformancePostObject(t *testing.T) {
	tn := newTestNode(t)
	tn.cfg.AllowSSECOverHTTP = true
	tn.restart(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "forms")
	target := tn.url + "/forms"
	exists := func(key string) bool {
		_, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("forms"), Key: aws.String(key)})
		return err == nil
	}

	t.Run("SDKPresignedPost", func(t *testing.T) {
		pp, err := s3.NewPresignClient(c).PresignPostObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("forms"), Key: aws.String("sdk.txt")},
			func(o *s3.PresignPostOptions) {
				o.Conditions = []any{[]any{"starts-with", "$Content-Type", "text/"}, map[string]string{"success_action_status": "201"},
					map[string]string{"x-amz-server-side-encryption": "aws:kms"}, []any{"content-length-range", 1, 1024}}
			})
		if err != nil {
			t.Fatal(err)
		}
		fields := merge(pp.Values, map[string]string{"Content-Type": "text/plain", "success_action_status": "201", "x-amz-server-side-encryption": "aws:kms"})
		status, hdr, body := postForm(t, pp.URL, fields, nil, "local.txt", []byte("posted by a browser"))
		if status != http.StatusCreated {
			t.Fatalf("presigned POST: %d %s", status, body)
		}
		var pr struct{ Bucket, Key, ETag string }
		if err := xml.Unmarshal(body, &pr); err != nil || pr.Bucket != "forms" || pr.Key != "sdk.txt" || pr.ETag == "" || hdr.Get("ETag") != pr.ETag {
			t.Fatalf("PostResponse %s (%v), ETag header %q", body, err, hdr.Get("ETag"))
		}
		got, out := mustGet(t, c, "forms", "sdk.txt", nil)
		if string(got) != "posted by a browser" || aws.ToString(out.ContentType) != "text/plain" || out.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
			t.Fatalf("stored %q as %q, SSE %q", got, aws.ToString(out.ContentType), out.ServerSideEncryption)
		}
	})

	base := func(conds ...any) map[string]string {
		return signPolicy(t, tn, time.Now().Add(time.Hour), append([]any{map[string]string{"bucket": "forms"}}, conds...))
	}

	t.Run("FilenameAndDefaultStatus", func(t *testing.T) {
		fields := merge(base([]any{"starts-with", "$key", "uploads/"}), map[string]string{"key": "uploads/${filename}"})
		status, _, body := postForm(t, target, fields, nil, "photo.txt", []byte("pixels"))
		if status != http.StatusNoContent {
			t.Fatalf("POST: %d %s", status, body)
		}
		if b, _ := mustGet(t, c, "forms", "uploads/photo.txt", nil); string(b) != "pixels" {
			t.Fatalf("${filename} object holds %q", b)
		}
	})

	t.Run("Redirect", func(t *testing.T) {
		fields := merge(base(map[string]string{"key": "r.txt"}, map[string]string{"success_action_redirect": "https://app.example/done?x=1"}),
			map[string]string{"key": "r.txt", "success_action_redirect": "https://app.example/done?x=1"})
		status, hdr, body := postForm(t, target, fields, nil, "r.txt", []byte("r"))
		loc, _ := url.Parse(hdr.Get("Location"))
		if status != http.StatusSeeOther || loc == nil || loc.Host != "app.example" || loc.Query().Get("key") != "r.txt" ||
			loc.Query().Get("bucket") != "forms" || loc.Query().Get("etag") == "" || loc.Query().Get("x") != "1" {
			t.Fatalf("redirect: %d %q %s", status, hdr.Get("Location"), body)
		}
	})

	t.Run("SSE-C", func(t *testing.T) {
		ck := newCustomerKey(0x44)
		sse := map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256",
			"x-amz-server-side-encryption-customer-key": ck.b64, "x-amz-server-side-encryption-customer-key-md5": ck.md5}
		conds := []any{map[string]string{"key": "ssec.txt"}}
		for k, v := range sse {
			conds = append(conds, map[string]string{k: v})
		}
		status, _, body := postForm(t, target, merge(base(conds...), sse, map[string]string{"key": "ssec.txt"}), nil, "f", []byte("customer keyed"))
		if status != http.StatusNoContent {
			t.Fatalf("SSE-C POST: %d %s", status, body)
		}
		if _, _, err := getBytes(c, &s3.GetObjectInput{Bucket: aws.String("forms"), Key: aws.String("ssec.txt")}); err == nil {
			t.Fatal("SSE-C object readable without its key")
		}
		b, _ := mustGet(t, c, "forms", "ssec.txt", func(in *s3.GetObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(ck.b64), aws.String(ck.md5)
		})
		if string(b) != "customer keyed" {
			t.Fatalf("SSE-C POST round trip: %q", b)
		}
	})

	t.Run("Refusals", func(t *testing.T) {
		ok := base(map[string]string{"key": "deny.txt"}, []any{"content-length-range", 2, 10})
		for _, tc := range []struct {
			name   string
			fields map[string]string
			file   []byte
			status int
			code   string
			msg    string
		}{
			{"key outside the policy", merge(ok, map[string]string{"key": "other.txt"}), []byte("abc"), 403, "AccessDenied", "Invalid according to Policy: Policy Condition failed"},
			{"field not in the policy", merge(ok, map[string]string{"key": "deny.txt", "x-amz-meta-extra": "1"}), []byte("abc"), 403, "AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-extra"},
			{"too large", merge(ok, map[string]string{"key": "deny.txt"}), []byte("0123456789A"), 400, "EntityTooLarge", ""},
			{"too small", merge(ok, map[string]string{"key": "deny.txt"}), []byte("a"), 400, "EntityTooSmall", ""},
			{"tampered signature", merge(ok, map[string]string{"key": "deny.txt", "x-amz-signature": strings.Repeat("0", 64)}), []byte("abc"), 403, "SignatureDoesNotMatch", ""},
			{"expired", merge(signPolicy(t, tn, time.Now().Add(-time.Minute), []any{map[string]string{"key": "deny.txt"}}), map[string]string{"key": "deny.txt"}), []byte("abc"), 403, "AccessDenied", "Invalid according to Policy: Policy expired."},
			{"public ACL", merge(base(map[string]string{"key": "deny.txt"}, map[string]string{"acl": "public-read"}), map[string]string{"key": "deny.txt", "acl": "public-read"}), []byte("abc"), 400, "AccessControlListNotSupported", ""},
			{"no signature", map[string]string{"key": "deny.txt", "policy": ok["policy"]}, []byte("abc"), 400, "InvalidArgument", ""},
			{"anonymous", map[string]string{"key": "deny.txt"}, []byte("abc"), 403, "AccessDenied", ""},
			{"SigV2 form", map[string]string{"key": "deny.txt", "AWSAccessKeyId": tn.akid, "policy": ok["policy"], "signature": "c2ln"}, []byte("abc"), 400, "InvalidRequest", "Please use AWS4-HMAC-SHA256."},
			{"no file", merge(ok, map[string]string{"key": "deny.txt"}), nil, 400, "InvalidArgument", ""},
			{"fields too large", merge(ok, map[string]string{"key": "deny.txt", "x-ignore-pad": strings.Repeat("p", 70<<10)}), []byte("abc"), 400, "MaxPostPreDataLengthExceeded", ""},
			{"bad policy", merge(ok, map[string]string{"key": "deny.txt", "policy": "!!!"}), []byte("abc"), 403, "SignatureDoesNotMatch", ""},
		} {
			status, _, body := postForm(t, target, tc.fields, nil, "f", tc.file)
			wantRaw(t, tc.name, status, body, tc.status, tc.code)
			if _, msg := s3ErrorCode(body); !strings.Contains(msg, tc.msg) {
				t.Fatalf("%s: message %q, want %q", tc.name, msg, tc.msg)
			}
		}
		if exists("deny.txt") || exists("other.txt") {
			t.Fatal("a refused POST stored an object")
		}
		// And the same form within its policy is accepted.
		status, _, body := postForm(t, target, merge(ok, map[string]string{"key": "deny.txt"}), nil, "f", []byte("abc"))
		if status != http.StatusNoContent || !exists("deny.txt") {
			t.Fatalf("valid form: %d %s", status, body)
		}
	})
}
