package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// s3ErrorBody is S3's error document with the element S3 adds for unsigned headers.
type s3ErrorBody struct {
	Code             string
	Message          string
	HeadersNotSigned string
}

// doHTTP sends req and returns the status and body.
func doHTTP(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// wantHeadersNotSigned checks S3's answer to a request carrying an x-amz-* header it did not sign.
func wantHeadersNotSigned(t *testing.T, status int, body []byte, header string) {
	t.Helper()
	var e s3ErrorBody
	_ = xml.Unmarshal(body, &e)
	if status != http.StatusForbidden || e.Code != "AccessDenied" ||
		e.Message != "There were headers present in the request which were not signed" || e.HeadersNotSigned != header {
		t.Fatalf("got %d %+v (%s), want 403 AccessDenied naming %s in HeadersNotSigned", status, e, body, header)
	}
}

// TestAttackUnsignedHeaderTurnsPresignedPutIntoCopy: the holder of a presigned PUT URL for a
// public upload key adds X-Amz-Copy-Source, which the URL's signature does not cover, hoping the
// PUT becomes a CopyObject of another bucket's object, which the matching presigned GET would
// then hand out. keyhold must refuse, as S3 does, any presigned or header-signed request that
// carries an x-amz-* header it did not sign.
func TestAttackUnsignedHeaderTurnsPresignedPutIntoCopy(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "private")
	mustCreateBucket(t, c, "uploads")
	mustPut(t, c, "private", "payroll.csv", []byte("secret salaries"), nil)

	pre := s3.NewPresignClient(c)
	put, err := pre.PresignPutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("uploads"), Key: aws.String("drop.bin")})
	if err != nil {
		t.Fatal(err)
	}
	get, err := pre.PresignGetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("uploads"), Key: aws.String("drop.bin")})
	if err != nil {
		t.Fatal(err)
	}

	// The attacker's steps: the presigned PUT with an added copy source, then the presigned GET.
	req, _ := http.NewRequest(http.MethodPut, put.URL, http.NoBody)
	for k, vs := range put.SignedHeader {
		req.Header[k] = vs
	}
	req.Header.Set("X-Amz-Copy-Source", "/private/payroll.csv")
	status, body := doHTTP(t, req)
	wantHeadersNotSigned(t, status, body, "x-amz-copy-source")

	req, _ = http.NewRequest(http.MethodGet, get.URL, nil)
	status, body = doHTTP(t, req)
	if bytes.Contains(body, []byte("secret salaries")) || status != http.StatusNotFound {
		t.Fatalf("presigned GET after the refused copy: got %d %q, want 404", status, body)
	}

	t.Run("SSEHeaderOnPresignedPut", func(t *testing.T) {
		// An unsigned header that would only change how the object is stored is refused too.
		req, _ := http.NewRequest(http.MethodPut, put.URL, strings.NewReader("x"))
		req.Header.Set("X-Amz-Server-Side-Encryption", "aws:kms")
		status, body := doHTTP(t, req)
		wantHeadersNotSigned(t, status, body, "x-amz-server-side-encryption")
	})
	t.Run("HeaderSignedRequest", func(t *testing.T) {
		// The same attack on a header-signed PUT captured in flight.
		req, _ := http.NewRequest(http.MethodPut, tn.url+"/uploads/drop.bin", http.NoBody)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(ctx(),
			aws.Credentials{AccessKeyID: tn.akid, SecretAccessKey: tn.secret}, req, "UNSIGNED-PAYLOAD", "s3", tn.cfg.Region, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Copy-Source", "/private/payroll.csv")
		req.Header.Set("X-Amz-Metadata-Directive", "REPLACE")
		status, body := doHTTP(t, req)
		wantHeadersNotSigned(t, status, body, "x-amz-copy-source, x-amz-metadata-directive")
	})
	t.Run("URLStillWorksAsSigned", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, put.URL, strings.NewReader("dropped file"))
		if status, body := doHTTP(t, req); status != http.StatusOK {
			t.Fatalf("presigned PUT as signed: got %d %s", status, body)
		}
		req, _ = http.NewRequest(http.MethodGet, get.URL, nil)
		if status, body := doHTTP(t, req); status != http.StatusOK || string(body) != "dropped file" {
			t.Fatalf("presigned GET: got %d %q", status, body)
		}
	})
}

// signedKMSRequest builds a KMS call for target whose signature covers only the headers set
// before signing: the way a captured request signed without X-Amz-Target (or Content-Type)
// looks.
func signedKMSRequest(t *testing.T, tn *testNode, body string, signTarget, signContentType bool, target string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, tn.url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if signContentType {
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	}
	if signTarget {
		req.Header.Set("X-Amz-Target", target)
	}
	sum := sha256.Sum256([]byte(body))
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: tn.akid, SecretAccessKey: tn.secret},
		req, hex.EncodeToString(sum[:]), "kms", tn.cfg.Region, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestAttackReplayedKMSSignatureChangesOperation: an attacker who captured a DescribeKey request
