package node

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// secureTransportDoc is AWS's documented policy that refuses every request not made over TLS.
func secureTransportDoc(bucket string) string {
	return `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowSSLRequestsOnly",
      "Action": "s3:*",
      "Effect": "Deny",
      "Resource": [
        "arn:aws:s3:::` + bucket + `",
        "arn:aws:s3:::` + bucket + `/*"
      ],
      "Condition": {
        "Bool": {
          "aws:SecureTransport": "false"
        }
      },
      "Principal": "*"
    }
  ]
}`
}

// denyUnencryptedDoc is AWS's documented policy that refuses PutObject unless it asks for
// SSE-KMS, and, when keyARN is set, for that key.
func denyUnencryptedDoc(bucket, keyARN string) string {
	doc := `{
  "Version": "2012-10-17",
  "Id": "PutObjectPolicy",
  "Statement": [
    {
      "Sid": "DenyIncorrectEncryptionHeader",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::` + bucket + `/*",
      "Condition": {
        "StringNotEquals": {
          "s3:x-amz-server-side-encryption": "aws:kms"
        }
      }
    },
    {
      "Sid": "DenyUnEncryptedObjectUploads",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::` + bucket + `/*",
      "Condition": {
        "Null": {
          "s3:x-amz-server-side-encryption": "true"
        }
      }
    }`
	if keyARN != "" {
		doc += `,
    {
      "Sid": "RequireSpecificKMSKey",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::` + bucket + `/*",
      "Condition": {
        "StringNotEquals": {
          "s3:x-amz-server-side-encryption-aws-kms-key-id": "` + keyARN + `"
        }
      }
    }`
	}
	return doc + `
  ]
}`
}

