package node

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/cluster/clustertest"
)

// auditLine is the part of an audit record the tests look at.
type auditLine struct {
	Seq         uint64            `json:"seq"`
	RequestID   string            `json:"request_id"`
	API         string            `json:"api"`
	Op          string            `json:"op"`
	Principal   string            `json:"principal"`
	AccessKeyID string            `json:"access_key_id"`
	SourceIP    string            `json:"source_ip"`
	Key         string            `json:"key"`
	Bucket      string            `json:"bucket"`
	Object      string            `json:"object"`
	Proposal    string            `json:"proposal"`
	Context     map[string]string `json:"encryption_context"`
	Outcome     string            `json:"outcome"`
}

func readAudit(t *testing.T, dir string) []auditLine {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no audit files in %s (%v)", dir, err)
	}
	var out []auditLine
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
			var a auditLine
			if err := json.Unmarshal(l, &a); err != nil {
				t.Fatalf("%s: %v in %q", f, err, l)
			}
			out = append(out, a)
		}
	}
	return out
}

// TestAuditTrail drives KMS, S3 and admin requests through a live node and checks that each
// produced exactly one record with who, what, which key or object, the encryption context and the
// outcome; that the trail verifies; and that no
// plaintext, data key, credential secret or SSE-C key is in it.
func TestAuditTrail(t *testing.T) {
	tn := newTestNode(t)
	tn.cfg.AllowSSECOverHTTP = true
	tn.restart(t)
	c := tn.kms
	md := createKey(t, c, "audited")
	keyARN := aws.ToString(md.Arn)
	ec := map[string]string{"tenant": "acme", "purpose": "audit-test"}
	marker := "AUDIT-PLAINTEXT-MARKER-never-in-the-trail"
	blob := encrypt(t, c, keyARN, marker, ec)
	_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"tenant": "evil"}})
	clustertest.WantCode(t, err, "InvalidCiphertextException")
	dk, err := c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(keyARN), KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/no-such-alias"), Plaintext: []byte(marker)})
	clustertest.WantCode(t, err, "NotFoundException")

	s3c := tn.s3Client(true)
	mustCreateBucket(t, s3c, "audited")
	ck := newCustomerKey(0x5a)
	objMarker := "S3-OBJECT-MARKER-never-in-the-trail"
	mustPut(t, s3c, "audited", "dir/secret.txt", []byte(objMarker), func(in *s3.PutObjectInput) {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(ck.b64), aws.String(ck.md5)
	})
	mustPut(t, s3c, "audited", "kms.txt", []byte(objMarker), func(in *s3.PutObjectInput) {
		in.ServerSideEncryption, in.SSEKMSKeyId = "aws:kms", aws.String(keyARN)
	})
	_, err = s3c.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("audited"), Key: aws.String("missing")})
	clustertest.WantCode(t, err, "NoSuchKey")

	ops := "http://" + tn.n.opsLn.Addr().String()
	resp, err := http.Get(ops + "/v1/domain/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Signed by the operator, so that it gets past authentication to the proposal check.
	if code, _ := adminCall(t, ops, "POST", "/v1/admin/proposals", []byte("not a proposal"), signedBy(t, devOperator(t, tn.dir))); code != http.StatusBadRequest {
		t.Fatalf("submitting a malformed proposal: HTTP %d, want 400", code)
	}
	resp, err = http.Post(ops+"/v1/admin/proposals/nope/approve", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	dir := tn.cfg.auditDir()
	if dir != filepath.Join(tn.cfg.DataDir, "audit") {
		t.Fatalf("audit dir: got %s, want <data_dir>/audit", dir)
	}
	tn.stop()
	recs := readAudit(t, dir)
	find := func(api, op string, match func(auditLine) bool) auditLine {
		t.Helper()
		var got []auditLine
		for _, r := range recs {
			if r.API == api && r.Op == op && (match == nil || match(r)) {
				got = append(got, r)
			}
		}
		if len(got) != 1 {
			t.Fatalf("%s %s: got %d matching records, want exactly 1: %+v", api, op, len(got), got)
		}
		return got[0]
	}
	enc := find("kms", "Encrypt", func(r auditLine) bool { return r.Outcome == "OK" && r.Key == keyARN })
	if enc.Principal == "" || enc.AccessKeyID != tn.akid || enc.SourceIP != "127.0.0.1" || enc.RequestID == "" ||
		enc.Context["tenant"] != "acme" || enc.Context["purpose"] != "audit-test" {
		t.Errorf("Encrypt record: got %+v, want principal, access key, source IP, request id and the full context", enc)
	}
	dec := find("kms", "Decrypt", nil)
	if dec.Outcome != "InvalidCiphertextException" || dec.Context["tenant"] != "evil" {
		t.Errorf("failed Decrypt record: got %+v, want its error code and the context the caller sent", dec)
	}
	find("kms", "GenerateDataKey", func(r auditLine) bool { return r.Key == keyARN && r.Outcome == "OK" })
	find("kms", "Encrypt", func(r auditLine) bool { return r.Key == "alias/no-such-alias" && r.Outcome == "NotFoundException" })
	find("kms", "CreateKey", func(r auditLine) bool { return r.Key == keyARN })
	find("s3", "CreateBucket", func(r auditLine) bool { return r.Bucket == "audited" && r.Outcome == "OK" })
	find("s3", "PutObject", func(r auditLine) bool { return r.Object == "dir/secret.txt" && r.AccessKeyID == tn.akid })
	find("s3", "PutObject", func(r auditLine) bool { return r.Object == "kms.txt" && r.Key == keyARN })
	find("s3", "GetObject", func(r auditLine) bool { return r.Object == "missing" && r.Outcome == "NoSuchKey" })
	find("admin", "GetDomainStatus", func(r auditLine) bool { return r.Outcome == "OK" })
	find("admin", "SubmitProposal", func(r auditLine) bool {
		return r.Outcome == "ValidationError" && strings.HasPrefix(r.Principal, "ed25519:")
	})
	find("admin", "ApproveProposal", func(r auditLine) bool { return r.Proposal == "nope" && r.Outcome != "OK" })

	sum, err := audit.Verify(dir, audit.VerifyOptions{})
	if err != nil {
		t.Fatalf("the trail does not verify: %v", err)
	}
	if sum.Records != uint64(len(recs)) || sum.HeadSeq != uint64(len(recs)) {
		t.Fatalf("got %+v, want %d records, seq 1..%[2]d", sum, len(recs))
	}
	scanForSecrets(t, dir, map[string][]byte{
		"plaintext": []byte(marker), "object body": []byte(objMarker), "data key": dk.Plaintext,
		"root secret access key": []byte(tn.secret), "SSE-C key": ck.raw, "ciphertext": blob,
	})
}