// whose signature does not cover X-Amz-Target replays it, within its 15-minute window, as
// DisableKey and ScheduleKeyDeletion (the body {"KeyId": ...} fits all three). keyhold must
// refuse any KMS request that does not sign the header that names its operation, or the
// Content-Type that says how its body is read, as IncompleteSignatureException.
func TestAttackReplayedKMSSignatureChangesOperation(t *testing.T) {
	tn := newTestNode(t)
	k, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := *k.KeyMetadata.KeyId
	body := `{"KeyId":"` + id + `"}`
	for _, tc := range []struct {
		name                   string
		signTarget, signCT     bool
		replayAs, wantInReason string
	}{
		{"TargetNotSigned", false, true, "TrentService.DisableKey", "X-Amz-Target"},
		{"TargetNotSignedScheduleDeletion", false, true, "TrentService.ScheduleKeyDeletion", "X-Amz-Target"},
		{"ContentTypeNotSigned", true, false, "TrentService.DisableKey", "Content-Type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := signedKMSRequest(t, tn, body, tc.signTarget, tc.signCT, tc.replayAs)
			// The attacker's replay: the captured signature, another operation.
			req.Header.Set("X-Amz-Target", tc.replayAs)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			status, b := doHTTP(t, req)
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			_ = json.Unmarshal(b, &e)
			if status != http.StatusBadRequest || e.Type != "IncompleteSignatureException" || !strings.Contains(e.Message, tc.wantInReason) {
				t.Fatalf("replay as %s: got %d %s, want 400 IncompleteSignatureException naming %s", tc.replayAs, status, b, tc.wantInReason)
			}
		})
	}
	d, err := tn.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if d.KeyMetadata.KeyState != kmstypes.KeyStateEnabled {
		t.Fatalf("after the replays the key is %s, want Enabled", d.KeyMetadata.KeyState)
	}
	// A request that signs both is served: the refusal is about the signature, not the call.
	req := signedKMSRequest(t, tn, body, true, true, "TrentService.DescribeKey")
	if status, b := doHTTP(t, req); status != http.StatusOK {
		t.Fatalf("fully signed DescribeKey: got %d %s", status, b)
	}
}

// TestAttackKeyPolicyAcceptedAndIgnored: a key created with a deny-all key policy could still
// encrypt, because keyhold stored the policy and never evaluated it. The policy must bind every
// caller, the account's root included, and the lockout check must refuse it unless bypassed.
func TestAttackKeyPolicyAcceptedAndIgnored(t *testing.T) {
	tn := newTestNode(t)
	denyAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*"}]}`
	// The lockout check refuses a policy that would stop its author from changing it again.
	_, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(denyAll)})
	clustertest.WantCode(t, err, "MalformedPolicyDocumentException")
	// Bypassed, the key is made, and its policy binds even the account's root.
	k, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(denyAll), BypassPolicyLockoutSafetyCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: k.KeyMetadata.KeyId, Plaintext: []byte("x")})
	clustertest.WantCode(t, err, "AccessDeniedException")
	if !strings.Contains(err.Error(), "with an explicit deny in a resource-based policy") {
		t.Fatalf("the refusal does not say why: %v", err)
	}
	_, err = tn.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: k.KeyMetadata.KeyId})
	clustertest.WantCode(t, err, "AccessDeniedException")
}