// TestBucketPolicyRequireSSEKMS: AWS's "deny PutObject unless SSE-KMS with this key" policy,
// put with `aws s3api put-bucket-policy` unchanged, decides real PutObject calls (the SDK's
// default client, aws-chunked bodies with trailing checksums, and the CLI); get-bucket-policy
// returns it, get-bucket-policy-status says it is not public, delete-bucket-policy removes it;
// a public policy is refused, Block Public Access being on.
func TestBucketPolicyRequireSSEKMS(t *testing.T) {
	tn := newTestNode(t)
	root := tn.cliAs(t, nil)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "kms-only")
	k1, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	k2, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	key1, key2 := aws.ToString(k1.KeyMetadata.Arn), aws.ToString(k2.KeyMetadata.Arn)
	doc := denyUnencryptedDoc("kms-only", key1)
	if err := os.WriteFile(filepath.Join(root.work, "policy.json"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	root.ok("s3api", "put-bucket-policy", "--bucket", "kms-only", "--policy", "file://policy.json")
	got := root.ok("s3api", "get-bucket-policy", "--bucket", "kms-only", "--query", "Policy", "--output", "text")
	if strings.TrimSpace(got) != doc {
		t.Fatalf("get-bucket-policy:\n%s\nwant the document as put", got)
	}
	var st struct{ PolicyStatus struct{ IsPublic bool } }
	if err := json.Unmarshal([]byte(root.ok("s3api", "get-bucket-policy-status", "--bucket", "kms-only")), &st); err != nil || st.PolicyStatus.IsPublic {
		t.Fatalf("get-bucket-policy-status: %+v %v", st, err)
	}

	// An IAM user whose own policy allows every S3 action is bound by the bucket's denies too.
	writer := tn.testPrincipal(t, "writer", allowDoc("*", "s3:*", "kms:GenerateDataKey", "kms:Decrypt"))
	body := payload(70<<10, "MARKER-policy ")
	for _, who := range []*principal{{arn: "root", s3: c}, writer} {
		for name, mod := range map[string]func(*s3.PutObjectInput){
			"no encryption header": nil,
			"SSE-S3":               func(in *s3.PutObjectInput) { in.ServerSideEncryption = s3types.ServerSideEncryptionAes256 },
			"SSE-KMS, no key id":   func(in *s3.PutObjectInput) { in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms },
			"SSE-KMS, another key": func(in *s3.PutObjectInput) {
				in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, aws.String(key2)
			},
		} {
			in := &s3.PutObjectInput{Bucket: aws.String("kms-only"), Key: aws.String("obj"), Body: bytes.NewReader(body)}
			if mod != nil {
				mod(in)
			}
			_, err := who.s3.PutObject(ctx(), in)
			msg := wantAccessDenied(t, "PutObject as "+who.arn+" with "+name, err)
			if who == writer && !strings.Contains(msg, "with an explicit deny in a resource-based policy") {
				t.Errorf("PutObject with %s: message %q does not name the bucket policy's deny", name, msg)
			}
		}
		put := mustPut(t, who.s3, "kms-only", "obj", body, func(in *s3.PutObjectInput) {
			in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, aws.String(key1)
		})
		if put.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != key1 {
			t.Fatalf("PutObject with the required key: %+v", put)
		}
		if got, _ := mustGet(t, who.s3, "kms-only", "obj", nil); !bytes.Equal(got, body) {
			t.Fatal("GetObject of the SSE-KMS object")
		}
	}
	var named bool
	for _, l := range readAuthzAudit(t, tn.n.cfg.auditDir()) {
		if l.Op == "PutObject" && l.Principal == writer.arn && l.Outcome == "AccessDenied" {
			named = named || l.Decision == "Deny" && l.DecisionReason == "explicit deny" && l.DecidingPolicy == "bucket policy" &&
				(l.DecidingStatement == "DenyIncorrectEncryptionHeader" || l.DecidingStatement == "RequireSpecificKMSKey")
		}
	}
	if !named {
		t.Error("no audit record of a refused PutObject names the bucket policy's deny statement")
	}
	if err := os.WriteFile(filepath.Join(root.work, "body.bin"), body, 0o600); err != nil {
		t.Fatal(err)
	}
	root.fails([]string{"s3api", "put-object", "--bucket", "kms-only", "--key", "cli", "--body", "body.bin"}, "AccessDenied")
	root.fails([]string{"s3api", "put-object", "--bucket", "kms-only", "--key", "cli", "--body", "body.bin",
		"--server-side-encryption", "aws:kms", "--ssekms-key-id", key2}, "AccessDenied")
	root.ok("s3api", "put-object", "--bucket", "kms-only", "--key", "cli", "--body", "body.bin",
		"--server-side-encryption", "aws:kms", "--ssekms-key-id", key1)
	root.fails([]string{"s3", "cp", "body.bin", "s3://kms-only/cp"}, "AccessDenied")
	root.ok("s3", "cp", "body.bin", "s3://kms-only/cp", "--sse", "aws:kms", "--sse-kms-key-id", key1)
	// A multipart upload (the CLI splits files over 8 MiB): only CreateMultipartUpload carries
	// the encryption headers; its parts and its completion are decided by what it asked for.
	big := payload(17<<20, "MARKER-multipart ")
	if err := os.WriteFile(filepath.Join(root.work, "big.bin"), big, 0o600); err != nil {
		t.Fatal(err)
	}
	root.fails([]string{"s3", "cp", "big.bin", "s3://kms-only/big"}, "AccessDenied")
	root.ok("s3", "cp", "big.bin", "s3://kms-only/big", "--sse", "aws:kms", "--sse-kms-key-id", key1)
	if got, _ := mustGet(t, c, "kms-only", "big", nil); !bytes.Equal(got, big) {
		t.Fatal("GetObject of the multipart SSE-KMS object")
	}

	// The policy without a specific key: any SSE-KMS upload passes, nothing else.
	root.ok("s3api", "put-bucket-policy", "--bucket", "kms-only", "--policy", denyUnencryptedDoc("kms-only", ""))
	mustPut(t, writer.s3, "kms-only", "k2", body, func(in *s3.PutObjectInput) {
		in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, aws.String(key2)
	})
	mustPut(t, writer.s3, "kms-only", "managed", body, func(in *s3.PutObjectInput) { in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms })
	_, err = writer.s3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("kms-only"), Key: aws.String("plain"), Body: bytes.NewReader(body)})
	wantAccessDenied(t, "PutObject without SSE-KMS under the keyless policy", err)

	// Public policies are refused (Block Public Access is on), and the old policy stays.
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::kms-only/*"}]}`
	root.fails([]string{"s3api", "put-bucket-policy", "--bucket", "kms-only", "--policy", public}, "AccessDenied")
	_, err = c.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("kms-only"), Policy: aws.String(strings.Replace(public, `"*"`, `{"AWS":"*"}`, 1))})
	wantAccessDenied(t, "PutBucketPolicy with Principal {AWS: *}", err)
	if got := root.ok("s3api", "get-bucket-policy", "--bucket", "kms-only", "--query", "Policy", "--output", "text"); strings.TrimSpace(got) != denyUnencryptedDoc("kms-only", "") {
		t.Fatalf("a refused public policy replaced the bucket's: %s", got)
	}
	out := root.ok("s3api", "get-public-access-block", "--bucket", "kms-only")
	for _, f := range []string{"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"} {
		if !strings.Contains(out, `"`+f+`": true`) {
			t.Fatalf("get-public-access-block: %s lacks %s true", out, f)
		}
	}
	// A policy naming another bucket's objects is malformed.
	root.fails([]string{"s3api", "put-bucket-policy", "--bucket", "kms-only", "--policy", denyUnencryptedDoc("other-bucket", "")}, "MalformedPolicy")

	// Delete: plain uploads work again.
	root.ok("s3api", "delete-bucket-policy", "--bucket", "kms-only")
	root.fails([]string{"s3api", "get-bucket-policy", "--bucket", "kms-only"}, "NoSuchBucketPolicy")
	root.fails([]string{"s3api", "get-bucket-policy-status", "--bucket", "kms-only"}, "NoSuchBucketPolicy")
	mustPut(t, writer.s3, "kms-only", "plain", body, nil)

	// In the bucket owner's account a bucket policy that names a user is enough on its own,
	// as in S3: that user has no IAM policy at all.
	namedUser := tn.testPrincipal(t, "named")
	_, _, err = getBytes(namedUser.s3, &s3.GetObjectInput{Bucket: aws.String("kms-only"), Key: aws.String("plain")})
	wantAccessDenied(t, "GetObject by a user with no policy", err)
	root.ok("s3api", "put-bucket-policy", "--bucket", "kms-only", "--policy", `{"Version":"2012-10-17","Statement":[{"Sid":"named reads",
		"Effect":"Allow","Principal":{"AWS":"`+namedUser.arn+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::kms-only/plain"}]}`)
	if got, _ := mustGet(t, namedUser.s3, "kms-only", "plain", nil); !bytes.Equal(got, body) {
		t.Fatal("GetObject allowed by the bucket policy alone")
	}
	_, _, err = getBytes(namedUser.s3, &s3.GetObjectInput{Bucket: aws.String("kms-only"), Key: aws.String("obj")})
	wantAccessDenied(t, "GetObject of an object the bucket policy does not name", err)
	_, err = namedUser.s3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("kms-only"), Key: aws.String("plain"), Body: bytes.NewReader(body)})
	wantAccessDenied(t, "PutObject the bucket policy does not allow", err)
}

// TestBucketPolicyRequireTLS: AWS's "AllowSSLRequestsOnly" policy, put unchanged, refuses every
// request over plain HTTP (the owner's too, SDK and CLI) and lets the same requests through
// once the node serves TLS; the policy is still in force after that restart. A key policy
// denying kms:* without TLS does the same for KMS, and its lockout check sees the request's
// transport.
func TestBucketPolicyRequireTLS(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "tls-only")
	mustCreateBucket(t, c, "open")
	root := tn.cliAs(t, nil)
	root.ok("s3api", "put-bucket-policy", "--bucket", "tls-only", "--policy", secureTransportDoc("tls-only"))
	user := tn.testPrincipal(t, "user", allowDoc("*", "s3:*"))

	body := []byte("over tls only")
	for _, who := range []*principal{{arn: "root", s3: c}, user} {
		_, err := who.s3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("tls-only"), Key: aws.String("x"), Body: bytes.NewReader(body)})
		wantAccessDenied(t, "PutObject over HTTP as "+who.arn, err)
		_, _, err = getBytes(who.s3, &s3.GetObjectInput{Bucket: aws.String("tls-only"), Key: aws.String("x")})
		wantAccessDenied(t, "GetObject over HTTP as "+who.arn, err)
		_, err = who.s3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("tls-only")})
		wantAccessDenied(t, "ListObjectsV2 over HTTP as "+who.arn, err)
		// Another bucket is not affected.
		mustPut(t, who.s3, "open", "x", body, nil)
	}
	root.fails([]string{"s3api", "list-objects-v2", "--bucket", "tls-only"}, "AccessDenied")
	// The bucket owner's root can always read, replace and delete the bucket policy, whatever
	// the policy denies, as in S3: a node serving plain HTTP alone must not lock the bucket's
	// policy away from its owner. Nobody else is exempt.
	if got := root.ok("s3api", "get-bucket-policy", "--bucket", "tls-only", "--query", "Policy", "--output", "text"); strings.TrimSpace(got) != secureTransportDoc("tls-only") {
		t.Fatalf("get-bucket-policy by the owner's root over HTTP: %s", got)
	}
	root.ok("s3api", "put-bucket-policy", "--bucket", "tls-only", "--policy", secureTransportDoc("tls-only"))
	_, err := user.s3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("tls-only")})
	wantAccessDenied(t, "GetBucketPolicy over HTTP by an IAM user allowed s3:*", err)
	_, err = user.s3.DeleteBucketPolicy(ctx(), &s3.DeleteBucketPolicyInput{Bucket: aws.String("tls-only")})
	wantAccessDenied(t, "DeleteBucketPolicy over HTTP by an IAM user allowed s3:*", err)

	// The same rule for a key: a key policy denying kms:* without TLS. Over HTTP the lockout
	// check sees the caller's request as it is (no TLS) and refuses it unless bypassed.
	acct := tn.n.svc.ARNs().Account
	tlsKeyPol := keyPolicyDoc(acct, `{"Sid":"TLS only","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*",`+
		`"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)
	_, err = tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(tlsKeyPol)})
	wantAWSCode(t, "CreateKey over HTTP with a TLS-only key policy", err, "MalformedPolicyDocumentException")
	tk, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(tlsKeyPol), BypassPolicyLockoutSafetyCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: tk.KeyMetadata.KeyId, Plaintext: []byte("x")})
	wantAccessDenied(t, "Encrypt over HTTP under a TLS-only key policy", err)

	caFile := tn.serveTLS(t)
	if _, err := tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: tk.KeyMetadata.KeyId, Plaintext: []byte("x")}); err != nil {
		t.Fatalf("Encrypt over TLS under a TLS-only key policy: %v", err)
	}
	if _, err := tn.kms.PutKeyPolicy(ctx(), &kms.PutKeyPolicyInput{KeyId: tk.KeyMetadata.KeyId, Policy: aws.String(tlsKeyPol)}); err != nil {
		t.Fatalf("PutKeyPolicy over TLS passes the lockout check: %v", err)
	}
	c = tn.s3Client(true)
	user = tn.principalFor(user.akid, user.secret, user.arn)
	for _, who := range []*principal{{arn: "root", s3: c}, user} {
		mustPut(t, who.s3, "tls-only", "x", body, nil)
		if got, _ := mustGet(t, who.s3, "tls-only", "x", nil); !bytes.Equal(got, body) {
			t.Fatal("GetObject over TLS")
		}
	}
	root = tn.cliAs(t, nil)
	root.caBundle = caFile
	if out := root.ok("s3api", "list-objects-v2", "--bucket", "tls-only"); !strings.Contains(out, `"Key": "x"`) {
		t.Fatalf("list-objects-v2 over TLS: %s", out)
	}
	if got := root.ok("s3api", "get-bucket-policy", "--bucket", "tls-only", "--query", "Policy", "--output", "text"); strings.TrimSpace(got) != secureTransportDoc("tls-only") {
		t.Fatalf("get-bucket-policy over TLS after the restart: %s", got)
	}
	root.ok("s3api", "delete-bucket-policy", "--bucket", "tls-only")
}