// TestAttackManagedSSEKeysDisabledOrDeleted: the keys behind alias/aws/keyhold-sse-s3 (every
// SSE-S3 object) and alias/aws/s3 (the default SSE-KMS key) were customer keys: a caller could
// disable them, schedule their deletion, repoint or delete their aliases, and a teardown loop
// over ListKeys destroyed every SSE-S3 object. As AWS managed keys, they must report
// KeyManager=AWS and refuse every management call with AccessDeniedException.
func TestAttackManagedSSEKeysDisabledOrDeleted(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "data")
	mustPut(t, c, "data", "sse-s3.txt", []byte("sse-s3 object"), func(in *s3.PutObjectInput) {
		in.ServerSideEncryption = types.ServerSideEncryptionAes256
	})
	mustPut(t, c, "data", "sse-kms.txt", []byte("sse-kms object"), func(in *s3.PutObjectInput) {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
	})
	managed := map[string]string{} // alias -> key id
	aliases, err := tn.kms.ListAliases(ctx(), &kms.ListAliasesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range aliases.Aliases {
		if strings.HasPrefix(*a.AliasName, "alias/aws/") {
			managed[*a.AliasName] = *a.TargetKeyId
		}
	}
	if managed["alias/aws/s3"] == "" || managed["alias/aws/keyhold-sse-s3"] == "" {
		t.Fatalf("managed aliases: got %v", managed)
	}
	mine, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.kms.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/mine"), TargetKeyId: mine.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}

	for alias, id := range managed {
		t.Run(strings.TrimPrefix(alias, "alias/aws/"), func(t *testing.T) {
			d, err := tn.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(alias)})
			if err != nil {
				t.Fatal(err)
			}
			if d.KeyMetadata.KeyManager != kmstypes.KeyManagerTypeAws {
				t.Fatalf("KeyManager: got %s, want AWS", d.KeyMetadata.KeyManager)
			}
			key := aws.String(id)
			calls := map[string]func() error{
				"DisableKey": func() error { _, err := tn.kms.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: key}); return err },
				"EnableKey":  func() error { _, err := tn.kms.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: key}); return err },
				"ScheduleKeyDeletion": func() error {
					_, err := tn.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: key, PendingWindowInDays: aws.Int32(7)})
					return err
				},
				"CancelKeyDeletion": func() error {
					_, err := tn.kms.CancelKeyDeletion(ctx(), &kms.CancelKeyDeletionInput{KeyId: key})
					return err
				},
				"UpdateKeyDescription": func() error {
					_, err := tn.kms.UpdateKeyDescription(ctx(), &kms.UpdateKeyDescriptionInput{KeyId: key, Description: aws.String("mine now")})
					return err
				},
				"TagResource": func() error {
					_, err := tn.kms.TagResource(ctx(), &kms.TagResourceInput{KeyId: key, Tags: []kmstypes.Tag{{TagKey: aws.String("k"), TagValue: aws.String("v")}}})
					return err
				},
				"UntagResource": func() error {
					_, err := tn.kms.UntagResource(ctx(), &kms.UntagResourceInput{KeyId: key, TagKeys: []string{"k"}})
					return err
				},
				"EnableKeyRotation": func() error {
					_, err := tn.kms.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: key})
					return err
				},
				"DisableKeyRotation": func() error {
					_, err := tn.kms.DisableKeyRotation(ctx(), &kms.DisableKeyRotationInput{KeyId: key})
					return err
				},
				"RotateKeyOnDemand": func() error {
					_, err := tn.kms.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: key})
					return err
				},
				"DeleteAlias": func() error {
					_, err := tn.kms.DeleteAlias(ctx(), &kms.DeleteAliasInput{AliasName: aws.String(alias)})
					return err
				},
				"UpdateAliasAway": func() error {
					_, err := tn.kms.UpdateAlias(ctx(), &kms.UpdateAliasInput{AliasName: aws.String(alias), TargetKeyId: mine.KeyMetadata.KeyId})
					return err
				},
				"UpdateAliasOnto": func() error {
					_, err := tn.kms.UpdateAlias(ctx(), &kms.UpdateAliasInput{AliasName: aws.String("alias/mine"), TargetKeyId: key})
					return err
				},
				"CreateAliasOnto": func() error {
					_, err := tn.kms.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/grab-" + id[:8]), TargetKeyId: key})
					return err
				},
			}
			for name, call := range calls {
				if got := clustertest.ErrCode(call()); got != "AccessDeniedException" {
					t.Errorf("%s on %s: got %q, want AccessDeniedException", name, alias, got)
				}
			}
		})
	}

	// The teardown loop: schedule the deletion of every key ListKeys shows, let the windows pass.
	keys, err := tn.kms.ListKeys(ctx(), &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys.Keys {
		_, _ = tn.kms.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: k.KeyId})
		_, _ = tn.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: k.KeyId, PendingWindowInDays: aws.Int32(7)})
	}
	tn.clock.advance(8 * 24 * time.Hour)
	tn.tick(t)
	for key, want := range map[string]string{"sse-s3.txt": "sse-s3 object", "sse-kms.txt": "sse-kms object"} {
		got, _ := mustGet(t, c, "data", key, nil)
		if string(got) != want {
			t.Fatalf("GET %s after the teardown loop: got %q", key, got)
		}
	}
	for alias, id := range managed {
		d, err := tn.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(alias)})
		if err != nil || *d.KeyMetadata.KeyId != id || d.KeyMetadata.KeyState != kmstypes.KeyStateEnabled {
			t.Fatalf("%s after the teardown loop: got %+v, %v; want %s Enabled", alias, d, err, id)
		}
	}
}
